"""Visits from the agreement's recurring activities ("IV-antibiotika 08, 16, 24"): the
moments on the local clock (Europe/Stockholm) over the coming days, across midnight and
daylight-saving changes. Pure Python."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hemma.clinical.recurrence import applies_on

STOCKHOLM = ZoneInfo("Europe/Stockholm")
_TIME = re.compile(r"\b([01]?\d|2[0-4])(?:[:.]([0-5]\d))?\b")


def clock_times(when: str) -> list[tuple[int, int]]:
    """The clock times a text names: "08, 16, 24" → [(8, 0), (16, 0), (24, 0)]. Day numbers
    ("Dag 1") and weekday names are not times."""
    text = re.sub(r"\bdag \d+\b", " ", when.casefold())
    times = []
    for hour, minute in _TIME.findall(text):
        value = (int(hour), int(minute or 0))
        if value[0] == 24 and value[1]:
            continue
        if value not in times:
            times.append(value)
    return times


def _local(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    """A wall-clock time; 24:00 is midnight after the day; a time the spring change skips
    moves forward by the hour the clocks jump."""
    if hour == 24:
        day, hour = day + timedelta(days=1), 0
    naive = datetime.combine(day, time(hour, minute))
    aware = naive.replace(tzinfo=tz)
    # Round trip through UTC: a non-existent local time comes back as the real one.
    return aware.astimezone(UTC).astimezone(tz)


def occurrences(
    when: str, first_day: date, days: int, *, first_day_of_stay: int = 1, tz: ZoneInfo = STOCKHOLM
) -> list[datetime]:
    """Every moment the activity is due in the `days` days from `first_day`."""
    moments = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if not applies_on(when, day, first_day_of_stay + offset):
            continue
        for hour, minute in clock_times(when):
            moments.append(_local(day, hour, minute, tz))
    return sorted(moments)
