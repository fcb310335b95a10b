from datetime import date

import pytest

from hemma.clinical.recurrence import applies_on, weekdays_named

WEDNESDAY = date(2026, 11, 25)
SATURDAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("when", "day", "day_of_stay", "expected"),
    [
        ("Dagligen 08", WEDNESDAY, 3, True),
        ("08, 16, 24", SATURDAY, 3, True),
        ("Mån, ons, fre", WEDNESDAY, 3, True),
        ("Måndag och torsdag", WEDNESDAY, 3, False),
        ("Måndagar", WEDNESDAY, 3, False),
        ("Tis, tor", WEDNESDAY, 3, False),
        ("Dag 1, 19", WEDNESDAY, 1, True),
        ("Dag 1, 19", WEDNESDAY, 2, False),
        ("Vardagar 08–16", SATURDAY, 3, False),
        ("Vardagar 08–16", WEDNESDAY, 3, True),
        ("Något helt annat", SATURDAY, None, True),
    ],
)
def test_an_activity_applies_on_the_days_its_text_names(when, day, day_of_stay, expected):
    assert applies_on(when, day, day_of_stay) is expected


def test_weekday_names_full_abbreviated_and_plural():
    assert weekdays_named("måndagar, ons och Fre") == {0, 2, 4}
    assert weekdays_named("dagligen") == set()
