"""The episode page's 112 calls and ambulance missions (registered in
AmbulanceConfig.ready()): `ambulance_contacts` on the timeline and whether the acting
unit may record one (`may_record_ambulance_contact`)."""

from hemma.episodes import hooks
from hemma.patients.policy import blocked_units_for, may_do

from .selectors import contacts_for_episode


def episode_panel(staff, unit, episode) -> dict:
    # Blocking (spärr): the episode page has decided and logged an opening already.
    hidden = blocked_units_for(staff=staff, acting_unit=unit, patient=episode.patient)
    contacts, blocked = contacts_for_episode(episode, hidden)
    return {
        "ambulance_contacts": contacts,
        "ambulance_contacts_blocked": blocked,
        "may_record_ambulance_contact": episode.is_open
        and may_do(staff=staff, unit=unit, action="record_ambulance_contact", episode=episode),
    }


def register() -> None:
    hooks.register_episode_panel(episode_panel)
