"""Administration times on a medication list, the doses they give, and whether a recorded
administration is believable.

Pure: no Django. Times are written as on a Swedish medication list: "08, 16, 24",
"08:00/16:00/24:00" or "8.00 16.00 24.00". 24:00 is the dose at midnight at the end of
the day (the third dose of an 08/16/24 schedule); 00:00 is read as 24:00. A course runs
from its first day to its last day inclusive, and the 24:00 dose belongs to the day it
is listed on.
"""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
_SEPARATORS = re.compile(r"[,/;\s]+")
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")
# A dose recorded as given may be this much in the future by the recorder's clock.
CLOCK_SKEW = timedelta(minutes=5)
# Later than this after the scheduled time is not a delayed dose but a mistake.
LATEST_RECORD = timedelta(hours=24)


class TimesError(ValueError):
    """The times could not be read; `code`: "empty", "format", "range" or "duplicate"."""

    def __init__(self, code: str, part: str = ""):
        super().__init__(code)
        self.code = code
        self.part = part


def parse_times(text: str) -> tuple[str, ...]:
    """The administration times as "HH:MM", in the order of the day (24:00 last)."""
    parts = [part for part in _SEPARATORS.split(text.strip()) if part]
    if not parts:
        raise TimesError("empty")
    minutes = []
    for part in parts:
        found = _CLOCK.match(part)
        if not found:
            raise TimesError("format", part)
        hour, minute = int(found.group(1)), int(found.group(2) or 0)
        if hour > 24 or minute > 59 or (hour == 24 and minute):
            raise TimesError("range", part)
        value = 24 * 60 if hour in (0, 24) and minute == 0 else hour * 60 + minute
        if value in minutes:
            raise TimesError("duplicate", part)
        minutes.append(value)
    return tuple(f"{m // 60:02d}:{m % 60:02d}" for m in sorted(minutes))


def times_text(times: tuple[str, ...]) -> str:
    return ", ".join(times)


def dose_moments(
    times: tuple[str, ...],
    starts_on: date,
    ends_on: date | None,
    window_start: datetime,
    window_end: datetime,
    *,
    tz: ZoneInfo = STOCKHOLM,
) -> list[datetime]:
    """The doses of one list item due in [window_start, window_end) (aware datetimes):
    every time of every day of the course, the 24:00 dose at the following midnight."""
    first = max(starts_on, window_start.astimezone(tz).date() - timedelta(days=1))
    last = window_end.astimezone(tz).date()
    if ends_on is not None:
        last = min(last, ends_on)
    moments = []
    day = first
    while day <= last:
        for value in times:
            hour, minute = (int(piece) for piece in value.split(":"))
            if hour == 24:
                moment = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
            else:
                moment = datetime.combine(day, time(hour, minute), tzinfo=tz)
            if window_start <= moment < window_end:
                moments.append(moment)
        day += timedelta(days=1)
    return sorted(moments)


GIVEN, NOT_GIVEN, DELAYED = "given", "not_given", "delayed"


def administration_problem(
    outcome: str,
    due_at: datetime,
    given_at: datetime | None,
    now: datetime,
    tolerance: timedelta,
    reason: str = "",
) -> str | None:
    """Why a recorded administration cannot be right (a code), or None.

    given: at a time within the tolerance around the scheduled time; delayed: given after
    the scheduled time, at most LATEST_RECORD later; not given: with a reason. No dose is
    given in the future (beyond a few minutes of clock skew)."""
    if outcome == NOT_GIVEN:
        return None if reason.strip() else "no_reason"
    if outcome not in (GIVEN, DELAYED):
        return "outcome"
    if given_at is None:
        return "no_time"
    if given_at > now + CLOCK_SKEW:
        return "future"
    if given_at < due_at - tolerance:
        return "too_early"
    if given_at > due_at + LATEST_RECORD:
        return "too_late"
    if outcome == GIVEN and given_at > due_at + tolerance:
        return "late_as_given"
    if outcome == DELAYED and given_at <= due_at:
        return "delayed_not_late"
    return None


def is_late(due_at: datetime, given_at: datetime, tolerance: timedelta) -> bool:
    """Given later than the tolerance allows: the ward is told."""
    return given_at - due_at > tolerance


def is_overdue(due_at: datetime, now: datetime, tolerance: timedelta) -> bool:
    """Nothing recorded and the tolerance has run out."""
    return now - due_at > tolerance
