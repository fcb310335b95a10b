"""Coordination's part in the flow (registered in CoordinationConfig.ready()): the tasks
the transitions give the units, the episode's tasks on its page with the form that
completes one, the unit's open tasks on its worklist, and the episode's lag (2017:612)
case on its page with the notice form (episode_case.py)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.clinical import episode_states as states
from hemma.episodes import hooks
from hemma.episodes.models import Episode
from hemma.errors import HemmaError
from hemma.patients.policy import blocked_units_for
from hemma.patients.selectors import refuse

from .episode_case import episode_case, linked_case_close
from .episode_tasks import (
    care_ended_notices_create,
    episode_task,
    episode_task_complete,
    evening_call_create,
    open_tasks_for_worklist,
    readmission_notice_create,
    task_blocked,
    tasks_of_episode,
)
from .forms import EpisodeNoticeForm, EpisodeTaskForm


def complete_task(request, episode: Episode, data: dict):
    """The episode page's "Klar" on a task: a unit completes only its own (another unit's
    task is a 403 with a denied entry naming the episode and the task)."""
    staff, unit = request.hemma.staff, request.hemma.unit
    task = episode_task(episode, data["task"])
    if task is None:
        raise HemmaError(_("Uppgiften finns inte."))
    if task.owner_unit_id != unit.pk:
        refuse(
            staff=staff,
            acting_unit=unit,
            what=f"episode {episode.pk} task_done task {task.pk}",
            patient=episode.patient,
        )
    return episode_task_complete(staff=staff, unit=unit, task=task, note=data["note"])


def episode_panel(staff: Staff, unit: Unit, episode: Episode) -> dict:
    now = timezone.localtime().replace(second=0, microsecond=0)
    # Blocking (spärr), docs/blocking.md: the episode page logs an opening itself.
    hidden = blocked_units_for(staff=staff, acting_unit=unit, patient=episode.patient)
    tasks = list(tasks_of_episode(episode))
    shown = [task for task in tasks if not task_blocked(task, episode, unit, hidden)]
    return {
        "tasks": shown,
        "tasks_blocked": len(shown) != len(tasks),
        # The same facts as the case page: the notices are the case's messages.
        "episode_case": episode_case(unit, episode),
        "episode_notice_form": EpisodeNoticeForm(
            auto_id="notice_%s", initial={"admitted_at": now, "notice": "admission"}
        ),
    }


def worklist_panel(staff: Staff, unit: Unit, groups) -> hooks.Panel:
    """Every unit: its open tasks (flow, alerts, meetings) of patients it may list."""
    tasks = open_tasks_for_worklist(staff, unit)
    shown = tuple(
        task.patient or task.episode.patient for task in tasks if task.patient_id or task.episode_id
    )
    return hooks.Panel({"tasks": tasks}, shown)


def register() -> None:
    hooks.register_transition_effect(states.AT_HOME, evening_call_create)
    hooks.register_transition_effect(states.READMITTED, readmission_notice_create)
    for ended in (states.DIED, states.TRANSFERRED, states.DISCHARGED):
        hooks.register_transition_effect(ended, care_ended_notices_create)
    for final in sorted(states.FINAL_STATES):
        hooks.register_transition_effect(final, linked_case_close)
    hooks.register_episode_panel(episode_panel)
    hooks.register_worklist_panel(worklist_panel)
    hooks.register_episode_action(hooks.EpisodeAction("task_done", EpisodeTaskForm, complete_task))
