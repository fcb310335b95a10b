"""Bundles with their R4 semantics: a batch's entries are independent (a bad entry gets
its own 4xx response, the others are stored), a transaction is all or nothing (one bad
entry or conflict: a 4xx OperationOutcome naming the entries, nothing stored, no alert).
Only batch and transaction are processed; an entry must create an Observation."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from hemma.monitoring import services
from hemma.monitoring.models import Alert, DeviceApiToken, FhirIdentifier, ObservationSet, Reading
from tests.monitoring.test_fhir_api import bundle, person, post, quantity
from tests.monitoring.test_fhir_hardening import assert_outcome

pytestmark = pytest.mark.django_db
OBSERVATION = "monitoring:fhir_observation"


@pytest.fixture
def token(at_home, ward_nurse):
    code = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    return services.enrolment_claim_api(code=code).access_token


def at(minutes: float = 0) -> str:
    base = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    return (base + timedelta(minutes=minutes)).isoformat()


def vitals(tag: str = "v", when: str | None = None, pulse: int = 72) -> list[dict]:
    """Pulse, SpO2 and temperature at one moment (pulse 135 alerts: NEWS2 3 for one)."""
    when = when or at()
    return [
        quantity("8867-4", pulse, "/min", f"{tag}-hr", when),
        quantity("59408-5", 96, "%", f"{tag}-spo2", when),
        quantity("8310-5", 37.1, "Cel", f"{tag}-temp", when),
    ]


def stored() -> tuple[int, int, int, int]:
    return (
        ObservationSet.objects.count(),
        Reading.objects.count(),
        FhirIdentifier.objects.count(),
        Alert.objects.count(),
    )


def statuses(response) -> list[str]:
    return [entry["response"]["status"] for entry in response.json()["entry"]]


def expressions(outcome: dict) -> set[str]:
    return {issue["expression"][0] for issue in outcome["issue"]}


# --- Bundle types ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["collection", "document", "message", "batch-response", None])
def test_only_batch_and_transaction_bundles_are_processed(client, token, at_home, kind):
    body = bundle(*vitals(), kind=kind)
    outcome = assert_outcome(post(client, body, token), 400)
    assert outcome["issue"][0]["expression"] == ["Bundle.type"]
    assert "batch or transaction" in outcome["issue"][0]["diagnostics"]
    assert stored() == (0, 0, 0, 0)


def test_an_unknown_element_of_the_bundle_fails_it_whole(client, token, at_home):
    body = bundle(*vitals()) | {"signatures": []}
    outcome = assert_outcome(post(client, body, token), 400)
    assert outcome["issue"][0]["code"] == "structure"
    assert expressions(outcome) == {"Bundle.signatures"}
    assert stored() == (0, 0, 0, 0)


# --- Batch: entries are independent ---------------------------------------------------


def test_a_batch_stores_its_valid_entries_and_answers_the_invalid_one_alone(client, token, at_home):
    body = bundle(*vitals())
    body["entry"][2]["resource"]["effectiveDateTime"] = "2026-11-25T08:00:00+0000"
    response = post(client, body, token)
    assert response.status_code == 200 and response.json()["type"] == "batch-response"
    assert statuses(response) == ["201 Created", "201 Created", "400 Bad Request"]
    outcome = response.json()["entry"][2]["response"]["outcome"]
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "value"
    assert outcome["issue"][0]["expression"] == ["Bundle.entry[2].resource.effectiveDateTime"]
    observation = ObservationSet.objects.get()
    assert (observation.pulse, observation.spo2, observation.temperature) == (72, 96, None)
    assert not FhirIdentifier.objects.filter(value="v-temp").exists()


@pytest.mark.parametrize("method", ["DELETE", "PUT", "GET", "PATCH", "HEAD"])
def test_a_batch_entry_that_is_not_a_create_is_400_and_not_stored(client, token, at_home, method):
    body = bundle(*vitals())
    body["entry"][0]["request"] = {"method": method, "url": "Observation/1"}
    response = post(client, body, token)
    assert statuses(response) == ["400 Bad Request", "201 Created", "201 Created"]
    issue = response.json()["entry"][0]["response"]["outcome"]["issue"][0]
    assert (
        issue["expression"] == ["Bundle.entry[0].request.method"] and "POST" in issue["diagnostics"]
    )
    assert ObservationSet.objects.get().pulse is None
    assert not FhirIdentifier.objects.filter(value="v-hr").exists()


@pytest.mark.parametrize(
    ("change", "expression"),
    [
        ({"request": {"method": "POST", "url": "Patient"}}, "Bundle.entry[0].request.url"),
        ({"request": {"method": "POST"}}, "Bundle.entry[0].request.url"),
        ({"request": {"method": "WIPE", "url": "Observation"}}, "Bundle.entry[0].request.method"),
        ({"response": {"status": "200"}, "unknown": 1}, "Bundle.entry[0].unknown"),
        # A Patient is matched, not created: under the Observation's url it is refused.
        ({"resource": {"resourceType": "Patient"}}, "Bundle.entry[0].request.url"),
        ({"resource": None}, "Bundle.entry[0]"),
        ({"search": "x"}, "Bundle.entry[0].search"),
    ],
    ids=["url Patient", "no url", "unknown method", "unknown element", "a Patient", "empty", "x"],
)
def test_a_malformed_batch_entry_is_answered_alone(client, token, at_home, change, expression):
    body = bundle(*vitals())
    body["entry"][0] = {k: v for k, v in (body["entry"][0] | change).items() if v is not None}
    response = post(client, body, token)
    assert response.status_code == 200
    assert statuses(response) == ["400 Bad Request", "201 Created", "201 Created"]
    assert expression in expressions(response.json()["entry"][0]["response"]["outcome"])
    assert ObservationSet.objects.get().pulse is None


def test_a_batch_entry_for_another_patient_is_403_alone(client, token, at_home):
    resources = vitals()
    resources[1]["subject"] = {"reference": f"Patient/{uuid.UUID(int=7)}"}
    response = post(client, bundle(*resources), token)
    assert statuses(response) == ["201 Created", "403 Forbidden", "201 Created"]
    issue = response.json()["entry"][1]["response"]["outcome"]["issue"][0]
    assert issue["code"] == "forbidden"
    assert issue["expression"] == ["Bundle.entry[1].resource.subject"]
    assert ObservationSet.objects.get().spo2 is None


@pytest.mark.parametrize(
    ("value", "when", "message"),
    [(140, None, "Saturation"), (96, "future", "framtiden"), (96, "old", "vecka")],
)
def test_a_batch_entry_that_cannot_be_stored_is_422_alone(
    client, token, at_home, value, when, message
):
    moment = {
        None: at(),
        "future": (timezone.now() + timedelta(hours=2)).isoformat(),
        "old": (timezone.now() - timedelta(days=8)).isoformat(),
    }[when]
    resources = vitals()
    resources[1] = quantity("59408-5", value, "%", "v-spo2", moment)
    response = post(client, bundle(*resources), token)
    assert statuses(response) == ["201 Created", "422 Unprocessable Entity", "201 Created"]
    issue = response.json()["entry"][1]["response"]["outcome"]["issue"][0]
    assert issue["code"] == "business-rule" and message in issue["diagnostics"]
    assert issue["expression"] == ["Bundle.entry[1].resource"]
    assert ObservationSet.objects.get().spo2 is None
    assert not FhirIdentifier.objects.filter(value="v-spo2").exists()


def test_a_resent_entry_is_still_200_when_it_has_grown_old(client, token, at_home, monkeypatch):
    """The age check is for new readings: a resend of a stored one stays idempotent."""
    body = bundle(*vitals(when=(timezone.now() - timedelta(days=6)).isoformat()))
    assert statuses(post(client, body, token)) == ["201 Created"] * 3
    later = timezone.now() + timedelta(days=2)  # the readings are now eight days old
    monkeypatch.setattr(timezone, "now", lambda: later)
    # The device refreshed its (hour-long) access token meanwhile.
    DeviceApiToken.objects.update(access_expires_at=later + timedelta(hours=1))
    assert statuses(post(client, body, token)) == ["200 OK"] * 3
    assert stored()[:3] == (1, 1, 3)


def test_a_batch_of_only_bad_entries_is_a_batch_response_storing_nothing(client, token, at_home):
    resources = [r | {"category": []} for r in vitals()]
    response = post(client, bundle(*resources), token)
    assert response.status_code == 200
    assert statuses(response) == ["400 Bad Request"] * 3
    assert stored() == (0, 0, 0, 0)


def test_a_batch_keeps_409_for_an_identifier_conflict(client, token, at_home):
    post(client, quantity("8867-4", 72, "/min", "v-hr", at()), token, OBSERVATION)
    response = post(client, bundle(*vitals(pulse=150)), token)
    assert statuses(response) == ["409 Conflict", "201 Created", "201 Created"]
    assert ObservationSet.objects.get().pulse == 72


# --- Transaction: all or nothing ------------------------------------------------------


def test_a_transaction_is_answered_with_a_transaction_response(client, token, at_home):
    body = bundle(*vitals(), kind="transaction")
    for entry in body["entry"]:
        entry["fullUrl"] = f"urn:uuid:{uuid.uuid4()}"
    response = post(client, body, token)
    assert response.status_code == 200
    assert response.json()["type"] == "transaction-response"
    assert statuses(response) == ["201 Created"] * 3
    set_id = ObservationSet.objects.get().pk
    locations = [e["response"]["location"] for e in response.json()["entry"]]
    assert locations == [f"Observation/{set_id}-{p}" for p in ("pulse", "spo2", "temperature")]
    again = post(client, body, token)
    assert statuses(again) == ["200 OK"] * 3
    assert [e["response"]["location"] for e in again.json()["entry"]] == locations


def test_a_location_is_the_id_the_single_post_answers(client, token, at_home):
    when = at()
    single = post(client, quantity("8867-4", 72, "/min", "p1", when), token, OBSERVATION)
    assert single.status_code == 201
    for kind in ("batch", "transaction"):
        response = post(
            client, bundle(quantity("8867-4", 72, "/min", "p1", when), kind=kind), token
        )
        location = response.json()["entry"][0]["response"]["location"]
        assert (
            location == f"Observation/{single.json()['id']}" == single["Location"][-len(location) :]
        )


def post_transaction(client, token, resources):
    return post(client, bundle(*resources, kind="transaction"), token)


def test_an_invalid_entry_fails_the_transaction_and_nothing_is_stored(client, token, at_home):
    resources = vitals(pulse=135)  # would alert
    resources[1]["effectiveDateTime"] = "2026-11-25T03Z"
    resources[2]["identifier"] = [{"system": "not a uri", "value": "x"}]
    response = post_transaction(client, token, resources)
    outcome = assert_outcome(response, 400)
    assert expressions(outcome) == {
        "Bundle.entry[1].resource.effectiveDateTime",
        "Bundle.entry[2].resource.identifier[0].system",
    }
    assert stored() == (0, 0, 0, 0)


@pytest.mark.parametrize("method", ["DELETE", "PUT", "GET"])
def test_a_transaction_entry_that_is_not_a_create_fails_it(client, token, at_home, method):
    body = bundle(*vitals(pulse=135), kind="transaction")
    body["entry"][2]["request"] = {"method": method, "url": "Observation/1"}
    outcome = assert_outcome(post(client, body, token), 400)
    assert expressions(outcome) == {"Bundle.entry[2].request.method"}
    assert stored() == (0, 0, 0, 0)


def test_a_transaction_naming_another_patient_is_403(client, token, at_home):
    resources = vitals(pulse=135)
    resources[0]["subject"] = person("191212121212")
    outcome = assert_outcome(post_transaction(client, token, resources), 403)
    assert expressions(outcome) == {"Bundle.entry[0].resource.subject"}
    assert stored() == (0, 0, 0, 0)


def test_an_identifier_conflict_rolls_the_whole_transaction_back(client, token, at_home):
    """The conflict is found only once the store holds the episode's lock: what the
    transaction stored before it is rolled back, its alert too."""
    earlier = quantity("59408-5", 96, "%", "v-spo2", at(-30))
    assert post(client, earlier, token, OBSERVATION).status_code == 201
    before = stored()
    resources = vitals(pulse=135)  # v-spo2 again, at another time: a conflict
    outcome = assert_outcome(post_transaction(client, token, resources), 409)
    assert outcome["issue"][0]["code"] == "duplicate"
    assert expressions(outcome) == {"Bundle.entry[1].resource.identifier"}
    assert stored() == before and not Alert.objects.exists()
    assert not ObservationSet.objects.filter(pulse=135).exists()


def test_two_values_of_a_parameter_at_one_moment_fail_the_transaction(client, token, at_home):
    resources = [*vitals(), quantity("8867-4", 150, "/min", "other-hr", at())]
    outcome = assert_outcome(post_transaction(client, token, resources), 409)
    assert expressions(outcome) == {"Bundle.entry[3].resource"}
    assert stored() == (0, 0, 0, 0)


def test_an_impossible_value_fails_the_transaction_naming_its_entry(client, token, at_home):
    resources = vitals(pulse=135)
    resources[1] = quantity("59408-5", 140, "%", "v-spo2", at())
    outcome = assert_outcome(post_transaction(client, token, resources), 422)
    assert expressions(outcome) == {"Bundle.entry[1].resource"}
    assert stored() == (0, 0, 0, 0)


def test_a_repeated_full_url_is_invalid(client, token, at_home):
    body = bundle(*vitals(), kind="transaction")
    for entry in body["entry"]:
        entry["fullUrl"] = "urn:uuid:0b2a5a7e-1c5d-4a52-9a3e-4c1bd2d1e1a1"
    outcome = assert_outcome(post(client, body, token), 400)
    assert expressions(outcome) == {"Bundle.entry[1].fullUrl", "Bundle.entry[2].fullUrl"}
    assert stored() == (0, 0, 0, 0)


def test_a_transaction_of_a_thousand_entries_is_stored_whole(client, token, at_home):
    resources = [r for s in range(250) for r in vitals(f"s{s}", at(-6 * 24 * 60 + 6 * s))] + [
        quantity("9279-1", 16, "/min", f"r{s}", at(-6 * 24 * 60 + 6 * s)) for s in range(250)
    ]
    response = post_transaction(client, token, resources)
    assert response.status_code == 200 and set(statuses(response)) == {"201 Created"}
    assert ObservationSet.objects.count() == 250 and FhirIdentifier.objects.count() == 1000
