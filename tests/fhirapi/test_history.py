"""vread and _history of every type: CarePlan keeps every version (test_case.py); the
others keep the current one, versioned by content, so ETag and If-Match mean something."""

import pytest
from django.core.management import call_command

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.carerequests.models import CareRequest
from hemma.episodes.models import Episode
from hemma.fhirapi.history_views import READERS
from hemma.monitoring import services as monitoring

from .conftest import access_token, get, register, valid_r4

pytestmark = pytest.mark.django_db
# The demo has no recorded dose yet (its patients came home at load): MedicationAdministration
# history is tested in tests/fhirapi/test_medication.py.
TYPES = [t for t in READERS if t not in ("AuditEvent", "MedicationAdministration")]
SCOPES = " ".join(f"system/{t}.read" for t in TYPES)


@pytest.fixture
def lisa():
    call_command("load_demo", quiet=True)
    episode = Episode.objects.select_related("ward").get(
        patient__first_name="Lisa", state="at_home"
    )
    nurse = Staff.objects.get(user__username="anna.ssk")  # a tablet, so a Device exists
    code = monitoring.enrolment_issue(staff=nurse, unit=episode.ward, episode=episode)
    monitoring.enrolment_claim_api(code=code)
    return episode


@pytest.fixture
def token(client, lisa, rsa_key):
    register("cosmic", lisa.ward, rsa_key, scopes=SCOPES)
    return access_token(client, rsa_key, "cosmic", SCOPES)


def first(client, token, resource_type, lisa):
    params = {"_count": 1}
    if resource_type not in (
        "Patient",
        "Organization",
        "Practitioner",
        "PractitionerRole",
        "Device",
    ):
        params["patient"] = str(lisa.patient_id)
    bundle = valid_r4(get(client, f"/fhir/{resource_type}", token, **params).json())
    return bundle["entry"][0]["resource"]


@pytest.mark.parametrize("resource_type", TYPES)
def test_history_and_vread_give_the_current_version(client, token, lisa, resource_type):
    resource = first(client, token, resource_type, lisa)
    url = f"/fhir/{resource_type}/{resource['id']}"
    read = get(client, url, token)
    version = read.json()["meta"]["versionId"]
    assert read["ETag"] == f'W/"{version}"'
    assert resource["meta"]["versionId"] == version  # the same in a search
    history = valid_r4(get(client, f"{url}/_history", token).json())
    assert history["type"] == "history"
    assert [e["resource"] for e in history["entry"]] == [read.json()]
    assert history["entry"][0]["request"]["url"] == f"{resource_type}/{resource['id']}"
    vread = get(client, f"{url}/_history/{version}", token)
    assert vread.status_code == 200 and vread.json() == read.json()
    other = get(client, f"{url}/_history/0000", token)
    assert other.status_code == 404
    assert "CarePlan" in valid_r4(other.json())["issue"][0]["diagnostics"]


def test_a_changed_task_gets_a_new_version_and_the_old_one_is_gone(client, token, lisa):
    from hemma.carerequests.services import care_request_accept

    omar = CareRequest.objects.get(episode__patient__first_name="Omar", kind="home_health")
    url = f"/fhir/Task/{omar.pk}"
    before = get(client, url, token).json()["meta"]["versionId"]
    nurse = omar.to_unit.memberships.select_related("staff").first().staff
    care_request_accept(staff=nurse, unit=omar.to_unit, care_request=omar)
    after = get(client, url, token).json()["meta"]["versionId"]
    assert after != before
    assert get(client, f"{url}/_history/{before}", token).status_code == 404
    assert get(client, f"{url}/_history/{after}", token).status_code == 200


def test_history_of_what_the_client_may_not_read_is_404_and_logged(client, lisa, ec_key):
    home_care = Unit.objects.get(kind="home_care")  # social services: no health record
    register("hemtjanst", home_care, ec_key, scopes=SCOPES)
    outsider = access_token(client, ec_key, "hemtjanst", SCOPES)
    for url in (
        f"/fhir/Patient/{lisa.patient_id}/_history",
        f"/fhir/Encounter/{lisa.pk}/_history/1",
    ):
        response = get(client, url, outsider)
        assert response.status_code == 404, url
        valid_r4(response.json())
    denied = AccessLogEntry.objects.filter(patient=lisa.patient, outcome="denied")
    assert denied.count() >= 2


def test_history_takes_no_parameters_and_post_is_refused(client, token, lisa):
    url = f"/fhir/Patient/{lisa.patient_id}/_history"
    assert get(client, url, token, _since="2026-01-01").status_code == 400
    refused = client.post(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert refused.status_code == 405
