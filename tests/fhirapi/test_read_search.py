"""Reading the shared case back: metadata, read, search with paging, $everything – every
resource checked by the fhir.resources R4B models, every read logged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hemma.audit.models import AccessLogEntry

from .conftest import get, valid_r4

pytestmark = pytest.mark.django_db


def entries(bundle):
    return [entry["resource"] for entry in bundle.get("entry", [])]


def test_metadata_lists_what_is_supported_and_validates(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    statement = valid_r4(response.json())
    assert statement["fhirVersion"] == "4.0.1"
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert {"Patient", "Encounter", "Observation", "CarePlan", "Task"} <= set(resources)
    assert {p["name"] for p in resources["Observation"]["searchParam"]} >= {"patient", "date"}


def test_smart_configuration_names_the_token_endpoint(client):
    body = client.get("/fhir/.well-known/smart-configuration").json()
    assert body["token_endpoint"] == "http://testserver/oauth/token"
    assert "private_key_jwt" in body["token_endpoint_auth_methods_supported"]


def test_patient_read_and_search_by_personnummer(client, ward_token, kim):
    patient = valid_r4(get(client, f"/fhir/Patient/{kim.pk}", ward_token).json())
    assert patient["identifier"][0] == {
        "system": "urn:oid:1.2.752.129.2.1.3.1",
        "value": "194405149057",
    }
    assert patient["birthDate"] == "1944-05-14"
    bundle = valid_r4(
        get(
            client,
            "/fhir/Patient",
            ward_token,
            identifier="urn:oid:1.2.752.129.2.1.3.1|194405149057",
        ).json()
    )
    assert [p["id"] for p in entries(bundle)] == [str(kim.pk)]
    logged = AccessLogEntry.objects.filter(patient=kim, action="api_read", outcome="granted")
    assert logged.filter(user=None).count() == 0  # logged as the client's own profile
    assert logged.count() == 2
    assert "Integration ehr-cosmic" in logged.first().user_display


def test_encounter_is_the_home_episode_with_class_hh(client, ward_token, readings):
    encounter = valid_r4(get(client, f"/fhir/Encounter/{readings.pk}", ward_token).json())
    assert encounter["class"]["code"] == "HH"
    assert encounter["status"] == "in-progress"
    assert encounter["subject"]["reference"] == f"Patient/{readings.patient_id}"
    assert encounter["location"][0]["status"] == "reserved"  # the safety place
    bundle = get(client, "/fhir/Encounter", ward_token, patient=str(readings.patient_id)).json()
    assert [e["id"] for e in entries(valid_r4(bundle))] == [str(readings.pk)]


def test_observations_with_news2_search_by_code_and_date(client, ward_token, readings):
    bundle = valid_r4(
        get(
            client, "/fhir/Observation", ward_token, patient=f"Patient/{readings.patient_id}"
        ).json()
    )
    found = entries(bundle)
    ids = [o["id"] for o in found]
    # newest set first: afternoon pulse + SpO2 (+ NEWS2), then the full morning set
    assert len(found) == 3 + 6
    assert any(i.endswith("-news2") for i in ids)
    bp = next(o for o in found if o["id"].endswith("-blood-pressure"))
    assert {c["code"]["coding"][0]["code"] for c in bp["component"]} == {"8480-6", "8462-4"}
    news2 = next(o for o in found if o["id"].endswith("-news2"))
    assert news2["code"]["coding"][0]["code"] == "1104051000000101"

    pulses = entries(
        get(client, "/fhir/Observation", ward_token, code="http://loinc.org|8867-4").json()
    )
    assert [o["valueQuantity"]["value"] for o in pulses] == [96, 72]
    morning = pulses[1]["effectiveDateTime"]
    later = entries(
        get(client, "/fhir/Observation", ward_token, code="8867-4", date=f"gt{morning}").json()
    )
    assert [o["valueQuantity"]["value"] for o in later] == [96]


def test_read_after_read_every_searched_observation_can_be_fetched(client, ward_token, readings):
    for observation in entries(get(client, "/fhir/Observation", ward_token).json()):
        response = get(client, f"/fhir/Observation/{observation['id']}", ward_token)
        assert response.status_code == 200
        assert response.json() == observation


def test_paging_follows_next_links_without_repeats(client, ward_token, readings):
    seen, url, params = [], "/fhir/Observation", {"_count": "4"}
    for _page in range(10):
        bundle = valid_r4(get(client, url, ward_token, **params).json())
        assert len(bundle.get("entry", [])) <= 4
        seen += [o["id"] for o in entries(bundle)]
        following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not following:
            break
        url, params = following[0].removeprefix("http://testserver"), {}
    assert len(seen) == len(set(seen)) == 9


def test_search_query_count_does_not_grow_with_the_page(client, ward_token, readings, settings):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every search writes its entries

    def queries(count):
        with CaptureQueriesContext(connection) as captured:
            get(client, "/fhir/Observation", ward_token, _count=str(count))
        return len(captured)

    assert queries(2) == queries(9) <= 6


def test_everything_for_a_patient(client, ward_token, readings):
    response = get(client, f"/fhir/Patient/{readings.patient_id}/$everything", ward_token)
    bundle = valid_r4(response.json())
    kinds = [r["resourceType"] for r in entries(bundle)]
    assert kinds[0] == "Patient"
    assert kinds.count("Encounter") == 1
    assert kinds.count("Observation") == 9


@pytest.mark.parametrize(
    "params",
    [
        {"date": "ge2026-13-01"},
        {"date": "sa2026-01-01"},
        {"date": "2026-11-30T10:00:00"},
        {"patient": "not-a-uuid"},
        {"_count": "-1"},
        {"_cursor": "%%%"},
        {"colour": "red"},
    ],
)
def test_bad_search_parameters_get_a_400_outcome(client, ward_token, readings, params):
    response = get(client, "/fhir/Observation", ward_token, **params)
    assert response.status_code == 400
    outcome = valid_r4(response.json())
    assert outcome["issue"][0]["code"] == "invalid"
    assert outcome["issue"][0]["expression"]


def test_xml_is_refused_and_writes_are_not_allowed_on_reads(client, ward_token, kim):
    assert get(client, "/fhir/Patient", ward_token, _format="xml").status_code == 406
    response = client.delete(f"/fhir/Patient/{kim.pk}", HTTP_AUTHORIZATION=f"Bearer {ward_token}")
    assert response.status_code == 405
    assert response.json()["resourceType"] == "OperationOutcome"


def test_read_after_write_every_location_a_device_gets_can_be_read(
    client, ward_token, at_home, ward_nurse
):
    from hemma.monitoring import services as monitoring
    from tests.monitoring.test_fhir_api import blood_pressure, bundle, post, quantity

    code = monitoring.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    device = monitoring.enrolment_claim_api(code=code).access_token
    single = post(
        client, quantity("8867-4", 88, "/min", "rw-1"), device, "monitoring:fhir_observation"
    )
    assert single.status_code == 201
    locations = [single["Location"].removeprefix("http://testserver")]
    answer = post(
        client,
        bundle(
            quantity("8310-5", 38.2, "Cel", "rw-2"),
            blood_pressure(131, 82, "rw-3"),
            kind="transaction",
        ),
        device,
    )
    locations += ["/fhir/" + e["response"]["location"] for e in answer.json()["entry"]]
    read = [valid_r4(get(client, url, ward_token).json()) for url in locations]
    assert read[0]["valueQuantity"]["value"] == 88
    assert read[1]["valueQuantity"]["value"] == 38.2
    assert [c["valueQuantity"]["value"] for c in read[2]["component"]] == [131, 82]


def test_include_adds_the_patient_and_the_encounter_once(client, ward_token, readings):
    bundle = valid_r4(
        get(
            client,
            "/fhir/Observation",
            ward_token,
            _include=["Observation:patient", "Observation:encounter"],
        ).json()
    )
    modes = [(e["search"]["mode"], e["resource"]["resourceType"]) for e in bundle["entry"]]
    assert modes.count(("include", "Patient")) == 1
    assert modes.count(("include", "Encounter")) == 1
    assert modes.count(("match", "Observation")) == 9
    encounters = get(client, "/fhir/Encounter", ward_token, _include="Encounter:patient").json()[
        "entry"
    ]
    assert [e["resource"]["resourceType"] for e in encounters] == ["Encounter", "Patient"]
    refused = get(client, "/fhir/Observation", ward_token, _include="Observation:performer")
    assert refused.status_code == 400
    assert refused.json()["issue"][0]["expression"] == ["_include"]
