"""What the apps above accounts do when a unit is created, without accounts importing them
(registered from their AppConfig.ready(), like hemma/episodes/hooks.py): a new ward gets
its safety places (hemma.episodes). Registering the same function twice is a no-op."""

from collections.abc import Callable

from .models import Unit

# An effect returns what it did, for the administration log ("" when nothing).
WardCreated = Callable[[Unit], str]
_ward_created: list[WardCreated] = []


def register_ward_created(effect: WardCreated) -> None:
    if effect not in _ward_created:
        _ward_created.append(effect)


def ward_created(unit: Unit) -> list[str]:
    """Runs every registered effect, in the creating transaction; what they did."""
    return [done for done in (effect(unit) for effect in _ward_created) if done]
