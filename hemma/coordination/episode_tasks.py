"""The tasks the early-discharge flow gives the units, and their completion on the episode
page: the ward's evening call on the first day at home, and home health care's notice of
a direct admission. The flow does not know about tasks: episode_hooks.py registers the
effects below on its transitions (hemma/episodes/hooks.py)."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.carerequests.models import CareRequest
from hemma.clinical import episode_states as states
from hemma.episodes.hooks import TransitionEvent
from hemma.episodes.models import Episode
from hemma.episodes.services import episode_log
from hemma.errors import Conflict, NotAllowed
from hemma.patients.policy import require_action

from .meetings import visible_tasks
from .models import Task

EVENING_CALL_TIME = time(19, 0)
WORKLIST_TASKS = 50


def _evening_of(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    evening = timezone.make_aware(datetime.combine(local.date(), EVENING_CALL_TIME))
    return max(evening, moment + timedelta(hours=1))


# --- effects of the flow's transitions (run in the transition's transaction) -------------


def evening_call_create(event: TransitionEvent) -> Task | None:
    """The patient went home (preparing → at home): the ward calls in the evening of day 1.
    A return from the safety place is no first day and gives no call."""
    if event.from_state != states.PREPARING:
        return None
    episode = event.episode
    due = _evening_of(event.at)
    return Task.objects.create(
        title=str(Task.Kind.EVENING_CALL.label),
        kind=Task.Kind.EVENING_CALL,
        episode=episode,
        patient=episode.patient,
        owner_unit=episode.ward,
        due_on=timezone.localdate(due),
        due_at=due,
        source="flow",
        created_by=event.staff,
    )


def readmission_notice_create(event: TransitionEvent) -> Task | None:
    """A direct admission: the municipality learns at once that the patient is back on
    the ward (a task for the episode's home health unit)."""
    episode = event.episode
    if not episode.home_health_unit_id:
        return None
    title = _("Direktinlagd på %(bed)s: %(reason)s") % {"bed": event.bed, "reason": event.reason}
    return Task.objects.create(
        # The reason may be up to 1,000 characters; the task's title holds 300 (the whole
        # reason stays on the episode's transition).
        title=Truncator(title).chars(Task._meta.get_field("title").max_length),
        kind=Task.Kind.OTHER,
        episode=episode,
        patient=episode.patient,
        owner_unit=episode.home_health_unit,
        due_on=timezone.localdate(event.at),
        due_at=event.at,
        source="flow",
        created_by=event.staff,
    )


def _units_of_episode(episode: Episode) -> list[int]:
    """Every unit that takes part in the episode: the ward, home health care, the units its
    care requests went to (answered or open) and the patient's primary care centre."""
    receivers = CareRequest.objects.filter(episode=episode).exclude(
        status__in=[CareRequest.Status.DECLINED, CareRequest.Status.WITHDRAWN]
    )
    units = [episode.ward_id, episode.home_health_unit_id, episode.patient.listed_unit_id]
    units += list(receivers.values_list("to_unit_id", flat=True))
    return list(dict.fromkeys(unit for unit in units if unit))


def _ending_title(event: TransitionEvent) -> str | None:
    episode = event.episode
    if event.to_state == states.DIED:
        kind = _("förväntat") if episode.death_expected else _("oväntat")
        return _("Avliden i hemmet %(at)s (%(kind)s), konstaterat av %(who)s") % {
            "at": f"{timezone.localtime(episode.died_at):%Y-%m-%d %H:%M}",
            "kind": kind,
            "who": episode.death_confirmed_by,
        }
    if event.to_state == states.TRANSFERRED:
        return _("Överflyttad till %(to)s") % {"to": episode.transferred_to}
    if episode.end_reason == Episode.EndReason.PATIENT_REQUEST:
        return _("Vården i hemmet avslutad på patientens eller närståendes önskan")
    return None  # a discharge with the criteria met: the referral and the lists say it


def care_ended_notices_create(event: TransitionEvent) -> list[Task]:
    """Care at home ended otherwise than by the criteria (death, transfer, the patient's
    wish): every other unit of the episode gets a task to take note and stop its visits."""
    title = _ending_title(event)
    if title is None:
        return []
    episode = event.episode
    return [
        Task.objects.create(
            title=title[:300],
            kind=Task.Kind.OTHER,
            episode=episode,
            patient=episode.patient,
            owner_unit_id=unit_id,
            due_on=timezone.localdate(event.at),
            due_at=event.at,
            source="flow",
            created_by=event.staff,
        )
        for unit_id in _units_of_episode(episode)
        if unit_id != event.unit.pk
    ]


# --- completing a task on the episode page ----------------------------------------------


def episode_task_complete(*, staff: Staff, unit: Unit, task: Task, note: str) -> Task:
    """A unit completes a task it owns (the ward its evening call, home health care the
    notice of a direct admission), when its role in the episode allows it."""
    if task.episode_id is None:
        raise NotAllowed(_("Uppgiften hör inte till ett vårdtillfälle."))
    require_action(staff=staff, unit=unit, action="task_done", episode=task.episode)
    if task.owner_unit_id != unit.pk:
        raise NotAllowed(_("Uppgiften hör till en annan enhet."))
    with transaction.atomic():
        task = (
            Task.objects.select_for_update(of=("self",))
            .select_related("episode__patient")
            .get(pk=task.pk)
        )
        if task.done_at is not None:
            raise Conflict(_("Uppgiften är redan klar."))
        if task.owner_unit_id != unit.pk:
            raise NotAllowed(_("Uppgiften hör till en annan enhet."))
        task.status = Task.Status.DONE
        task.done_at, task.done_by, task.note = timezone.now(), staff, note.strip()
        task.save()
        episode_log(staff=staff, unit=unit, episode=task.episode, detail=f"task {task.kind} done")
    return task


# --- reads ------------------------------------------------------------------------------


def tasks_of_episode(episode: Episode) -> QuerySet:
    """Every task of the episode (the episode page; the caller has checked the policy)."""
    return episode.tasks.select_related("owner_unit", "done_by__user")


def task_blocked(task: Task, episode: Episode, unit: Unit | None, hidden: frozenset[int]) -> bool:
    """Whether a block withholds the task from a reader acting for `unit` (`hidden`: the
    units the patient blocked from the reader, policy.blocked_units_for). A task is its
    owner unit's documentation (its work, its note when done); a task the flow gives
    another unit (a direct admission's notice, care at home ended) is written by the ward
    – tasks record no author unit – and is a disclosure to its owner: the owner reads it
    whatever is blocked, anyone else not when the ward is blocked."""
    if not hidden or (unit is not None and task.owner_unit_id == unit.pk):
        return False
    if task.owner_unit_id in hidden:
        return True
    return task.source == "flow" and episode.ward_id in hidden


def episode_task(episode: Episode, task_id: int) -> Task | None:
    return episode.tasks.select_related("episode").filter(pk=task_id).first()


def open_tasks_for_worklist(staff: Staff | None, unit: Unit) -> list[Task]:
    """Every open task of the unit (flow, alerts, meetings) about patients it may list, the
    most overdue first."""
    return list(
        visible_tasks(Task.objects.filter(owner_unit=unit, status=Task.Status.OPEN), staff, unit)
        .select_related("episode__patient", "patient")
        .order_by("due_on", "due_at", "id")[:WORKLIST_TASKS]
    )
