"""The routing checker's findings reach the planner in Swedish, with names and clock times,
never as "s10 has no lunch break"."""

import inspect
import re
from datetime import date
from types import SimpleNamespace

from hemma.routing import check
from hemma.routing.check import Finding
from hemma.visits.services.problem import FINDING_MESSAGES, explain

DAY = date(2026, 12, 1)


def day_problem():
    visit = SimpleNamespace(
        episode=SimpleNamespace(patient=SimpleNamespace(full_name="Kim Ek")), what="IV-antibiotika"
    )
    shift = SimpleNamespace(staff=SimpleNamespace(display_name="Sara Sjuksköterska"))
    return SimpleNamespace(visits={"v1": visit, "v2": visit}, shifts={"s10": shift})


def test_every_code_the_checker_can_find_has_a_swedish_message():
    source = inspect.getsource(check)
    codes = set(re.findall(r'Finding\(\s*[^,()]+,\s*"(\w+)"', source))
    assert codes and codes == set(FINDING_MESSAGES)


def test_a_missing_lunch_break_names_the_staff_member_in_swedish():
    found = [Finding(None, "no_break", "s10 has no lunch break", {"worker": "s10"})]
    assert explain(found, day_problem(), DAY) == ["Sara Sjuksköterska får ingen lunchrast i turen."]


def test_times_are_clock_times_and_visits_are_named():
    found = [
        Finding("v1", "late", "v1 starts 600 after …", {"visit": "v1", "start": 600, "latest": 570})
    ]
    (text,) = explain(found, day_problem(), DAY)
    assert text == "Kim Ek (IV-antibiotika) börjar 10:00, efter tidsfönstret (senast 09:30)."


def test_skills_are_named_in_words():
    found = [
        Finding("v1", "lacks_skill", "", {"worker": "s10", "visit": "v1", "skills": ["nurse"]})
    ]
    (text,) = explain(found, day_problem(), DAY)
    assert "saknar kompetens (Sjuksköterska)" in text and "nurse" not in text
