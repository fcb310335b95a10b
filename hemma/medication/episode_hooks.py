"""Doses on the ward's round (registered in MedicationConfig.ready()): each patient's row
gets `doses`, shown by `templates/medication/_summary_doses.html`."""

from hemma.episodes import hooks

from .selectors import round_panel


def register() -> None:
    hooks.register_round_panel(round_panel)
