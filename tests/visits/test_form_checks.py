"""The planner's visit and shift forms say which field is wrong, in Swedish, across
midnight as the planning day runs (06:00–06:00)."""

import pytest

from hemma.visits.forms import ShiftForm, VisitForm

pytestmark = pytest.mark.django_db

VISIT = {
    "episode": "1",
    "what": "Provtagning",
    "earliest": "10:00",
    "latest": "10:30",
    "duration_minutes": "30",
    "skill": "nurse",
    "staff_needed": "1",
    "priority": "0",
}


def visit_form(**changes):
    return VisitForm({**VISIT, **changes}, episodes=[], visits=[])


def errors(form, field):
    form.is_valid()
    return " ".join(form.errors.get(field, []))


def test_a_start_window_that_ends_before_it_begins_is_an_error_at_latest():
    assert "Senaste start måste vara" in errors(visit_form(latest="09:00"), "latest")


def test_a_window_across_midnight_is_accepted():
    assert errors(visit_form(earliest="23:00", latest="01:00"), "latest") == ""


def test_min_gap_above_max_gap_names_both_numbers():
    form = VisitForm(
        {**VISIT, "follows": "7", "min_gap_minutes": "120", "max_gap_minutes": "60"},
        episodes=[],
        visits=[],
    )
    form.fields["follows"].choices = [("7", "x")]
    assert "(60 min) är mindre än minsta (120 min)" in errors(form, "max_gap_minutes")


def test_a_following_visit_needs_both_gaps():
    form = VisitForm({**VISIT, "follows": "7"}, episodes=[], visits=[])
    form.fields["follows"].choices = [("7", "x")]
    form.is_valid()
    assert "min_gap_minutes" in form.errors and "max_gap_minutes" in form.errors


SHIFT = {"starts": "07:00", "ends": "16:00", "travel_mode": "car", "break_minutes": "30"}


def test_a_shift_ending_before_it_starts_is_an_error_at_ends():
    assert "sluta efter" in errors(ShiftForm({**SHIFT, "ends": "06:30"}), "ends")


def test_a_night_shift_across_midnight_is_accepted():
    assert errors(ShiftForm({**SHIFT, "starts": "21:00", "ends": "05:30"}), "ends") == ""


def test_lunch_outside_the_shift_or_backwards_is_an_error():
    outside = ShiftForm({**SHIFT, "break_from": "17:00", "break_until": "18:00"})
    assert "inom passet" in errors(outside, "break_from")
    backwards = ShiftForm({**SHIFT, "break_from": "13:00", "break_until": "11:00"})
    assert "efter lunch tidigast" in errors(backwards, "break_until")
