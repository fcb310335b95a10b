"""The access policy, once for every staff view of monitoring: reading an episode's health
record and refusing an action (a denied entry, 403, nothing changed)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render

from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.episodes.models import Episode
from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import NotAllowed
from hemma.patients.policy import require_action

from .. import selectors, services

Action = AccessLogEntry.Action


def labels() -> dict:
    """The trend charts' Swedish parameter names."""
    return {name: services.parameter_label(name) for name in selectors.TREND_PARAMETERS}


def health_record_episode(request, episode_id, detail: str) -> Episode:
    """The episode, read through the access policy (logged), when the acting unit may read
    the health record: vitals and NEWS2 are not home care's (SoL) to read – refused with a
    denied entry and a 404 like any refusal."""
    staff, unit = request.hemma.staff, request.hemma.unit
    access = get_episode_for_user(
        staff=staff, acting_unit=unit, episode_id=episode_id, detail=detail, health_record=True
    )
    return access.episode


def refused(request, episode: Episode, action: str, what: str) -> HttpResponse | None:
    """None when the policy lets the acting unit do `action`; otherwise a denied entry
    naming the object, the reason as a message and 403 – nothing is changed."""
    staff, unit = request.hemma.staff, request.hemma.unit
    try:
        require_action(staff=staff, unit=unit, action=action, episode=episode)
    except NotAllowed as error:
        access_log_record(
            staff=staff,
            unit=unit,
            patient=episode.patient,
            action=Action.EDIT_PATIENT,
            purpose=AccessLogEntry.Purpose.CARE,
            outcome=AccessLogEntry.Outcome.DENIED,
            detail=f"{what}: {action} refused",
        )
        messages.error(request, error.message)
        return render(request, "web/error.html", {"status": 403}, status=403)
    return None
