"""FHIR R4 ingestion: single Observations and Bundles, idempotent by identifier, an
OperationOutcome and nothing stored for bad input, 401/403 for the wrong token."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hemma.monitoring import services
from hemma.monitoring.models import Alert, ObservationSet

pytestmark = pytest.mark.django_db
# Yesterday morning: readings more than a week old are refused, so a fixed date would
# make these tests fail a week after it.
DAY = (timezone.localdate() - timedelta(days=1)).isoformat()
WHEN = f"{DAY}T08:00:00+01:00"
PERSONNUMMER = "urn:oid:1.2.752.129.2.1.3.1"


def person(number: str) -> dict:
    """A subject by personnummer (the OID's system), as Swedish device platforms send it."""
    return {"identifier": {"system": PERSONNUMMER, "value": number}}


KIM = person("194405149057")  # the `kim` fixture, the at_home episode's patient


@pytest.fixture
def token(at_home, ward_nurse):
    code = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    return services.enrolment_claim_api(code=code).access_token


def quantity(loinc, value, unit, ident, when=WHEN, subject=KIM):
    return {
        "resourceType": "Observation",
        "status": "final",
        "subject": subject,
        "identifier": [{"system": "urn:device:tablet-1", "value": ident}],
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "effectiveDateTime": when,
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
    }


def blood_pressure(systolic, diastolic, ident, when=WHEN, subject=KIM):
    resource = quantity("85354-9", 0, "mm[Hg]", ident, when, subject)
    del resource["valueQuantity"]
    resource["component"] = [
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {
                "value": value,
                "system": "http://unitsofmeasure.org",
                "code": "mm[Hg]",
            },
        }
        for code, value in (("8480-6", systolic), ("8462-4", diastolic))
    ]
    return resource


def bundle(*resources, kind="batch"):
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {"resource": r, "request": {"method": "POST", "url": "Observation"}} for r in resources
        ],
    }


def post(client, body, token, url="monitoring:fhir_bundle"):
    return client.post(
        reverse(url),
        json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}" if token else "",
    )


def test_a_single_observation_is_stored(client, token, at_home):
    response = post(
        client, quantity("8867-4", 72, "/min", "p1"), token, "monitoring:fhir_observation"
    )
    assert response.status_code == 201 and response["Content-Type"] == "application/fhir+json"
    observation = ObservationSet.objects.get()
    assert observation.pulse == 72 and observation.source == "device"
    assert observation.measured_at.isoformat().startswith(f"{DAY}T07:00")


def test_a_batch_at_one_moment_becomes_one_set_with_its_news2(client, token, at_home):
    body = bundle(
        quantity("8867-4", 135, "/min", "p1"),
        quantity("59408-5", 91, "%", "s1"),
        blood_pressure(95, 60, "b1"),
        quantity("8310-5", 39.4, "Cel", "t1"),
        quantity("9279-1", 26, "/min", "r1"),
    )
    response = post(client, body, token)
    assert response.status_code == 200
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    assert statuses == ["201 Created"] * 5
    observation = ObservationSet.objects.get()
    assert (observation.systolic_bp, observation.diastolic_bp) == (95, 60)
    assert observation.news2_total == 13 and observation.news2_level == "high"
    assert Alert.objects.get().level == "high"


def test_a_duplicate_identifier_is_stored_once(client, token, at_home):
    body = bundle(quantity("8867-4", 72, "/min", "p1"), quantity("8310-5", 37.0, "Cel", "t1"))
    post(client, body, token)
    again = post(client, body, token)
    assert [e["response"]["status"] for e in again.json()["entry"]] == ["200 OK", "200 OK"]
    single = post(
        client, quantity("8867-4", 72, "/min", "p1"), token, "monitoring:fhir_observation"
    )
    assert single.status_code == 200
    assert ObservationSet.objects.count() == 1


