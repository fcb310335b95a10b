"""Hostile search input: every answer a 4xx OperationOutcome or a result, never a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import access_token, get, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def wide_token(client, ward, ec_key):
    register("wide", ward, ec_key, scopes="system/*.read")
    return access_token(client, ec_key, "wide", "system/*.read")


URLS = [
    "/fhir/Patient",
    "/fhir/Encounter",
    "/fhir/Observation",
    "/fhir/CarePlan",
    "/fhir/Organization",
    "/fhir/Practitioner",
    "/fhir/Consent",
]


@pytest.mark.parametrize(
    "url, params",
    [
        ("/fhir/Observation", {"date": "ge9999-12-31"}),
        ("/fhir/Observation", {"date": "lt9999-12-31T23:59:59+00:00"}),
        ("/fhir/Observation", {"date": "9999"}),
        ("/fhir/Observation", {"date": "ge0001-01-01T00:00:00-14:00"}),
        ("/fhir/Observation", {"date": "0000-01-01"}),
        ("/fhir/Observation", {"_lastUpdated": "gt2026-02-30"}),
        ("/fhir/Patient", {"identifier": "urn:oid:1.2.752.129.2.1.3.1|\x00"}),
        ("/fhir/Organization", {"name": "\x00"}),
        ("/fhir/Practitioner", {"identifier": "a\x00b"}),
        ("/fhir/Observation", {"code": "http://loinc.org|\x00"}),
        ("/fhir/Observation", {"_count": "9" * 40}),
        ("/fhir/Observation", {"_cursor": "\x00"}),
        ("/fhir/Patient", {"_id": "x" * 5000}),
        ("/fhir/CarePlan", {"_cursor": ""}),  # found by the fuzzer on PostgreSQL
        ("/fhir/CareTeam", {"_cursor": "eA=="}),
        ("/fhir/Consent", {"_cursor": "eA=="}),
        # Found by tests/web/test_form_fuzz.py's kind of input: "²" passes str.isdigit()
        # (int() refuses it), 40 digits pass int() (no database column holds them).
        ("/fhir/PractitionerRole", {"organization": "Organization/²"}),
        ("/fhir/PractitionerRole", {"practitioner": "9" * 40}),
        ("/fhir/Observation", {"_count": "²"}),
        ("/fhir/Practitioner", {"_cursor": "wrk="}),  # base64 of "²"
        ("/fhir/Observation", {"encounter": "9" * 40}),
        ("/fhir/Observation", {"encounter": "Encounter/²"}),
        ("/fhir/CarePlan", {"encounter": "9" * 40}),
        ("/fhir/Encounter", {"_id": "9" * 40}),
    ],
)
def test_absurd_search_values_get_a_clear_answer(client, wide_token, readings, url, params):
    response = get(client, url, wide_token, **params)
    assert response.status_code in (200, 400), (url, params, response.status_code)
    assert response["Content-Type"] == "application/fhir+json"
    if response.status_code == 400:
        assert response.json()["resourceType"] == "OperationOutcome"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    url=st.sampled_from(URLS),
    name=st.sampled_from(
        ["date", "patient", "identifier", "name", "_count", "_cursor", "code", "status", "_include"]
    ),
    value=st.text(st.characters(blacklist_categories=["Cs"]), max_size=40),
)
def test_fuzzed_search_parameters_never_give_a_500(client, wide_token, readings, url, name, value):
    response = get(client, url, wide_token, **{name: value})
    assert response.status_code in (200, 400), (url, name, value, response.status_code)


def test_undecodable_bytes_in_the_query_get_a_400(client, wide_token, readings):
    for query in ("status=%ED%B3%BF", "name=%FF%FE", "%00=1"):
        response = client.get(
            "/fhir/Encounter", QUERY_STRING=query, HTTP_AUTHORIZATION=f"Bearer {wide_token}"
        )
        assert response.status_code in (200, 400), query


def test_a_failing_database_is_a_500_outcome_not_an_html_page(
    client, wide_token, readings, monkeypatch
):
    from django.db import OperationalError

    from hemma.fhirapi import selectors, services

    def gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "observation_search", gone)
    response = get(client, "/fhir/Observation", wide_token)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/fhir+json"
    assert response.json()["issue"][0]["code"] == "exception"
    assert "closed" not in response.content.decode()  # no internals leak

    monkeypatch.setattr(services, "system_token_issue", gone)
    token = client.post("/oauth/token", {"grant_type": "client_credentials"})
    assert token.status_code == 500
    assert token.json()["error"] == "server_error"


READ_TYPES = [
    "Patient",
    "Encounter",
    "Observation",
    "AuditEvent",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "CarePlan",
    "CareTeam",
    "Consent",
    "ServiceRequest",
    "Task",
]


@pytest.mark.parametrize("resource_type", READ_TYPES)
@pytest.mark.parametrize("resource_id", ["9" * 40, "9" * 40 + "-hr", "0", "9" * 64])
def test_a_read_of_an_id_no_row_can_have_is_not_found(
    client, wide_token, readings, resource_type, resource_id
):
    for url in (
        f"/fhir/{resource_type}/{resource_id}",
        f"/fhir/{resource_type}/{resource_id}/_history",
    ):
        response = get(client, url, wide_token)
        assert response.status_code in (403, 404), (url, response.status_code)
