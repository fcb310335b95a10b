"""Reads of episodes, always through the patient access policy and the access log, and the
views' refusal of an action the policy does not allow."""

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.clinical import episode_states as states
from hemma.patients.models import Patient
from hemma.patients.policy import (
    decide_patient_access,
    health_record_patients_visible_to,
    may_do,
    patients_visible_to,
)
from hemma.patients.selectors import PatientAccess, get_patient_for_user, refuse

from .models import ChecklistItem, Episode, Referral, SafetyBed, SafetyBedReservation


@dataclass(frozen=True)
class EpisodeAccess:
    episode: Episode
    access: PatientAccess


def get_episode_for_user(
    *,
    staff: Staff | None,
    acting_unit: Unit | None,
    episode_id: int,
    action: str = AccessLogEntry.Action.VIEW_PATIENT,
    detail: str = "",
    health_record: bool = False,
    do: str = "",
) -> EpisodeAccess:
    """Fetch an episode, check the policy on its patient, log the access (healthchecks'
    _get_check_for_user). An unknown episode is a 404 like a forbidden one.

    `health_record=True`: the page shows the health record (the assessment, the agreement),
    so a home-care unit, which reads only what its own request needs (Scope.SOL), gets a
    404. `do`: the episode action the request is for (policy.EPISODE_ACTIONS); a unit that
    sees the patient but may not do it gets a 403. Both refusals write a denied entry
    naming the episode – and no granted one first."""
    episode = (
        Episode.objects.select_related(
            "patient__listed_unit", "ward__organisation", "home_health_unit__organisation"
        )
        .filter(pk=episode_id)
        .first()
    )
    if episode is None:
        access_log_record(
            staff=staff,
            unit=acting_unit,
            action=action,
            purpose=AccessLogEntry.Purpose.CARE,
            outcome=AccessLogEntry.Outcome.DENIED,
            detail=f"episode id={episode_id}",
        )
        raise Http404("No episode")
    detail = detail or f"episode {episode.pk}"
    if do:
        decision = decide_patient_access(
            staff=staff, acting_unit=acting_unit, patient=episode.patient
        )
        if decision.granted and do and (decision.health_record or not health_record):
            check_episode_action(staff=staff, acting_unit=acting_unit, episode=episode, action=do)
    access = get_patient_for_user(
        staff=staff,
        acting_unit=acting_unit,
        patient_id=episode.patient_id,
        action=action,
        detail=detail,
        health_record=health_record,
    )
    episode.patient = access.patient
    return EpisodeAccess(episode, access)


def check_episode_action(
    *, staff: Staff | None, acting_unit: Unit | None, episode: Episode, action: str
) -> None:
    """A view's check before it calls a service (which checks again): refused → 403."""
    if not may_do(staff=staff, unit=acting_unit, action=action, episode=episode):
        refuse(
            staff=staff,
            acting_unit=acting_unit,
            what=f"episode {episode.pk} {action}",
            patient=episode.patient,
        )


# --- the worklist -----------------------------------------------------------------------


@dataclass(frozen=True)
class WorklistGroup:
    """The open episodes of one state on the worklist. `with_checklist`: the state is one
    of preparation (it offers the checklist), so the list names the items still open."""

    state: str
    label: str
    episodes: list[Episode]
    with_checklist: bool


def worklist_episodes(staff: Staff | None, unit: Unit) -> dict[str, list[Episode]]:
    """The open episodes the unit owns or visits, of patients whose health record it may
    list (a home-care unit lists none), by state in the flow's order, each with the
    checklist items still open (`missing`). Two queries."""
    episodes = (
        Episode.objects.filter(Q(ward=unit) | Q(home_health_unit=unit))
        .filter(patient__in=health_record_patients_visible_to(staff, unit))
        .exclude(state__in=states.FINAL_STATES)
        .select_related("patient")
        .prefetch_related(
            Prefetch(
                "checklist",
                queryset=ChecklistItem.objects.filter(status=ChecklistItem.Status.OPEN),
                to_attr="missing",
            )
        )
        .order_by("patient__last_name")
    )
    groups: dict[str, list[Episode]] = {state: [] for state in states.STATES}
    for episode in episodes:
        groups[episode.state].append(episode)
    return groups


def worklist_groups(groups: dict[str, list[Episode]]) -> list[WorklistGroup]:
    """The non-empty groups, labelled, in the flow's order."""
    return [
        WorklistGroup(
            state=state,
            label=Episode.State(state).label,
            episodes=episodes,
            with_checklist="checklist" in states.ACTIONS_BY_STATE[state],
        )
        for state, episodes in groups.items()
        if episodes
    ]


def safety_bed_census(ward: Unit, at_home: int) -> dict:
    """A ward's beds, patients at home and safety places free (places in service)."""
    total = SafetyBed.objects.filter(ward=ward, in_service=True).count()
    used = SafetyBedReservation.objects.filter(
        bed__ward=ward, bed__in_service=True, released_at=None
    ).count()
    return {
        "beds": ward.beds,
        "safety_total": total,
        "safety_used": used,
        "safety_free": total - used,
        "at_home": at_home,
    }


def referrals_to_unit(staff: Staff | None, unit: Unit, limit: int = 100) -> list[Referral]:
    """Primary care: referrals after discharge to the unit, of patients it may list, unread
    first."""
    return list(
        Referral.objects.filter(to_unit=unit, episode__patient__in=patients_visible_to(staff, unit))
        .select_related("episode__patient", "episode__ward", "created_by__user")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at")[:limit]
    )


def get_referral(referral_id: int) -> Referral | None:
    return (
        Referral.objects.select_related("episode__patient", "episode__ward")
        .filter(pk=referral_id)
        .first()
    )


def default_home_health_unit(patient: Patient) -> Unit | None:
    """The flag form's suggestion: a home health unit of the patient's municipality."""
    return Unit.objects.filter(
        organisation=patient.home_municipality_id, kind=Unit.Kind.HOME_HEALTH_CARE
    ).first()


# --- the episode page -------------------------------------------------------------------


def open_reservation(episode: Episode) -> SafetyBedReservation | None:
    """The safety place held for the patient (not yet released)."""
    return (
        SafetyBedReservation.objects.filter(episode=episode, released_at=None)
        .select_related("bed")
        .first()
    )


def episode_timeline(episode: Episode) -> QuerySet:
    return episode.transitions.select_related("by__user")


def episode_checklist(episode: Episode) -> QuerySet:
    return episode.checklist.select_related("by__user").order_by("id")


def episode_referrals(episode: Episode) -> QuerySet:
    return episode.referrals.select_related("to_unit")


def day_at_home(episode: Episode) -> int | None:
    """Day 1, 2, … of the stay at home (while at home)."""
    if episode.at_home_since and episode.state == states.AT_HOME:
        return (timezone.localdate() - timezone.localdate(episode.at_home_since)).days + 1
    return None
