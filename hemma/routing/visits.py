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


_NUMBER = re.compile(r"(?<![\d:.–—-])([-−]?)(\d+)(?:[:.](\d+))?(?![\d])")
_EVERY_HOUR = re.compile(r"\b(varje|var|varannan|var \S+:?e) timm?e?\b|\btimv(is|ís)\b")


def when_problem(when: str) -> str | None:
    """Why a "when" cannot be planned from, in English for logs (None when it can): a
    number that is no clock time ("25", "8.75"), a negative one ("−5"), or a recurrence by
    the hour that names no times ("varje timme"). Day numbers ("Dag 1") are not times."""
    text = re.sub(r"\bdag \d+\b", " ", when.casefold())
    for sign, hour, minute in _NUMBER.findall(text):
        if sign:
            return f"negative:{sign}{hour}"
        if (
            int(hour) > 24
            or (minute and int(minute) > 59)
            or (int(hour) == 24 and minute and int(minute))
        ):
            return f"clock:{hour}{':' + minute if minute else ''}"
    if _EVERY_HOUR.search(text) and not clock_times(when):
        return "hourly"
    return None


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


# --- Which agreement activities are home visits, and their windows ---------------------------

# Words in "who" that name a visiting profession, most specific first.
_SKILL_WORDS = (
    ("undersköterska", "assistant_nurse"),
    ("sjuksköterska", "nurse"),
    ("fysioterapeut", "physiotherapist"),
    ("sjukgymnast", "physiotherapist"),
    ("arbetsterapeut", "occupational_therapist"),
    ("logoped", "speech_therapist"),
)
# Activities done by someone else, or not in the home.
_NOT_HOME_VISITS = ("patient", "närstående", "avdelningens", "strokteam", "logoped", "läkare")
# What a hospital team does itself, by the visiting unit's kind: words that otherwise
# name someone else (a stroke team's nurse and speech therapist visit when the team is
# the visiting unit, not when municipal home health care is).
_TEAM_OWN = {"stroke_team": ("strokteam", "logoped"), "mobile_team": ("mobila team",)}
_REMOTE = ("video", "samtal", "telefon")
_RANGE = re.compile(
    r"\b([01]?\d|2[0-4])(?:[:.]([0-5]\d))?\s*[–—-]\s*([01]?\d|2[0-4])(?:[:.]([0-5]\d))?\b"
)
DOSE_TOLERANCE_MINUTES = 30  # a fixed-time dose may be given ± 30 min
DAYTIME = ((8, 0), (16, 0))  # an activity without a time: some time during the day
_DOUBLE = ("två personal", "dubbelbemanning", "2 personal")


def visit_skill(who: str, what: str = "", team_kind: str = "home_health_care") -> str | None:
    """The profession a home visit for this activity needs; None when it is not a home
    visit by the visiting unit (of kind `team_kind`): the patient measures, the ward
    calls, a video round, another team's work, a team meeting."""
    text = who.casefold()
    own = _TEAM_OWN.get(team_kind, ())
    if any(word in text for word in _NOT_HOME_VISITS if word not in own):
        return None
    if any(word in what.casefold() for word in _REMOTE):
        return None
    for word, skill in _SKILL_WORDS:
        if word in text:
            return skill
    return "nurse" if "hemsjukvård" in text else None


def needs_two_staff(what: str, who: str = "") -> bool:
    text = f"{what} {who}".casefold()
    return any(word in text for word in _DOUBLE)


def visit_windows(
    when: str, day: date, day_of_stay: int, *, tz: ZoneInfo = STOCKHOLM
) -> list[tuple[datetime, datetime]]:
    """The windows the activity is due in on `day`: a range ("08–12") as it is, a clock
    time with the dose tolerance around it, no time at all as the daytime window."""
    if not applies_on(when, day, day_of_stay):
        return []
    found = _RANGE.search(when)
    if found:
        h1, m1, h2, m2 = found.groups()
        return [(_local(day, int(h1), int(m1 or 0), tz), _local(day, int(h2), int(m2 or 0), tz))]
    tolerance = timedelta(minutes=DOSE_TOLERANCE_MINUTES)
    times = clock_times(when)
    if times:
        # Arithmetic in UTC: ± 30 min is real time, also across a clock change.
        moments = [_local(day, h, m, tz).astimezone(UTC) for h, m in times]
        return [
            ((moment - tolerance).astimezone(tz), (moment + tolerance).astimezone(tz))
            for moment in moments
        ]
    (h1, m1), (h2, m2) = DAYTIME
    return [(_local(day, h1, m1, tz), _local(day, h2, m2, tz))]
