"""An agreement's activity times must be plannable: "25", "−5" or "varje timme" are form
errors naming the activity, never a silent 04:30 visit."""

import pytest

from hemma.careplans.forms import AgreementContentForm
from hemma.careplans.shipped import SHIPPED_TEMPLATES
from hemma.routing.visits import when_problem

CONTACTS = "Avdelningen | 023-49 20 00 | Dygnet runt"


def form(activities):
    return AgreementContentForm(
        {"activities": activities, "contacts": CONTACTS, "if_worse": "Ring avdelningen."}
    )


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
    ("when", "message"),
    [
        ("25", "25 är inget klockslag (00–24)"),
        ("−5", "−5 är inget klockslag"),
        ("varje timme", "Hemma planerar inte besök från ”varje timme”"),
    ],
)
def test_an_unplannable_time_is_a_form_error_naming_the_activity(when, message):
    bound = form(f"Blodprov | Hemsjukvårdens sjuksköterska | {when}")
    assert not bound.is_valid()
    text = " ".join(bound.errors["activities"])
    assert message in text and "Aktivitet 1 (Blodprov)" in text


def test_every_shipped_template_passes():
    for template in SHIPPED_TEMPLATES:
        for activity in template["activities"]:
            assert when_problem(activity["when"]) is None, activity
