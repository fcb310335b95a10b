"""The duty roster's slots as a pure function of local time (no Django imports).

    day      Monday–Friday 08:00–16:00
    evening  Monday–Thursday 16:00–21:00
    night    Monday–Thursday 21:00 – next morning 08:00 (Sunday night belongs to the weekend)
    weekend  Friday 16:00 – Monday 08:00

Public holidays are not special: a holiday weekday follows the weekday slots."""

from datetime import datetime, timedelta

DAY, EVENING, NIGHT, WEEKEND = "day", "evening", "night", "weekend"
FRIDAY = 4


def slot_at(moment: datetime) -> tuple[str, datetime]:
    """(slot, when this slot instance began) for a local wall-clock time."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    weekday, hour = moment.weekday(), moment.hour
    in_weekend = (
        (weekday == FRIDAY and hour >= 16) or weekday in (5, 6) or (weekday == 0 and hour < 8)
    )
    if in_weekend:
        days_since_friday = (weekday - FRIDAY) % 7
        return WEEKEND, (midnight - timedelta(days=days_since_friday)).replace(hour=16)
    if 8 <= hour < 16:
        return DAY, midnight.replace(hour=8)
    if 16 <= hour < 21:
        return EVENING, midnight.replace(hour=16)
    if hour >= 21:
        return NIGHT, midnight.replace(hour=21)
    return NIGHT, (midnight - timedelta(days=1)).replace(hour=21)
