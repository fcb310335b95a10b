"""The documented agreement's part in the flow (registered in CareplansConfig.ready()):
no "agreed" without an agreement, no discharge before its criteria are met, the agreement
on the episode page and today's activities on home health care's worklist."""

from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.clinical import episode_states as states
from hemma.episodes import hooks
from hemma.episodes.models import Episode
from hemma.patients.policy import blocked_units_for

from .selectors import (
    activities_today,
    agreement_exists,
    agreement_for_episode,
    blocked_agreements,
    criteria_status,
    current_version,
    discharge_criteria_met,
)


def agreement_written(episode: Episode, to_state: str) -> str | None:
    """Agreed: consent and a documented agreement exist (the flow checks the consent)."""
    if not agreement_exists(episode):
        return _("Skriv den dokumenterade överenskommelsen först.")
    return None


def discharge_criteria(episode: Episode, to_state: str) -> str | None:
    """Discharged: every criterion of the agreement's current version is checked off –
    unless the patient asked to end care at home (the physician's decision, recorded as
    the episode's end reason by the flow)."""
    if episode.end_reason == Episode.EndReason.PATIENT_REQUEST:
        return None
    if not discharge_criteria_met(agreement_for_episode(episode)):
        return _("Alla utskrivningskriterier är inte uppfyllda.")
    return None


def episode_panel(staff: Staff, unit: Unit, episode: Episode) -> dict:
    """The agreement on the episode page. Blocking (spärr): the agreement is the ward's
    documentation; with the ward blocked from this care provider only the contacts stay
    (the page has decided and logged an opening already)."""
    agreement = agreement_for_episode(episode)
    blocked = agreement is not None and episode.ward_id in blocked_units_for(
        staff=staff, acting_unit=unit, patient=episode.patient
    )
    return {
        "agreement": agreement,
        "version": current_version(agreement) if agreement else None,
        "criteria": criteria_status(agreement) if agreement and not blocked else [],
        "agreement_blocked": blocked,
    }


def worklist_panel(staff: Staff, unit: Unit, groups) -> hooks.Panel | None:
    """Home health care: each patient at home with today's activities of the agreement."""
    if unit.kind not in Unit.VISITING_KINDS:
        return None
    at_home = groups[states.AT_HOME]
    blocked = blocked_agreements(staff, unit, at_home)
    return hooks.Panel({"today": activities_today(at_home, blocked)})


def register() -> None:
    hooks.register_transition_guard(states.AGREED, agreement_written)
    hooks.register_transition_guard(states.DISCHARGED, discharge_criteria)
    hooks.register_episode_panel(episode_panel)
    hooks.register_worklist_panel(worklist_panel)
