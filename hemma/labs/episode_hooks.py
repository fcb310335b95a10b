"""Lab results on the ward's round (registered in LabsConfig.ready()): each patient's row
gets `latest_labs`, the "Senaste prover" of `templates/labs/_latest.html`."""

from hemma.episodes import hooks

from .selectors import round_panel


def register() -> None:
    hooks.register_round_panel(round_panel)
