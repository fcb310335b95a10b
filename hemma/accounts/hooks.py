"""What the apps above accounts do when a unit is created, without accounts importing them
(registered from their AppConfig.ready(), like hemma/episodes/hooks.py): a new ward gets
its safety places (hemma.episodes). Registering the same function twice is a no-op."""

from collections.abc import Callable

from .models import Unit

WardCreated = Callable[[Unit], None]
_ward_created: list[WardCreated] = []


def register_ward_created(effect: WardCreated) -> None:
    if effect not in _ward_created:
        _ward_created.append(effect)


def ward_created(unit: Unit) -> None:
    """Runs every registered effect, in the creating transaction."""
    for effect in _ward_created:
        effect(unit)
