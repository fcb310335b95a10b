"""Medication at home through the FHIR API: the list's items as MedicationRequests (every
version; an older version's items stopped) and recorded doses as MedicationAdministrations,
under the same policy and access log as every other read."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.episodes.models import Episode
from hemma.medication import services
from hemma.medication.models import DoseAdministration
from hemma.patients.services import sharing_consent_revoke

from .conftest import access_token, get, register, valid_r4

pytestmark = pytest.mark.django_db
SCOPES = (
    "system/MedicationRequest.read system/MedicationAdministration.read system/Patient.read "
    "system/Encounter.read system/Observation.read"
)


def entries(response):
    assert response.status_code == 200, response.json()
    return [entry["resource"] for entry in valid_r4(response.json()).get("entry", [])]


@pytest.fixture
def lisa():
    """The demo's Lisa at home, with two versions of her list and two doses recorded."""
    call_command("load_demo", quiet=True)
    episode = Episode.objects.get(patient__first_name="Lisa", state="at_home")
    karin = Staff.objects.get(user__username="karin.hsv")
    first, second = DoseAdministration.objects.filter(episode=episode, status="planned").order_by(
        "due_at"
    )[:2]
    services.dose_record(
        staff=karin,
        unit=episode.home_health_unit,
        dose=first,
        outcome="given",
        given_at=first.due_at + timedelta(minutes=5),
        now=first.due_at + timedelta(minutes=10),
    )
    services.dose_record(
        staff=karin,
        unit=episode.home_health_unit,
        dose=second,
        outcome="not_given",
        reason="PICC-linjen stopp",
        now=second.due_at + timedelta(minutes=10),
    )
    return episode


def token_for(client, unit, key, name="ehr"):
    register(name, unit, key, scopes=SCOPES)
    return access_token(client, key, name, SCOPES)


def test_the_list_is_medication_requests_of_every_version(client, lisa, rsa_key):
    token = token_for(client, lisa.ward, rsa_key)
    found = entries(get(client, "/fhir/MedicationRequest", token, patient=str(lisa.patient_id)))
    by_status = {}
    for request in found:
        by_status.setdefault(request["status"], []).append(request)
    assert len(by_status["active"]) == 4 and len(by_status["stopped"]) == 4
    iv = next(
        r for r in by_status["active"] if r["medicationCodeableConcept"]["text"] == "Kloxacillin"
    )
    dosage = iv["dosageInstruction"][0]
    assert dosage["timing"]["repeat"]["timeOfDay"] == ["08:00:00", "16:00:00", "00:00:00"]
    assert (
        dosage["route"]["coding"][0]["code"] == "47625008"
        and dosage["doseAndRate"][0]["type"]["text"] == "2 g"
    )
    assert iv["encounter"]["reference"] == f"Encounter/{lisa.pk}"
    assert iv["groupIdentifier"]["value"] == f"{lisa.pk}-2"
    assert iv["category"] == [{"text": "antibiotika"}]
    read = get(client, f"/fhir/MedicationRequest/{iv['id']}", token)
    assert valid_r4(read.json()) == iv
    by_encounter = entries(
        get(client, "/fhir/MedicationRequest", token, encounter=f"Encounter/{lisa.pk}")
    )
    assert len(by_encounter) == 8


def test_recorded_doses_are_medication_administrations(client, lisa, rsa_key):
    token = token_for(client, lisa.ward, rsa_key)
    found = entries(
        get(client, "/fhir/MedicationAdministration", token, patient=str(lisa.patient_id))
    )
    # The demo gave the doses due before it was loaded; the fixture recorded the next two.
    recorded = list(
        DoseAdministration.objects.filter(episode=lisa).exclude(status="planned").order_by("due_at")
    )
    assert sorted(a["id"] for a in found) == sorted(str(d.pk) for d in recorded)  # not planned
    by_id = {a["id"]: a for a in found}
    given, missed = by_id[str(recorded[-2].pk)], by_id[str(recorded[-1].pk)]
    assert (given["status"], missed["status"]) == ("completed", "not-done")
    karin = Staff.objects.get(user__username="karin.hsv")
    assert given["performer"][0]["actor"]["reference"] == f"Practitioner/{karin.pk}"
    assert missed["statusReason"] == [{"text": "PICC-linjen stopp"}]
    assert given["request"]["reference"].startswith("MedicationRequest/")
    history = get(client, f"/fhir/MedicationAdministration/{given['id']}/_history", token)
    assert history.status_code == 200 and valid_r4(history.json())["total"] == 1
    everything = entries(get(client, f"/fhir/Patient/{lisa.patient_id}/$everything", token))
    kinds = {r["resourceType"] for r in everything}
    assert {"MedicationRequest", "MedicationAdministration"} <= kinds
    assert AccessLogEntry.objects.filter(
        detail="FHIR MedicationAdministration search", patient=lisa.patient
    ).exists()


def test_a_client_without_a_relationship_reads_nothing(client, lisa, rsa_key):
    ambulance = Unit.objects.get(kind="ambulance")
    token = token_for(client, ambulance, rsa_key, "amb")
    assert entries(get(client, "/fhir/MedicationRequest", token)) == []
    item = lisa.medication_versions.first().items.first()
    assert get(client, f"/fhir/MedicationRequest/{item.pk}", token).status_code == 404
    assert AccessLogEntry.objects.filter(
        outcome="denied", detail__contains="MedicationRequest"
    ).exists()


def test_the_municipality_loses_the_list_when_consent_is_revoked(client, lisa, ec_key):
    token = token_for(client, lisa.home_health_unit, ec_key, "hsv")
    item = lisa.medication_versions.first().items.first()
    assert get(client, f"/fhir/MedicationRequest/{item.pk}", token).status_code == 200
    anna = Staff.objects.get(user__username="anna.ssk")
    sharing_consent_revoke(staff=anna, unit=lisa.ward, patient=lisa.patient)
    assert get(client, f"/fhir/MedicationRequest/{item.pk}", token).status_code == 404
    assert entries(get(client, "/fhir/MedicationAdministration", token)) == []


def test_a_dose_is_a_ucum_quantity_and_a_dose_in_words_goes_to_the_note():
    """R4's mad-1: MedicationAdministration.dosage needs a dose or a rate (the independent
    validator found dosage with text only)."""
    from types import SimpleNamespace

    from hemma.fhirapi.medication_resources import _dosage

    def dose(text):
        return SimpleNamespace(dose=text, route="iv", get_route_display=lambda: "Intravenöst")

    quantity = _dosage(dose("1,5 g"))["dose"]
    assert quantity == {
        "value": 1.5,
        "unit": "g",
        "system": "http://unitsofmeasure.org",
        "code": "g",
    }
    assert _dosage(dose("500 mg"))["dose"]["value"] == 500
    assert _dosage(dose("1 tablett")) is None
