"""A ward's EHR sends a care request as a FHIR ServiceRequest: it lands in the receiving
unit's inbox as if sent from the ward's page, through the same service and rules."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.carerequests.models import CareRequest
from hemma.carerequests.selectors import inbox_for_unit
from hemma.episodes.models import Episode

from .conftest import access_token, register, valid_r4

pytestmark = pytest.mark.django_db
WRITE = "system/ServiceRequest.write system/ServiceRequest.read"


@pytest.fixture
def lisa_episode():
    call_command("load_demo", quiet=True)
    return Episode.objects.select_related("patient", "ward").get(
        patient__first_name="Lisa", state="at_home"
    )


@pytest.fixture
def home_care():
    return Unit.objects.get(kind="home_care")


@pytest.fixture
def ehr_token(client, lisa_episode, rsa_key):
    register("cosmic", lisa_episode.ward, rsa_key, scopes=WRITE)
    return access_token(client, rsa_key, "cosmic", WRITE)


def service_request(episode, unit, **changes):
    body = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "code": {
            "coding": [
                {
                    "system": "https://hemma.se/fhir/CodeSystem/care-request-kind",
                    "code": "home_care",
                }
            ]
        },
        "subject": {"reference": f"Patient/{episode.patient_id}"},
        "encounter": {"reference": f"Encounter/{episode.pk}"},
        "occurrenceDateTime": (timezone.now() + timedelta(days=1)).isoformat(timespec="seconds"),
        "performer": [{"identifier": {"system": "urn:oid:1.2.752.29.4.19", "value": unit.hsa_id}}],
        "reasonCode": [{"text": "Behöver hjälp med inköp och städning"}],
        "note": [{"text": "Inköp en gång i veckan, städning varannan vecka"}],
    }
    body.update(changes)
    return body


def post(client, body, token):
    return client.post(
        "/fhir/ServiceRequest",
        json.dumps(body),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_service_request_lands_in_the_home_care_inbox(client, ehr_token, lisa_episode, home_care):
    response = post(client, service_request(lisa_episode, home_care), ehr_token)
    assert response.status_code == 201, response.json()
    created = valid_r4(response.json())
    request = CareRequest.objects.get(pk=created["id"])
    assert (request.kind, request.status, request.to_unit) == ("home_care", "sent", home_care)
    assert request.sent_by.profession == "system"
    ali = Staff.objects.get(user__username="ali.ht")  # home care, the receiver
    assert request in inbox_for_unit(home_care, ali)
    assert response["Location"].endswith(f"/fhir/ServiceRequest/{request.pk}")
    read = client.get(response["Location"], HTTP_AUTHORIZATION=f"Bearer {ehr_token}")
    assert read.json() == created
    again = post(client, service_request(lisa_episode, home_care), ehr_token)
    assert again.status_code == 409  # one live request of a kind to a unit
    assert CareRequest.objects.filter(kind="home_care", episode=lisa_episode).count() == 1


@pytest.mark.parametrize(
    "changes, expression",
    [
        ({"status": "draft"}, "ServiceRequest.status"),
        ({"subject": {"reference": "Patient/not-a-uuid"}}, "ServiceRequest.subject"),
        ({"encounter": None}, "ServiceRequest.encounter"),
        ({"code": {"text": "hemtjänst"}}, "ServiceRequest.code"),
        ({"performer": []}, "ServiceRequest.performer"),
        ({"occurrenceDateTime": "2026-12-01"}, "ServiceRequest.occurrenceDateTime"),
        ({"reasonCode": None}, "ServiceRequest.reasonCode"),
        ({"colour": "red"}, "ServiceRequest.colour"),
    ],
)
def test_a_bad_service_request_is_400_and_nothing_is_sent(
    client, ehr_token, lisa_episode, home_care, changes, expression
):
    body = {
        k: v
        for k, v in service_request(lisa_episode, home_care, **changes).items()
        if v is not None
    }
    response = post(client, body, ehr_token)
    assert response.status_code == 400
    outcome = valid_r4(response.json())
    assert any(expression in issue["expression"][0] for issue in outcome["issue"]), outcome
    assert not CareRequest.objects.filter(kind="home_care", episode=lisa_episode).exists()


def test_business_rules_answer_422(client, ehr_token, lisa_episode, home_care):
    other = Episode.objects.exclude(patient=lisa_episode.patient).first()
    mixed = service_request(
        lisa_episode, home_care, encounter={"reference": f"Encounter/{other.pk}"}
    )
    response = post(client, mixed, ehr_token)
    assert response.status_code in (404, 422)
    nowhere = service_request(lisa_episode, home_care)
    nowhere["performer"][0]["identifier"]["value"] = "SE0000000000-NOWHERE"
    assert post(client, nowhere, ehr_token).status_code == 422
    assert not CareRequest.objects.filter(kind="home_care", episode=lisa_episode).exists()


def test_only_the_owning_ward_with_the_write_scope_sends(
    client, lisa_episode, home_care, ec_key, rsa_key
):
    register("reader", lisa_episode.ward, rsa_key, scopes="system/ServiceRequest.read")
    reader = access_token(client, rsa_key, "reader", "system/ServiceRequest.read")
    assert post(client, service_request(lisa_episode, home_care), reader).status_code == 403
    home_health = Unit.objects.get(kind="home_health_care")
    register("hsv", home_health, ec_key, scopes=WRITE)
    municipal = access_token(client, ec_key, "hsv", WRITE)
    response = post(client, service_request(lisa_episode, home_care), municipal)
    assert response.status_code == 403  # home health reads the case but does not send
    assert not CareRequest.objects.filter(kind="home_care", episode=lisa_episode).exists()


def test_hostile_bodies_get_400(client, ehr_token):
    for body in ("{", "[]", '{"resourceType": "ServiceRequest", "status": "\\ud800"}', "1" * 10):
        response = client.post(
            "/fhir/ServiceRequest",
            body,
            content_type="application/fhir+json",
            HTTP_AUTHORIZATION=f"Bearer {ehr_token}",
        )
        assert response.status_code == 400, body
        assert response.json()["resourceType"] == "OperationOutcome"


def test_the_medication_list_travels_as_contained_medication_requests(
    client, ehr_token, lisa_episode, home_care
):
    body = service_request(lisa_episode, home_care)
    body["contained"] = [
        {
            "resourceType": "MedicationRequest",
            "id": "m1",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{lisa_episode.patient_id}"},
            "medicationCodeableConcept": {"text": "Bensylpenicillin"},
            "dosageInstruction": [
                {
                    "timing": {"code": {"text": "06, 14, 22"}},
                    "route": {"coding": [{"system": "http://snomed.info/sct", "code": "47625008"}]},
                    "doseAndRate": [{"doseQuantity": {"value": 3, "unit": "g"}}],
                }
            ],
        }
    ]
    body["supportingInfo"] = [{"reference": "#m1"}]
    response = post(client, body, ehr_token)
    assert response.status_code == 201, response.json()
    request = CareRequest.objects.get(pk=response.json()["id"])
    medication = request.medications.get()
    assert (medication.drug, medication.dose, medication.times, medication.route) == (
        "Bensylpenicillin",
        "3 g",
        "06, 14, 22",
        "iv",
    )
    assert medication.is_antibiotic  # flagged by Hemma's own rule
    served = valid_r4(response.json())
    contained = served["contained"][0]
    assert contained["medicationCodeableConcept"]["text"] == "Bensylpenicillin"
    assert contained["dosageInstruction"][0]["route"]["coding"][0]["code"] == "47625008"
    assert {"reference": f"#{contained['id']}"} in served["supportingInfo"]


def test_a_medication_without_dose_or_times_is_400_and_nothing_is_sent(
    client, ehr_token, lisa_episode, home_care
):
    body = service_request(lisa_episode, home_care)
    body["contained"] = [
        {
            "resourceType": "MedicationRequest",
            "id": "m1",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{lisa_episode.patient_id}"},
            "medicationCodeableConcept": {"text": "Furosemid"},
        }
    ]
    body["supportingInfo"] = [{"reference": "#m1"}]
    response = post(client, body, ehr_token)
    assert response.status_code == 400
    paths = [i["expression"][0] for i in response.json()["issue"]]
    assert "ServiceRequest.contained[0].dosageInstruction[0].doseAndRate" in paths
    assert not CareRequest.objects.filter(kind="home_care", episode=lisa_episode).exists()
