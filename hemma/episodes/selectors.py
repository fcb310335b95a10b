"""Reads of episodes, always through the patient access policy and the access log, and the
views' refusal of an action the policy does not allow."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F, Max
from django.http import Http404
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.clinical.recurrence import applies_on
from hemma.patients.policy import decide_patient_access, may_do
from hemma.patients.selectors import PatientAccess, get_patient_for_user, refuse

from .models import Episode


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


def silent_patients(episodes: list[Episode]) -> list[tuple[Episode, object]]:
    """Patients at home whose agreed measurement is overdue: (episode, last value time)."""
    from hemma.monitoring.models import MonitoringPlan, ObservationSet

    plans = {p.episode_id: p for p in MonitoringPlan.objects.filter(episode__in=episodes)}
    latest = dict(
        ObservationSet.objects.filter(episode__in=list(plans))
        .values("episode_id")
        .annotate(last=Max("measured_at"))
        .values_list("episode_id", "last")
    )
    now = timezone.now()
    silent = []
    for episode in episodes:
        plan = plans.get(episode.pk)
        since = latest.get(episode.pk) or episode.at_home_since
        if plan and since and since < now - timedelta(hours=plan.interval_hours, minutes=60):
            silent.append((episode, since))
    return silent


def activities_today(episodes: list[Episode]) -> list[tuple[Episode, int, list[dict]]]:
    """Each patient at home with the agreement's activities due today (one query)."""
    from hemma.careplans.models import AgreementVersion

    versions = {
        version.agreement.episode_id: version
        for version in AgreementVersion.objects.filter(
            agreement__episode__in=episodes, number=F("agreement__current_number")
        ).select_related("agreement")
    }
    today = timezone.localdate()
    rows = []
    for episode in episodes:
        day = (today - timezone.localdate(episode.at_home_since)).days + 1
        version = versions.get(episode.pk)
        activities = [
            activity
            for activity in (version.activities if version else [])
            if applies_on(activity["when"], today, day)
        ]
        rows.append((episode, day, activities))
    return rows
