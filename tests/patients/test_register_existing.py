"""Registering a personnummer that is already in Hemma answers exactly like a search for
that number: the patient for a user who may see them, otherwise the search page's "none of
your patients" with the offer of emergency access, worded as for a number that is not in
Hemma at all. Either way the attempt is in the access log."""

import re
from unittest import mock

import pytest
from django.urls import reverse

from hemma.audit.models import AccessLogEntry
from hemma.clinical.identifiers import parse_personal_identity
from hemma.patients import services
from hemma.patients.models import CareRelationship, Patient
from hemma.patients.selectors import REGISTER_EXISTING
from hemma.patients.services import PatientDetails
from tests.conftest import client_for, make_patient

pytestmark = pytest.mark.django_db

REGISTER = reverse("patients:register")
LIST = reverse("patients:list")
KIM = "19440514-9057"
NOBODY = "19400401-9180"  # a valid test number that is not in Hemma
FORM = {"first_name": "Greta", "last_name": "Testsson", "preferred_language": "svenska"}


def register(client, number):
    return client.post(REGISTER, {**FORM, "personal_number": number})


def main(response) -> str:
    """The page's main content without per-response tokens."""
    body = response.content.decode()
    body = body[body.index("<main") : body.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def register_entries(patient=None):
    return AccessLogEntry.objects.filter(action="search", detail=REGISTER_EXISTING, patient=patient)


class TestAUserWhoMaySeeThePatient:
    def test_is_taken_to_the_patient_and_the_read_is_logged(self, as_ward_nurse, kim, ward):
        response = register(as_ward_nurse, "440514-9057")
        assert response.status_code == 302
        assert response["Location"] == reverse("patients:detail", args=[kim.pk])
        assert Patient.objects.count() == 1
        entry = register_entries(kim).get()
        assert (entry.outcome, entry.unit) == ("granted", ward)
        page = as_ward_nurse.get(response["Location"]).content.decode()
        assert "Patienten är redan registrerad." in page
        assert "Det finns redan" not in page

    def test_with_an_emergency_access(self, as_home_nurse, home_nurse, home_health, kim):
        services.emergency_access_start(
            staff=home_nurse,
            unit=home_health,
            identity=parse_personal_identity(KIM),
            reason="x" * 12,
        )
        response = register(as_home_nurse, KIM)
        assert response["Location"] == reverse("patients:detail", args=[kim.pk])
        assert register_entries(kim).get().purpose == "emergency"


class TestAUserWhoMayNotSeeThePatient:
    def test_gets_the_search_answer_and_nothing_is_changed(self, as_home_nurse, home_health, kim):
        response = register(as_home_nurse, KIM)
        assert response.status_code == 200  # as a search: no redirect, no 4xx
        body = response.content.decode()
        assert f"Ingen av dina patienter matchar ”{KIM}”" in body
        assert "Begär nödåtkomst" in body
        assert f"{reverse('patients:emergency_access')}?pnr={KIM}" in body
        assert "finns redan" not in body and "Testsson" not in body
        assert Patient.objects.count() == 1
        assert not CareRelationship.objects.filter(unit=home_health).exists()
        assert not AccessLogEntry.objects.filter(action="register_patient").exists()
        entry = register_entries(kim).get()
        assert (entry.outcome, entry.unit) == ("denied", home_health)

    def test_the_page_is_the_one_a_search_for_the_number_gives(self, as_home_nurse, kim):
        registered = register(as_home_nurse, KIM)
        searched = as_home_nurse.get(LIST, {"q": KIM})
        assert registered.status_code == searched.status_code == 200
        assert main(registered) == main(searched)

    def test_the_wording_is_the_same_as_for_a_number_not_in_hemma(self, as_home_nurse, kim):
        existing = main(register(as_home_nurse, KIM))
        missing = main(as_home_nurse.get(LIST, {"q": NOBODY}))
        assert existing.replace(KIM, "NUMBER") == missing.replace(NOBODY, "NUMBER")

    def test_a_municipal_unit_without_the_patients_consent(self, as_home_nurse, home_health):
        patient = make_patient("19380508-9145", "Lisa", home_health, consent=False)
        response = register(as_home_nurse, "19380508-9145")
        assert response.status_code == 200
        assert "Ingen av dina patienter matchar ”19380508-9145”" in response.content.decode()
        assert register_entries(patient).get().outcome == "denied"

    def test_an_outsider(self, client, outsider, kim):
        response = register(client_for(client, outsider), KIM)
        assert response.status_code == 200 and "Begär nödåtkomst" in response.content.decode()
        assert register_entries(kim).get().outcome == "denied"


def test_a_new_number_is_still_registered(as_home_nurse, home_health, kim):
    response = register(as_home_nurse, NOBODY)
    patient = Patient.objects.get(personal_number="194004019180")
    assert response["Location"] == reverse("patients:detail", args=[patient.pk])
    assert not register_entries().exists() and not register_entries(patient).exists()


def test_two_registrations_at_once_the_unique_constraint_decides(home_nurse, home_health, kim):
    """The existence check passed, then the insert hit the unique number: same answer."""
    identity = parse_personal_identity(KIM)
    with (
        mock.patch.object(services, "_registered_id", side_effect=[None, kim.pk]),
        pytest.raises(services.AlreadyRegistered) as raised,
    ):
        services.patient_register(
            staff=home_nurse,
            unit=home_health,
            identity=identity,
            details=PatientDetails(first_name="Greta", last_name="Testsson"),
        )
    assert raised.value.patient_id == kim.pk
    assert Patient.objects.count() == 1
    assert not CareRelationship.objects.filter(unit=home_health).exists()
