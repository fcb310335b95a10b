"""The access policy through FHIR: a system client reads what its unit may read, and a
refusal is a 404 with a denied entry in the access log."""

import pytest

from hemma.audit.models import AccessLogEntry
from hemma.patients.services import sharing_consent_revoke

from .conftest import access_token, get, register

pytestmark = pytest.mark.django_db


def entries(response):
    return [entry["resource"] for entry in response.json().get("entry", [])]


@pytest.fixture
def municipal_token(client, home_health, ec_key):
    register("hsv-journal", home_health, ec_key)
    return access_token(client, ec_key, "hsv-journal")


def test_a_municipal_client_reads_while_consent_holds_and_nothing_after(
    client, municipal_token, readings, ward_nurse, ward
):
    patient = readings.patient
    assert len(entries(get(client, "/fhir/Observation", municipal_token))) == 9
    assert get(client, f"/fhir/Patient/{patient.pk}", municipal_token).status_code == 200

    sharing_consent_revoke(staff=ward_nurse, unit=ward, patient=patient)

    assert entries(get(client, "/fhir/Observation", municipal_token)) == []
    assert entries(get(client, "/fhir/Patient", municipal_token)) == []
    assert entries(get(client, "/fhir/Encounter", municipal_token)) == []
    for url in (
        f"/fhir/Patient/{patient.pk}",
        f"/fhir/Encounter/{readings.pk}",
        f"/fhir/Patient/{patient.pk}/$everything",
    ):
        response = get(client, url, municipal_token)
        assert response.status_code == 404, url
        assert response.json()["resourceType"] == "OperationOutcome"
    observation_id = entries(get(client, "/fhir/Observation", access_token_for_ward(client)))[0]
    assert (
        get(client, f"/fhir/Observation/{observation_id['id']}", municipal_token).status_code == 404
    )


def access_token_for_ward(client):
    from joserfc.jwk import RSAKey

    from hemma.accounts.models import Unit

    key = RSAKey.generate_key(2048, parameters={"kid": "w"})
    register("ward-check", Unit.objects.get(kind="ward"), key)
    return access_token(client, key, "ward-check")


def test_a_client_of_another_organisation_gets_404_and_a_denied_entry(
    client, foreign_home_care, rsa_key, readings
):
    register("other-org", foreign_home_care, rsa_key)
    token = access_token(client, rsa_key, "other-org")
    patient = readings.patient
    response = get(client, f"/fhir/Patient/{patient.pk}", token)
    assert response.status_code == 404
    denied = AccessLogEntry.objects.filter(patient=patient, outcome="denied", action="api_read")
    assert denied.count() == 1
    assert "other-org" in denied.get().user_display or "Integration" in denied.get().user_display
    assert entries(get(client, "/fhir/Observation", token)) == []
    assert get(client, f"/fhir/Encounter/{readings.pk}", token).status_code == 404


def test_a_home_care_client_reads_no_health_record(client, home_care, rsa_key, readings):
    from hemma.patients.models import CareRelationship

    CareRelationship.objects.create(patient=readings.patient, unit=home_care)
    register("hemtjanst", home_care, rsa_key)
    token = access_token(client, rsa_key, "hemtjanst")
    assert get(client, f"/fhir/Patient/{readings.patient_id}", token).status_code == 404
    assert entries(get(client, "/fhir/Observation", token)) == []


def test_unknown_ids_are_404_and_logged(client, ward_token, readings):
    for url in ("/fhir/Observation/999999-pulse", "/fhir/Observation/abc", "/fhir/Encounter/x1"):
        response = get(client, url, ward_token)
        assert response.status_code == 404, url
    assert AccessLogEntry.objects.filter(outcome="denied", action="api_read").count() == 3


def test_a_device_token_opens_no_read(client, at_home, ward_nurse):
    from hemma.monitoring import services

    code = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    device_token = services.enrolment_claim_api(code=code).access_token
    response = get(client, f"/fhir/Patient/{at_home.patient_id}", device_token)
    assert response.status_code == 401


def test_a_staff_session_opens_no_fhir_read(client, ward_nurse, readings):
    client.force_login(ward_nurse.user)
    for url in ("/fhir/Patient", f"/fhir/Patient/{readings.patient_id}", "/fhir/Observation"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json()["resourceType"] == "OperationOutcome"
