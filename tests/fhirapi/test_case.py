"""The shared case through FHIR on the demo region: the documented agreement as a
CarePlan, care requests as ServiceRequest and Task, consents, the care team and units –
validated by the R4B models, under the same policy as the rest."""

import pytest
from django.core.management import call_command

from hemma.accounts.models import Staff, Unit
from hemma.careplans.models import Agreement
from hemma.carerequests.models import CareRequest
from hemma.fhirapi import urls
from hemma.patients.models import SharingConsent
from hemma.patients.services import sharing_consent_revoke

from .conftest import access_token, get, register, valid_r4

pytestmark = pytest.mark.django_db
CASE_READ = " ".join(
    f"system/{t}.read"
    for t in (
        "Patient",
        "Encounter",
        "Observation",
        "CarePlan",
        "ServiceRequest",
        "Task",
        "Consent",
        "CareTeam",
        "Organization",
    )
)


def entries(response):
    assert response.status_code == 200, response.json()
    return [entry["resource"] for entry in valid_r4(response.json()).get("entry", [])]


@pytest.fixture
def demo():
    call_command("load_demo", quiet=True)


@pytest.fixture
def ward_reader(client, demo, rsa_key):
    register("cosmic", Unit.objects.get(hsa_id__endswith="-INF30"), rsa_key, scopes=CASE_READ)
    return access_token(client, rsa_key, "cosmic", CASE_READ)


def test_the_agreement_is_a_care_plan_with_activities_and_criteria_as_goals(client, ward_reader):
    agreement = Agreement.objects.select_related("episode").filter(episode__state="at_home").first()
    plan = valid_r4(get(client, f"/fhir/CarePlan/{agreement.pk}", ward_reader).json())
    version = agreement.versions.get(number=agreement.current_number)
    assert plan["meta"]["versionId"] == str(agreement.current_number)
    assert plan["encounter"]["reference"] == f"Encounter/{agreement.episode_id}"
    assert plan["status"] == "active"
    assert [g["description"]["text"] for g in plan["contained"]] == version.criteria
    assert len(plan["goal"]) == len(version.criteria)
    assert plan["activity"]
    by_patient = entries(
        get(client, "/fhir/CarePlan", ward_reader, patient=agreement.episode.patient_id)
    )
    assert [p["id"] for p in by_patient] == [str(agreement.pk)]


def test_care_requests_are_service_requests_with_a_task(client, ward_reader):
    request = CareRequest.objects.exclude(status="withdrawn").first()
    service = valid_r4(get(client, f"/fhir/ServiceRequest/{request.pk}", ward_reader).json())
    assert service["performer"][0]["identifier"]["value"] == request.to_unit.hsa_id
    assert service["intent"] == "order"
    task = valid_r4(get(client, f"/fhir/Task/{request.pk}", ward_reader).json())
    assert task["focus"]["reference"] == f"ServiceRequest/{request.pk}"
    expected = {
        "sent": {"requested", "received"},
        "question": {"on-hold"},
        "accepted": {"accepted"},
        "declined": {"rejected"},
    }[request.status]
    assert task["status"] in expected
    found = entries(get(client, "/fhir/Task", ward_reader, encounter=request.episode_id))
    assert str(request.pk) in [t["id"] for t in found]


def test_consents_care_team_and_organizations(client, ward_reader):
    sharing = SharingConsent.objects.first()
    consents = entries(get(client, "/fhir/Consent", ward_reader, patient=sharing.patient_id))
    assert f"sharing-{sharing.pk}" in [c["id"] for c in consents]
    team = valid_r4(get(client, f"/fhir/CareTeam/{sharing.patient_id}", ward_reader).json())
    assert team["participant"]
    ward = Unit.objects.get(hsa_id__endswith="-INF30")
    organizations = entries(
        get(
            client,
            "/fhir/Organization",
            ward_reader,
            identifier=f"urn:oid:1.2.752.29.4.19|{ward.hsa_id}",
        )
    )
    assert [o["name"] for o in organizations] == [ward.name]


def test_everything_includes_the_case(client, ward_reader):
    agreement = Agreement.objects.filter(episode__state="at_home").first()
    patient_id = agreement.episode.patient_id
    kinds = [
        r["resourceType"]
        for r in entries(get(client, f"/fhir/Patient/{patient_id}/$everything", ward_reader))
    ]
    for kind in ("Patient", "Encounter", "CarePlan", "CareTeam", "Consent"):
        assert kind in kinds


def test_a_municipal_client_loses_the_case_when_consent_is_revoked(client, demo, ec_key):
    home_health = Unit.objects.get(kind="home_health_care")
    register("hsv", home_health, ec_key, scopes=CASE_READ)
    token = access_token(client, ec_key, "hsv", CASE_READ)
    request = CareRequest.objects.filter(to_unit=home_health, episode__state="at_home").first()
    patient = request.episode.patient
    assert get(client, f"/fhir/ServiceRequest/{request.pk}", token).status_code == 200
    anna = Staff.objects.get(user__username="anna.ssk")  # the owning ward records it
    sharing_consent_revoke(staff=anna, unit=request.episode.ward, patient=patient)
    plan = Agreement.objects.get(episode=request.episode)
    for url in (
        f"/fhir/CarePlan/{plan.pk}/_history",
        f"/fhir/CarePlan/{plan.pk}/_history/1",
        f"/fhir/ServiceRequest/{request.pk}",
        f"/fhir/Task/{request.pk}",
        f"/fhir/CareTeam/{patient.pk}",
    ):
        assert get(client, url, token).status_code == 404, url
    for kind in ("ServiceRequest", "Task", "CarePlan", "Consent", "CareTeam"):
        found = entries(get(client, f"/fhir/{kind}", token, patient=patient.pk))
        assert found == [], kind


