"""Issue 19 on the planner: a move that fails comes back once in its visit's row (what was
chosen kept, the error at its field in Swedish, a refusal as the form's own error), and a
planning that cannot start at the time limit; nothing is moved or queued."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse

from hemma.jobs.models import Job
from hemma.visits.models import Visit
from tests.conftest import client_for, make_staff
from tests.form_pages import form_at, page_text, retried_form, tag

from .conftest import DAY, at
from .test_pages import planned

pytestmark = pytest.mark.django_db
PLANNER = f"{reverse('visits:planner')}?day={DAY:%Y-%m-%d}"


@pytest.fixture
def dose(team, home_health, home_patients, shifts):
    planned(team, home_health)
    return Visit.objects.get(day=DAY, what="IV-antibiotika", window_start__lt=at("17:00"))


def assignments(visit):
    return sorted(visit.assignments.values_list("staff_id", "position"))


def move(client, visit, **data):
    return retried_form(
        client, reverse("visits:move", args=[visit.pk]), {"day": f"{DAY}"} | data, PLANNER
    )


def test_a_bad_place_comes_back_at_its_field_in_the_row_once(client, team, dose):
    as_nurse = client_for(client, team["nurse"])
    before = assignments(dose)
    (from_staff,) = {staff for staff, _order in before}
    form = move(as_nurse, dose, from_staff=from_staff, to_staff=team["usk1"].pk, position="0")
    row = f"{dose.pk}-{from_staff}"
    position = tag(form, "position")
    assert 'value="0"' in position and 'aria-invalid="true"' in position
    assert f'aria-describedby="pos-{row}_error"' in position
    assert f'id="pos-{row}_error"' in form and "större än eller lika med 1" in form
    assert f'<option value="{team["usk1"].pk}" selected>' in form
    assert 'aria-invalid="true"' not in tag(form, "to_staff")
    assert assignments(dose) == before
    again = form_at(page_text(as_nurse, PLANNER), reverse("visits:move", args=[dose.pk]))
    assert "större än eller lika med 1" not in again and 'value="0"' not in again


@pytest.mark.parametrize(
    ("to_staff", "error"), [("999999", "Välj personal i listan."), ("x", "Fyll i ett heltal.")]
)
def test_a_crafted_staff_member_is_an_error_at_the_field(client, team, dose, to_staff, error):
    before = assignments(dose)
    form = move(client_for(client, team["nurse"]), dose, to_staff=to_staff, position="2")
    assert 'aria-invalid="true"' in tag(form, "to_staff")
    assert error in form.split('name="to_staff"')[1].split("<label")[0]
    assert 'value="2"' in tag(form, "position")
    assert assignments(dose) == before


def test_a_refused_move_is_the_forms_own_error(client, team, home_health, dose):
    off_duty = make_staff("usk3", "assistant_nurse", home_health)
    before = assignments(dose)
    form = move(client_for(client, team["nurse"]), dose, to_staff=off_duty.pk, position="3")
    assert "har inget pass den dagen" in form.split("<label")[0]
    assert 'value="3"' in tag(form, "position")
    assert assignments(dose) == before


def test_a_crafted_time_limit_comes_back_at_its_field(client, team, home_health, dose):
    as_nurse = client_for(client, team["nurse"])
    url = reverse("visits:plan")
    form = retried_form(as_nurse, url, {"day": f"{DAY}", "seconds": "7"}, PLANNER)
    assert 'aria-invalid="true"' in tag(form, "seconds")
    assert 'id="id_seconds_error"' in form and "Välj ett giltigt alternativ" in form
    assert not Job.objects.exists()
    assert "id_seconds_error" not in page_text(as_nurse, PLANNER)


def test_a_refused_planning_is_the_forms_own_error(client, team, home_health):
    as_nurse = client_for(client, team["nurse"])  # no shifts on the day
    url = reverse("visits:plan")
    with mock.patch("django.utils.timezone.now", return_value=at("06:00") - timedelta(days=1)):
        form = retried_form(as_nurse, url, {"day": f"{DAY}", "seconds": "5"}, PLANNER)
    assert "Inga arbetspass den dagen" in form.split("<label")[0]
    assert '<option value="5" selected>' in form
    assert not Job.objects.exists()
