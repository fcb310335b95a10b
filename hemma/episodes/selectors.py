"""Reads of episodes, always through the patient access policy and the access log."""

from dataclasses import dataclass

from django.http import Http404

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.patients.selectors import PatientAccess, get_patient_for_user

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
) -> EpisodeAccess:
    """Fetch an episode, check the policy on its patient, log the access (healthchecks'
    _get_check_for_user). An unknown episode is a 404 like a forbidden one."""
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
    access = get_patient_for_user(
        staff=staff,
        acting_unit=acting_unit,
        patient_id=episode.patient_id,
        action=action,
        detail=detail or f"episode {episode.pk}",
    )
    episode.patient = access.patient
    return EpisodeAccess(episode, access)