def test_the_capability_statement_lists_exactly_the_routes(client, demo):
    statement = valid_r4(client.get("/fhir/metadata").json())
    listed = {r["type"] for r in statement["rest"][0]["resource"]}
    routed = {
        name.removesuffix("_type")
        for name in (p.name for p in urls.urlpatterns)
        if name.endswith("_type")
    }
    assert {t.lower() for t in listed} == routed
    names = {p.name for p in urls.urlpatterns}
    for resource in statement["rest"][0]["resource"]:
        codes = {i["code"] for i in resource["interaction"]}
        kind = resource["type"].lower()
        assert {"vread", "history-instance"} <= codes
        assert {f"{kind}_vread", f"{kind}_history"} <= names, kind
        assert ("update" in codes) == (kind == "task"), kind  # PUT Task/<id> only


def test_every_agreement_version_can_be_read_back(client, ward_reader):
    from hemma.careplans.services import agreement_revise

    agreement = (
        Agreement.objects.select_related("episode__ward").filter(episode__state="at_home").first()
    )
    current = agreement.versions.get(number=agreement.current_number)
    anna = Staff.objects.get(user__username="anna.ssk")
    agreement_revise(
        staff=anna,
        unit=agreement.episode.ward,
        agreement=agreement,
        base_number=current.number,
        content={**current.content(), "criteria": [*current.criteria, "Äter och dricker själv"]},
        change_note="Nytt kriterium",
    )
    response = get(client, f"/fhir/CarePlan/{agreement.pk}", ward_reader)
    newest = str(current.number + 1)
    assert response["ETag"] == f'W/"{newest}"'
    history = valid_r4(get(client, f"/fhir/CarePlan/{agreement.pk}/_history", ward_reader).json())
    versions = [e["resource"]["meta"]["versionId"] for e in history["entry"]]
    assert versions[0] == newest and str(current.number) in versions
    old = valid_r4(
        get(client, f"/fhir/CarePlan/{agreement.pk}/_history/{current.number}", ward_reader).json()
    )
    assert "Äter och dricker själv" not in [g["description"]["text"] for g in old["contained"]]
    assert get(client, f"/fhir/CarePlan/{agreement.pk}/_history/99", ward_reader).status_code == 404


def test_people_of_the_clients_organisation(client, demo, rsa_key):
    scopes = "system/Practitioner.read system/PractitionerRole.read"
    ward = Unit.objects.get(hsa_id__endswith="-INF30")
    register("hr", ward, rsa_key, scopes=scopes)
    token = access_token(client, rsa_key, "hr", scopes)
    anna = Staff.objects.get(user__username="anna.ssk")
    found = entries(get(client, "/fhir/Practitioner", token, identifier=anna.hsa_id))
    assert [p["name"][0]["text"] for p in found] == [anna.display_name]
    roles = entries(
        get(client, "/fhir/PractitionerRole", token, practitioner=f"Practitioner/{anna.pk}")
    )
    assert roles and roles[0]["organization"]["reference"] == f"Organization/{ward.pk}"
    everyone = entries(get(client, "/fhir/Practitioner", token, _count="200"))
    assert all(p["identifier"][0]["value"] for p in everyone)
    assert "Integration hr" not in [p["name"][0]["text"] for p in everyone]  # not a person
    karin = Staff.objects.get(user__username="karin.hsv")  # the municipality's nurse
    assert get(client, f"/fhir/Practitioner/{karin.pk}", token).status_code == 404


def test_enrolled_devices_are_device_resources(client, demo, rsa_key):
    from hemma.monitoring import services as monitoring

    scopes = "system/Device.read"
    ward = Unit.objects.get(hsa_id__endswith="-INF30")
    register("devices", ward, rsa_key, scopes=scopes)
    token = access_token(client, rsa_key, "devices", scopes)
    episode = Agreement.objects.filter(episode__state="at_home").first().episode
    anna = Staff.objects.get(user__username="anna.ssk")
    code = monitoring.enrolment_issue(staff=anna, unit=ward, episode=episode, label="Vårdgivare X")
    monitoring.enrolment_claim_api(code=code)
    found = entries(get(client, "/fhir/Device", token, patient=episode.patient_id))
    vendor = next(d for d in found if d.get("deviceName", [{}])[0].get("name") == "Vårdgivare X")
    assert vendor["status"] == "active"
    assert vendor["patient"]["reference"] == f"Patient/{episode.patient_id}"
    assert valid_r4(get(client, f"/fhir/Device/{vendor['id']}", token).json()) == vendor