@pytest.mark.parametrize(
    ("resource", "code", "expression"),
    [
        (quantity("1234-5", 72, "/min", "x"), "code-invalid", "Observation.code"),
        (quantity("8867-4", 72, "beats", "x"), "code-invalid", "Observation.valueQuantity.code"),
        (quantity("8867-4", "72", "/min", "x"), "value", "Observation.valueQuantity.value"),
        (
            quantity("8867-4", 72, "/min", "x") | {"status": "cancelled"},
            "value",
            "Observation.status",
        ),
        (
            quantity("8867-4", 72, "/min", "x") | {"identifier": []},
            "required",
            "Observation.identifier",
        ),
        (
            quantity("8867-4", 72, "/min", "x", when=DAY),
            "required",
            "Observation.effectiveDateTime",
        ),
        ({"resourceType": "Patient"}, "invalid", "Observation"),
    ],
)
def test_bad_observations_get_an_operation_outcome_and_nothing_is_stored(
    client, token, at_home, resource, code, expression
):
    response = post(client, resource, token, "monitoring:fhir_observation")
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert {(i["code"], i["expression"][0]) for i in outcome["issue"]} >= {(code, expression)}
    assert not ObservationSet.objects.exists()


def test_one_bad_entry_rejects_the_whole_transaction(client, token, at_home):
    body = bundle(
        quantity("8867-4", 72, "/min", "p1"),
        quantity("59408-5", 91, "percent", "s1"),
        kind="transaction",
    )
    response = post(client, body, token)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == [
        "Bundle.entry[1].resource.valueQuantity.code"
    ]
    assert not ObservationSet.objects.exists()


def test_one_bad_entry_of_a_batch_is_answered_alone(client, token, at_home):
    body = bundle(quantity("8867-4", 72, "/min", "p1"), quantity("59408-5", 91, "percent", "s1"))
    response = post(client, body, token)
    assert response.status_code == 200 and response.json()["type"] == "batch-response"
    first, second = (e["response"] for e in response.json()["entry"])
    assert first["status"] == "201 Created"
    assert second["status"] == "400 Bad Request"
    assert second["outcome"]["issue"][0]["expression"] == [
        "Bundle.entry[1].resource.valueQuantity.code"
    ]
    assert ObservationSet.objects.get().pulse == 72


def test_an_impossible_value_is_a_business_rule_error(client, token, at_home):
    response = post(
        client, quantity("59408-5", 140, "%", "s1"), token, "monitoring:fhir_observation"
    )
    assert (
        response.status_code == 422 and "Saturation" in response.json()["issue"][0]["diagnostics"]
    )
    assert not ObservationSet.objects.exists()


def test_a_wrong_or_missing_token_is_401(client, at_home):
    response = post(client, quantity("8867-4", 72, "/min", "p1"), "not-a-token")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert post(client, quantity("8867-4", 72, "/min", "p1"), None).status_code == 401


def test_another_patient_as_subject_is_403(client, token, at_home):
    resource = quantity("8867-4", 72, "/min", "p1") | {
        "subject": {
            "identifier": {
                "system": "http://electronichealth.se/identifier/personnummer",
                "value": "191212121212",
            }
        }
    }
    assert post(client, resource, token, "monitoring:fhir_observation").status_code == 403
    resource["subject"]["identifier"]["value"] = "194405149057"
    assert post(client, resource, token, "monitoring:fhir_observation").status_code == 201


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        json_values,
        st.builds(
            lambda resource, mutation: {**resource, **mutation},
            st.just(quantity("8867-4", 72, "/min", "fuzz")),
            st.dictionaries(
                st.sampled_from(
                    [
                        "status",
                        "code",
                        "valueQuantity",
                        "effectiveDateTime",
                        "identifier",
                        "category",
                        "component",
                    ]
                ),
                json_values,
                max_size=3,
            ),
        ),
    )
)
def test_no_input_gives_a_500(client, token, at_home, body):
    response = post(client, body, token)
    assert response.status_code in {200, 201, 400, 403, 422}
    if response.status_code >= 400:
        assert response.json()["resourceType"] == "OperationOutcome"
