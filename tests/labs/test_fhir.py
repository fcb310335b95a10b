"""Laboratory Observations from a lab system client (POST /fhir/Observation with a system
token) are stored as lab results of the patient's episode; bad ones get an
OperationOutcome and store nothing. Device ingestion of vital signs is unchanged."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.labs.models import LabResult
from tests.fhirapi.conftest import access_token, register, valid_r4

pytestmark = pytest.mark.django_db
SCOPES = "system/Observation.write system/Observation.read"
URL = "/fhir/Observation"


@pytest.fixture
def lab_token(client, ward, rsa_key):
    register("lab-system", ward, rsa_key, scopes=SCOPES)
    return access_token(client, rsa_key, "lab-system", SCOPES)


def crp(patient, value=48, code="1988-5", unit="mg/L", ident="crp-1", **changes):
    taken = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "identifier": [{"system": "urn:oid:1.2.752.99.1", "value": ident}],
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": f"Patient/{patient.pk}"},
        "effectiveDateTime": taken.isoformat(),
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
    }
    resource.update(changes)
    return resource


def post(client, token, resource):
    return client.post(
        URL,
        json.dumps(resource),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_crp_is_stored_as_a_lab_result(client, at_home, kim, lab_token):
    response = post(client, lab_token, crp(kim))
    assert response.status_code == 201, response.json()
    result = LabResult.objects.get()
    assert (result.episode, result.analyte, result.value) == (at_home, "crp", Decimal("48"))
    assert result.source == "fhir_lab"
    assert response.json()["id"] == f"lab-{result.pk}"
    assert response["Location"].endswith(f"/fhir/Observation/lab-{result.pk}")
    assert AccessLogEntry.objects.filter(patient=kim, detail__contains="lab result").exists()


def test_a_resend_is_stored_once_and_another_value_is_a_conflict(client, at_home, kim, lab_token):
    resource = crp(kim)
    assert post(client, lab_token, resource).status_code == 201
    assert post(client, lab_token, resource).status_code == 200
    changed = post(
        client, lab_token, {**resource, "valueQuantity": {**resource["valueQuantity"], "value": 50}}
    )
    assert changed.status_code == 409
    assert changed.json()["resourceType"] == "OperationOutcome"
    assert LabResult.objects.count() == 1


def test_the_encounter_may_name_the_episode(client, at_home, kim, lab_token):
    resource = crp(kim, encounter={"reference": f"Encounter/{at_home.pk}"})
    assert post(client, lab_token, resource).status_code == 201


@pytest.mark.parametrize(
    ("changes", "status", "where"),
    [
        ({"code": "9999-9"}, 400, "Observation.code"),  # not in the catalogue
        ({"unit": "g/L"}, 400, "Observation.valueQuantity.code"),  # wrong unit for CRP
        ({"value": 5000}, 422, ""),  # implausible
        ({"value": "48"}, 400, "Observation.valueQuantity.value"),
        ({"category": [{"coding": [{"code": "vital-signs"}]}]}, 400, "Observation.category"),
        ({"identifier": []}, 400, "Observation.identifier"),
        ({"effectiveDateTime": "2026-11-30"}, 400, "Observation.effectiveDateTime"),
        ({"subject": {"reference": "Patient/x"}}, 400, "Observation.subject"),
    ],
)
def test_bad_ones_get_an_operation_outcome(client, at_home, kim, lab_token, changes, status, where):
    fields = {k: changes.pop(k) for k in ("code", "unit", "value") if k in changes}
    response = post(client, lab_token, crp(kim, **fields, **changes))
    assert response.status_code == status, response.json()
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    if where:
        assert any(where in e for i in body["issue"] for e in i.get("expression", [])), body
    assert not LabResult.objects.exists()


def test_a_future_sample_is_refused(client, at_home, kim, lab_token):
    later = (timezone.now() + timedelta(hours=3)).replace(microsecond=0).isoformat()
    response = post(client, lab_token, crp(kim, effectiveDateTime=later))
    assert response.status_code == 422
    assert not LabResult.objects.exists()


def test_a_patient_the_client_may_not_read_is_404(client, at_home, omar, lab_token):
    response = post(client, lab_token, crp(omar))
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"
    assert not LabResult.objects.exists()


def test_a_client_whose_unit_may_not_record_is_403(client, at_home, kim, primary_care, rsa_key):
    from hemma.patients.models import CareRelationship

    CareRelationship.objects.create(patient=kim, unit=primary_care)
    register("vc-system", primary_care, rsa_key, scopes=SCOPES)
    token = access_token(client, rsa_key, "vc-system", SCOPES)
    response = post(client, token, crp(kim))
    assert response.status_code == 403
    assert not LabResult.objects.exists()


def test_without_the_write_scope_it_is_403(client, at_home, kim, ward, rsa_key):
    register("reader", ward, rsa_key, scopes="system/Observation.read")
    token = access_token(client, rsa_key, "reader", "system/Observation.read")
    assert post(client, token, crp(kim)).status_code == 403
    assert not LabResult.objects.exists()


def test_a_device_token_still_reaches_vital_sign_ingestion(client, at_home, kim):
    # No system token: the device ingestion answers (401 without a device token).
    response = post(client, "not-a-token", crp(kim))
    assert response.status_code == 401
    assert not LabResult.objects.exists()


def test_the_stored_result_is_read_back(client, at_home, kim, lab_token, primary_care, rsa_key):
    created = post(client, lab_token, crp(kim, value=48))
    location = created["Location"].removeprefix("http://testserver")
    response = client.get(location, HTTP_AUTHORIZATION=f"Bearer {lab_token}")
    assert response.status_code == 200
    body = valid_r4(response.json())
    assert body["category"][0]["coding"][0]["code"] == "laboratory"
    assert body["code"]["coding"][0]["code"] == "1988-5"
    assert body["valueQuantity"] == {
        "value": 48,
        "unit": "mg/L",
        "system": "http://unitsofmeasure.org",
        "code": "mg/L",
    }
    assert body["encounter"]["reference"] == f"Encounter/{at_home.pk}"
    # A client without a relationship to the patient: 404, like an unknown id.
    register("vc-reader", primary_care, rsa_key, scopes="system/Observation.read")
    other = access_token(client, rsa_key, "vc-reader", "system/Observation.read")
    assert client.get(location, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404
    unknown = client.get("/fhir/Observation/lab-999999", HTTP_AUTHORIZATION=f"Bearer {lab_token}")
    assert unknown.status_code == 404
