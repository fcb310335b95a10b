"""An agreement's activity times must be plannable: "25", "−5" or "varje timme" are form
errors naming the activity, never a silent 04:30 visit."""

from datetime import date, timedelta

import pytest

from hemma.careplans.rows import ActivityFormSet, join_when, parse_times, split_when
from hemma.careplans.shipped import SHIPPED_TEMPLATES
from hemma.clinical.recurrence import applies_on
from hemma.demo.data import OMAR_EXTRA_ACTIVITIES
from hemma.routing.visits import clock_times, visit_windows, when_problem
from tests.careplans.editor import rows_data


def rows(*activities):
    return ActivityFormSet(rows_data("activities", list(activities), 0), prefix="activities")


def activity(times="", how_often="", what="Blodprov", who="Hemsjukvårdens sjuksköterska"):
    return {"what": what, "who": who, "how_often": how_often, "times": times}


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("08, 16, 24", None),
        ("Dagligen 08–12", None),
        ("Måndag och torsdag", None),
        ("Dag 1, 19", None),
        ("08:30", None),
        ("25", "clock:25"),
        ("24:30", "clock:24:30"),
        ("8.75", "clock:8:75"),
        ("−5", "negative:−5"),
        ("-5", "negative:-5"),
        ("varje timme", "hourly"),
    ],
)
def test_when_problem(when, expected):
    assert when_problem(when) == expected


@pytest.mark.parametrize(
    ("times", "message"),
    [
        ("25", "”25” är inget klockslag"),
        ("-5", "”-5” är inget klockslag"),
        ("−5", "”−5” är inget klockslag"),
        ("24:30", "”24:30” är inget klockslag"),
        ("8.75", "”8.75” är inget klockslag"),
        ("08:00, 25", "”25” är inget klockslag"),
        ("varje timme", "Hemma planerar inte besök från ”varje timme”"),
    ],
)
def test_an_unplannable_time_is_a_field_error_naming_the_activity(times, message):
    bound = rows(activity("08:00"), activity(times, what="Blodprov kväll"))
    assert not bound.is_valid()
    assert bound.errors[0] == {}
    text = " ".join(bound.errors[1]["times"])
    assert message in text and "Aktivitet 2 (Blodprov kväll)" in text


def test_every_hour_under_how_often_is_an_error_at_how_often():
    bound = rows(activity("", "Varje timme"))
    assert not bound.is_valid()
    assert "Hemma planerar inte besök" in " ".join(bound.errors[0]["how_often"])


def test_clock_times_under_how_often_are_an_error_but_day_numbers_are_not():
    bound = rows(activity("", "Dagligen 08"), activity("19:00", "Dag 1"))
    assert not bound.is_valid()
    assert "skriv klockslagen under Klockslag" in " ".join(bound.errors[0]["how_often"])
    assert bound.errors[1] == {}


def test_times_are_written_hh_mm_and_joined_to_the_stored_when():
    bound = rows(activity("8, 16.30, 8:00", "Dagligen"), activity("08-12"), activity())
    assert bound.is_valid(), bound.errors
    assert [row["when"] for row in bound.rows()] == [
        "Dagligen 08:00, 16:30",
        "08:00–12:00",
        "",
    ]


def test_parse_times():
    assert parse_times("8, 08:30, 23.59, 00:00") == (["08:00", "08:30", "23:59", "00:00"], [])
    assert parse_times("24, 7-25, kl 8, 24:30") == (["24:00"], ["7-25", "kl 8", "24:30"])
    assert parse_times("24:00") == (["24:00"], [])


STORED = [a["when"] for t in SHIPPED_TEMPLATES for a in t["activities"]] + [
    a["when"] for a in OMAR_EXTRA_ACTIVITIES
]


@pytest.mark.parametrize("when", STORED)
def test_the_stored_whens_plan_the_same_visits_after_the_editor(when):
    """Shipped templates and demo data: split into how often and times, and joined back,
    the visits planned from them are the same: 24, midnight after the day, stays 24:00 (as
    00:00 it would move the dose to the day's start and drop the last night's)."""
    again = join_when(*split_when(when))
    assert when_problem(again) is None
    assert clock_times(again) == clock_times(when)
    monday = date(2026, 11, 30)
    for offset in range(14):
        day = monday + timedelta(days=offset)
        assert applies_on(again, day, offset + 1) == applies_on(when, day, offset + 1)
        assert visit_windows(again, day, offset + 1) == visit_windows(when, day, offset + 1)


def test_midnight_after_the_day_is_kept():
    assert split_when("Dagligen 08, 16, 24") == ("Dagligen", ["08:00", "16:00", "24:00"])


def test_a_stored_when_that_cannot_be_planned_stays_whole():
    assert split_when("varje timme") == ("varje timme", [])
    assert split_when("Dagligen kl. 8 och 20") == ("Dagligen", ["08:00", "20:00"])


def test_every_shipped_template_passes():
    for template in SHIPPED_TEMPLATES:
        for activity in template["activities"]:
            assert when_problem(activity["when"]) is None, activity
