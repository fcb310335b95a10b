"""The pure rules: reading administration times, the doses a course gives, and whether a
recorded administration can be right."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hemma.clinical import dosing

TZ = ZoneInfo("Europe/Stockholm")
DAY = date(2026, 3, 10)


def at(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("08, 16, 24", ("08:00", "16:00", "24:00")),
        ("08:00/16:00/24:00", ("08:00", "16:00", "24:00")),
        ("24 8.30 16", ("08:30", "16:00", "24:00")),
        ("00", ("24:00",)),
    ],
)
def test_it_reads_the_times_of_a_swedish_medication_list(text, times):
    assert dosing.parse_times(text) == times


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("8-16", "format"),
        ("25", "range"),
        ("08:75", "range"),
        ("08, 8", "duplicate"),
    ],
)
def test_it_refuses_times_that_do_not_exist(text, code):
    with pytest.raises(dosing.TimesError) as error:
        dosing.parse_times(text)
    assert error.value.code == code


def test_the_24_dose_is_at_the_following_midnight_and_the_course_end_is_inclusive():
    times = dosing.parse_times("08, 16, 24")
    moments = dosing.dose_moments(
        times, DAY, DAY + timedelta(days=1), at(DAY, 0), at(DAY + timedelta(days=5), 0), tz=TZ
    )
    assert moments == [
        at(DAY, 8),
        at(DAY, 16),
        at(DAY + timedelta(days=1), 0),
        at(DAY + timedelta(days=1), 8),
        at(DAY + timedelta(days=1), 16),
        at(DAY + timedelta(days=2), 0),  # the last day's 24:00 dose
    ]


def test_no_dose_before_the_course_starts_or_outside_the_window():
    times = dosing.parse_times("08, 20")
    moments = dosing.dose_moments(times, DAY, None, at(DAY, 9), at(DAY, 21), tz=TZ)
    assert moments == [at(DAY, 20)]
    assert dosing.dose_moments(times, DAY, None, at(DAY - timedelta(days=1), 0), at(DAY, 0)) == []


def test_a_clock_change_keeps_the_wall_clock_times():
    spring = date(2026, 3, 29)  # CET → CEST at 02:00
    moments = dosing.dose_moments(("08:00",), spring, spring, at(spring, 0), at(spring, 23), tz=TZ)
    assert [m.hour for m in moments] == [8] and moments[0].utcoffset() == timedelta(hours=2)


TOLERANCE = timedelta(minutes=60)
DUE = at(DAY, 8)
NOW = at(DAY, 12)


@pytest.mark.parametrize(
    ("outcome", "given_at", "reason", "problem"),
    [
        ("given", at(DAY, 8, 20), "", None),
        ("given", at(DAY, 7, 30), "", None),
        ("not_given", None, "Patienten sov", None),
        ("not_given", None, "  ", "no_reason"),
        ("delayed", at(DAY, 10), "", None),
        ("delayed", None, "", "no_time"),
        ("given", at(DAY, 12, 30), "", "future"),
        ("given", at(DAY, 6), "", "too_early"),
        ("given", at(DAY, 10), "", "late_as_given"),
        ("delayed", at(DAY, 8), "", "delayed_not_late"),
        ("delayed", at(DAY + timedelta(days=2), 8), "", "too_late"),
        ("dropped", at(DAY, 8), "", "outcome"),
    ],
)
def test_a_recorded_administration_must_be_believable(outcome, given_at, reason, problem):
    now = NOW if problem != "too_late" else at(DAY + timedelta(days=3), 0)
    assert dosing.administration_problem(outcome, DUE, given_at, now, TOLERANCE, reason) == problem


def test_late_and_overdue_follow_the_tolerance():
    assert not dosing.is_late(DUE, DUE + TOLERANCE, TOLERANCE)
    assert dosing.is_late(DUE, DUE + TOLERANCE + timedelta(minutes=1), TOLERANCE)
    assert not dosing.is_overdue(DUE, DUE + TOLERANCE, TOLERANCE)
    assert dosing.is_overdue(DUE, DUE + TOLERANCE + timedelta(seconds=1), TOLERANCE)
