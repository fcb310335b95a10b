"""Issue 19 on the patient page: a block or a care team addition that is not saved comes
back once in its section, the error at its field in Swedish, what was chosen and typed
kept; a service's refusal is the form's own error; nothing is saved."""

import pytest
from django.urls import reverse

from hemma.episodes.models import Episode
from hemma.patients.models import Block, CareRelationship
from tests.conftest import client_for
from tests.form_pages import form_at, page_text, tag
from tests.monitoring.conftest import at_home  # noqa: F401 (a fixture)
from tests.patients import test_blocking

pytestmark = pytest.mark.django_db
documented = test_blocking.documented  # a fixture: Kim at home, two units documented


def page_of(client, patient) -> str:
    return page_text(client, reverse("patients:detail", args=[patient.pk]))


class TestBlock:
    def test_a_too_long_note_comes_back_at_its_field_once(
        self, client, documented, home_health, ward_nurse
    ):
        kim = documented.patient
        as_ward_nurse = client_for(client, ward_nurse)
        url = reverse("patients:block_add", args=[kim.pk])
        response = as_ward_nurse.post(url, {"blocked_unit": home_health.pk, "note": "n" * 501})
        assert response.status_code == 302
        assert not Block.objects.exists()
        form = form_at(page_of(as_ward_nurse, kim), url)
        assert 'id="block_note_error"' in form and "som mest 500 tecken" in form
        note = tag(form, "note")
        assert 'aria-invalid="true"' in note and "block_note_error" in note
        assert 'value="' + "n" * 501 + '"' in form
        assert f'<option value="{home_health.pk}" selected>' in form
        assert "Välj enheten vars information ska spärras." not in form
        again = form_at(page_of(as_ward_nurse, kim), url)
        assert "som mest 500 tecken" not in again and "n" * 501 not in again

    def test_a_refusal_is_the_forms_own_error(
        self, client, documented, ward, home_health, ward_nurse
    ):
        kim = documented.patient
        test_blocking._block(ward_nurse, ward, kim, home_health)
        as_ward_nurse = client_for(client, ward_nurse)
        url = reverse("patients:block_add", args=[kim.pk])
        as_ward_nurse.post(url, {"blocked_unit": home_health.pk, "note": "Igen"})
        form = form_at(page_of(as_ward_nurse, kim), url)
        assert "är redan spärrad." in form.split('<div class="field">')[0]
        assert 'value="Igen"' in form
        assert Block.objects.count() == 1

    def test_a_crafted_unit_is_an_error_at_the_field_not_a_500(
        self, client, documented, ward_nurse
    ):
        kim = documented.patient
        as_ward_nurse = client_for(client, ward_nurse)
        url = reverse("patients:block_add", args=[kim.pk])
        assert as_ward_nurse.post(url, {"blocked_unit": "x", "note": "Kvar"}).status_code == 302
        form = form_at(page_of(as_ward_nurse, kim), url)
        assert 'id="block_blocked_unit_error"' in form and 'value="Kvar"' in form
        assert not Block.objects.exists()


class TestCareTeam:
    @pytest.fixture
    def managed(self, kim, ward, ward_nurse):
        """The ward manages the care team while it owns an open episode (policy.py)."""
        Episode.objects.create(patient=kim, ward=ward, created_by=ward_nurse)
        return kim

    @pytest.mark.parametrize("unit", ["", "999999", "x"])
    def test_no_unit_or_a_crafted_one_is_an_error_at_the_field(self, as_ward_nurse, managed, unit):
        url = reverse("patients:care_team_add", args=[managed.pk])
        before = CareRelationship.objects.count()
        assert as_ward_nurse.post(url, {"unit": unit}).status_code == 302
        form = form_at(page_of(as_ward_nurse, managed), url)
        assert 'id="care_team_unit_error"' in form
        assert 'aria-describedby="care_team_unit_error"' in form
        assert 'aria-invalid="true"' in form
        assert CareRelationship.objects.count() == before
        assert 'id="care_team_unit_error"' not in page_of(as_ward_nurse, managed)

    def test_a_refusal_is_the_forms_own_error(self, as_ward_nurse, managed, ward):
        url = reverse("patients:care_team_add", args=[managed.pk])
        as_ward_nurse.post(url, {"unit": ward.pk})  # already in the team
        form = form_at(page_of(as_ward_nurse, managed), url)
        assert "redan en vårdrelation" in form.split("<label")[0]
        assert CareRelationship.objects.filter(patient=managed, unit=ward).count() == 1
