"""Care requests' part in the flow (registered in CarerequestsConfig.ready()): no
preparations before the request to home health care (and, for Omar's tier, to home care)
is sent, the episode's requests and logistics on its page, and the incoming requests on
the receiving unit's worklist."""

from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.clinical import episode_states as states
from hemma.episodes import hooks
from hemma.episodes.models import Episode
from hemma.patients.policy import blocked_units_for

from .models import CareRequest
from .selectors import (
    inbox_for_unit,
    live_request_kinds,
    open_logistics_count,
    requests_for_episode,
)

RECEIVING_UNITS = (*Unit.VISITING_KINDS, Unit.Kind.HOME_CARE)


def care_requests_sent(episode: Episode, to_state: str) -> str | None:
    """Preparing: a live request to the visiting team (none in Plan B, where the ward
    follows the patient itself); Omar's tier (expanded home care) also needs one to home
    care / needs assessment."""
    kinds = live_request_kinds(episode)
    if episode.visiting != Episode.Visiting.NONE and CareRequest.Kind.HOME_HEALTH not in kinds:
        return _("Skicka vårdbegäran till det besökande teamet först.")
    if episode.tier == Episode.Tier.OMAR and CareRequest.Kind.HOME_CARE not in kinds:
        return _("Patienten behöver utökad hemtjänst: skicka en begäran till hemtjänsten först.")
    return None


def episode_panel(staff: Staff, unit: Unit, episode: Episode) -> dict:
    # Blocking (spärr): the episode page has decided and logged an opening already.
    hidden = blocked_units_for(staff=staff, acting_unit=unit, patient=episode.patient)
    shown = list(requests_for_episode(episode, unit, hidden))
    return {
        "care_requests": shown,
        "care_requests_blocked": bool(hidden)
        and len(shown) != requests_for_episode(episode, unit).count(),
        "logistics_open": open_logistics_count(episode),
    }


def worklist_panel(staff: Staff, unit: Unit, groups) -> hooks.Panel | None:
    """Home health care and home care: the unanswered requests to the unit (only those
    about patients visible to it – inbox_for_unit filters by the policy)."""
    if unit.kind not in RECEIVING_UNITS:
        return None
    incoming = list(inbox_for_unit(unit, staff).filter(status__in=CareRequest.OPEN_STATUSES))
    return hooks.Panel(
        {"incoming": incoming}, tuple(request.episode.patient for request in incoming)
    )


def register() -> None:
    hooks.register_transition_guard(states.PREPARING, care_requests_sent)
    hooks.register_episode_panel(episode_panel)
    hooks.register_worklist_panel(worklist_panel)
