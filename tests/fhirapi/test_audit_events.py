"""The access log as AuditEvents for a log-review client: its own organisation's entries,
no patient record, and reading the log is itself logged."""

import pytest

from hemma.audit.models import AccessLogEntry

from .conftest import access_token, get, register, valid_r4

pytestmark = pytest.mark.django_db
AUDIT = "system/AuditEvent.read system/Patient.read"


@pytest.fixture
def reviewer_token(client, ward, ec_key):
    register("loggranskning", ward, ec_key, scopes=AUDIT, log_review=True)
    return access_token(client, ec_key, "loggranskning", AUDIT)


def entries(response):
    assert response.status_code == 200, response.json()
    return [e["resource"] for e in valid_r4(response.json()).get("entry", [])]


def test_a_log_review_client_reads_who_opened_the_record(
    client, reviewer_token, ward_token, readings
):
    patient = readings.patient
    get(client, f"/fhir/Patient/{patient.pk}", ward_token)  # the EHR reads Kim: one entry
    events = entries(get(client, "/fhir/AuditEvent", reviewer_token, patient=str(patient.pk)))
    read = next(e for e in events if e["entity"][0]["description"] == "API-läsning")
    assert read["action"] == "R"
    assert read["outcome"] == "0"
    assert read["agent"][0]["who"]["display"].startswith("Integration ehr-cosmic")
    assert read["entity"][0]["what"]["reference"] == f"Patient/{patient.pk}"
    assert read["purposeOfEvent"][0]["coding"][0]["code"] == "TREAT"
    single = valid_r4(get(client, f"/fhir/AuditEvent/{read['id']}", reviewer_token).json())
    assert single == read
    reviews = AccessLogEntry.objects.filter(patient=patient, purpose="log_review")
    assert reviews.exists()  # reading the log is logged


def test_denied_reads_are_audit_events_with_outcome_4(client, reviewer_token, ward_token):
    get(client, "/fhir/Patient/00000000-0000-0000-0000-000000000000", ward_token)
    denied = entries(get(client, "/fhir/AuditEvent", reviewer_token, outcome="4"))
    assert denied and all(e["outcome"] == "4" for e in denied)


def test_the_log_review_client_opens_no_record(client, reviewer_token, readings):
    assert get(client, f"/fhir/Patient/{readings.patient_id}", reviewer_token).status_code == 404


def test_a_care_client_is_not_a_log_reviewer(client, ward, rsa_key, readings):
    register("ehr", ward, rsa_key, scopes=AUDIT)
    token = access_token(client, rsa_key, "ehr", AUDIT)
    response = get(client, "/fhir/AuditEvent", token)
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"


def test_another_organisation_reviews_only_its_own_entries(
    client, foreign_home_care, rsa_key, ward_token, readings
):
    get(client, f"/fhir/Patient/{readings.patient_id}", ward_token)
    register("grannkommun", foreign_home_care, rsa_key, scopes=AUDIT, log_review=True)
    token = access_token(client, rsa_key, "grannkommun", AUDIT)
    found = entries(get(client, "/fhir/AuditEvent", token))
    assert all("ehr-cosmic" not in e["agent"][0]["who"]["display"] for e in found)
    ward_entry = AccessLogEntry.objects.filter(unit__kind="ward").first()
    assert get(client, f"/fhir/AuditEvent/{ward_entry.pk}", token).status_code == 404


def test_paging_the_log(client, reviewer_token, ward_token, readings):
    for _ in range(3):
        get(client, f"/fhir/Patient/{readings.patient_id}", ward_token)
        get(client, "/fhir/Patient/00000000-0000-0000-0000-000000000000", ward_token)
    seen, url, params = [], "/fhir/AuditEvent", {"_count": "2"}
    for _page in range(20):
        bundle = valid_r4(get(client, url, reviewer_token, **params).json())
        seen += [e["resource"]["id"] for e in bundle.get("entry", [])]
        following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not following:
            break
        url, params = following[0].removeprefix("http://testserver"), {}
    ward_ids = {
        str(pk)
        for pk in AccessLogEntry.objects.filter(unit__organisation__kind="region").values_list(
            "pk", flat=True
        )
    }
    assert len(seen) == len(set(seen))
    assert set(seen) <= ward_ids
