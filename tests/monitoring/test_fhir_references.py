"""A gateway's transaction as the HL7 Personal Health Device IG builds it: the Patient, the
Device and the Observations, referring to each other by `urn:uuid` fullUrls. Hemma
matches the Patient and the Device instead of creating them and resolves the references;
a reference to no entry, or a Patient who is not the device's, fails it."""

import uuid

import pytest

from hemma.monitoring import services
from hemma.monitoring.models import DeviceEnrolment, ObservationSet
from tests.monitoring.test_fhir_api import PERSONNUMMER, post, quantity
from tests.monitoring.test_fhir_hardening import assert_outcome

pytestmark = pytest.mark.django_db
PATIENT_URL, DEVICE_URL = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{uuid.uuid4()}"


@pytest.fixture
def token(at_home, ward_nurse):
    code = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    return services.enrolment_claim_api(code=code).access_token


def patient_entry(number="194405149057"):
    return {
        "fullUrl": PATIENT_URL,
        "resource": {
            "resourceType": "Patient",
            "identifier": [{"system": PERSONNUMMER, "value": number}],
        },
        "request": {
            "method": "POST",
            "url": "Patient",
            "ifNoneExist": f"identifier={PERSONNUMMER}|{number}",
        },
    }


def device_entry():
    return {
        "fullUrl": DEVICE_URL,
        "resource": {
            "resourceType": "Device",
            "identifier": [
                {
                    "system": "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680",
                    "value": "FE-ED-AB-EE-DE-AD-BE-EF",
                }
            ],
            "deviceName": [{"name": "Pulsoximeter", "type": "user-friendly-name"}],
            "patient": {"reference": PATIENT_URL},
        },
        "request": {"method": "POST", "url": "Device"},
    }


def observation_entry(loinc, value, unit, ident, **references):
    resource = quantity(loinc, value, unit, ident, subject={"reference": PATIENT_URL})
    resource.update(references)
    return {
        "fullUrl": f"urn:uuid:{uuid.uuid4()}",
        "resource": resource,
        "request": {"method": "POST", "url": "Observation"},
    }


def transaction(*entries, kind="transaction"):
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def test_a_phd_transaction_matches_patient_and_device_and_stores_the_readings(
    client, token, at_home
):
    pulse = observation_entry("8867-4", 72, "/min", "phd-hr", device={"reference": DEVICE_URL})
    spo2 = observation_entry(
        "59408-5",
        96,
        "%",
        "phd-spo2",
        device={"reference": DEVICE_URL},
        derivedFrom=[{"reference": pulse["fullUrl"]}],
    )
    response = post(client, transaction(patient_entry(), device_entry(), pulse, spo2), token)
    assert response.status_code == 200, response.json()
    answers = [e["response"] for e in response.json()["entry"]]
    enrolment = DeviceEnrolment.objects.get(episode=at_home)
    assert answers[0] == {"status": "200 OK", "location": f"Patient/{at_home.patient_id}"}
    assert answers[1] == {"status": "200 OK", "location": f"Device/{enrolment.pk}"}
    assert [a["status"] for a in answers[2:]] == ["201 Created", "201 Created"]
    stored = ObservationSet.objects.get(episode=at_home)
    assert (stored.pulse, stored.spo2) == (72, 96)
    read = client.get(f"/fhir/{answers[2]['location']}")
    assert read.status_code == 401  # read back needs a system token (tests/fhirapi)


def test_a_reference_to_no_entry_fails_the_transaction(client, token, at_home):
    stray = observation_entry("8867-4", 72, "/min", "x-hr", device={"reference": "urn:uuid:0"})
    response = post(client, transaction(patient_entry(), stray), token)
    outcome = assert_outcome(response, 400)
    assert outcome["issue"][0]["expression"] == ["Bundle.entry[1].resource.device.reference"]
    assert not ObservationSet.objects.filter(episode=at_home).exists()


def test_a_subject_without_its_patient_entry_fails(client, token, at_home):
    orphan = observation_entry("8867-4", 72, "/min", "o-hr")  # subject urn:uuid, no Patient
    outcome = assert_outcome(post(client, transaction(orphan), token), 400)
    assert outcome["issue"][0]["expression"] == ["Bundle.entry[0].resource.subject.reference"]
    assert not ObservationSet.objects.filter(episode=at_home).exists()


def test_another_patient_entry_is_403_and_nothing_is_stored(client, token, at_home):
    other = patient_entry("191212121212")
    pulse = observation_entry("8867-4", 72, "/min", "t-hr")
    assert_outcome(post(client, transaction(other, pulse), token), 403)
    assert not ObservationSet.objects.filter(episode=at_home).exists()
    batch = post(client, transaction(other, pulse, kind="batch"), token)
    assert [e["response"]["status"] for e in batch.json()["entry"]] == [
        "403 Forbidden",
        "403 Forbidden",  # its subject is that patient
    ]
    assert not ObservationSet.objects.filter(episode=at_home).exists()


def test_a_patient_entry_without_a_personal_number_is_400(client, token, at_home):
    anonymous = patient_entry()
    anonymous["resource"]["identifier"] = [{"system": "urn:vendor:patient", "value": "42"}]
    pulse = observation_entry("8867-4", 72, "/min", "a-hr")
    outcome = assert_outcome(post(client, transaction(anonymous, pulse), token), 400)
    expressions = [issue["expression"][0] for issue in outcome["issue"]]
    assert "Bundle.entry[0].resource.identifier" in expressions
    assert not ObservationSet.objects.filter(episode=at_home).exists()


def test_a_subject_naming_the_device_entry_is_400(client, token, at_home):
    wrong = observation_entry("8867-4", 72, "/min", "w-hr", subject={"reference": DEVICE_URL})
    outcome = assert_outcome(post(client, transaction(device_entry(), wrong), token), 400)
    assert any(
        issue["expression"] == ["Bundle.entry[1].resource.subject.reference"]
        for issue in outcome["issue"]
    )


def test_a_device_entry_with_an_unknown_element_is_400(client, token, at_home):
    device = device_entry()
    device["resource"]["colour"] = "blue"
    pulse = observation_entry("8867-4", 72, "/min", "d-hr")
    outcome = assert_outcome(post(client, transaction(patient_entry(), device, pulse), token), 400)
    assert ["Bundle.entry[1].resource.colour"] in [
        issue["expression"] for issue in outcome["issue"]
    ]
