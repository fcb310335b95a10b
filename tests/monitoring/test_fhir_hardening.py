"""Issue 14, first part: every FHIR reading stored exactly once and scored right, under any
input. Identifiers are per episode, never two values of one parameter at one moment, the
BP panel keeps its pulse, and hostile input is a 4xx OperationOutcome with nothing stored."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hemma.episodes.models import Episode
from hemma.monitoring import services
from hemma.monitoring.models import Alert, FhirIdentifier, ObservationSet
from hemma.monitoring.views import DEVICE_COOKIE
from tests.monitoring.test_fhir_api import DAY, blood_pressure, bundle, person, post, quantity

pytestmark = pytest.mark.django_db
FHIR_JSON = "application/fhir+json"
LISA = person("193805089145")  # the `lisa` fixture


def enrol(episode, staff) -> str:
    code = services.enrolment_issue(staff=staff, unit=episode.ward, episode=episode)
    return services.enrolment_claim_api(code=code).access_token


@pytest.fixture
def token(at_home, ward_nurse):
    return enrol(at_home, ward_nurse)


@pytest.fixture
def page_token(at_home, ward_nurse):
    """The patient page's cookie token (the FHIR API takes only API tokens)."""
    code = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    return services.enrolment_claim(code=code)


@pytest.fixture
def lisa_at_home(lisa, ward, home_health, ward_nurse):
    episode = Episode.objects.create(
        patient=lisa,
        ward=ward,
        home_health_unit=home_health,
        created_by=ward_nurse,
        state="at_home",
        tier="kim",
        at_home_since=timezone.now(),
    )
    return episode


def stored() -> tuple[int, int, int]:
    return (ObservationSet.objects.count(), FhirIdentifier.objects.count(), Alert.objects.count())


def assert_outcome(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == FHIR_JSON
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"] and all(
        issue["severity"] == "error" and issue["code"] and issue["diagnostics"]
        for issue in outcome["issue"]
    )
    return outcome


# --- 1. Identifiers are unique per episode ---------------------------------------------


def test_two_patients_devices_may_use_the_same_identifier(
    client, at_home, lisa_at_home, ward_nurse
):
    kims, lisas = enrol(at_home, ward_nurse), enrol(lisa_at_home, ward_nurse)
    first = post(client, quantity("8867-4", 72, "/min", "p1"), kims, "monitoring:fhir_observation")
    second = post(
        client,
        quantity("8867-4", 150, "/min", "p1", subject=LISA),
        lisas,
        "monitoring:fhir_observation",
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    lisa_set = ObservationSet.objects.get(episode=lisa_at_home)
    assert lisa_set.pulse == 150
    assert ObservationSet.objects.get(episode=at_home).pulse == 72
    alert = Alert.objects.get()
    assert alert.episode == lisa_at_home and alert.observation == lisa_set
    assert FhirIdentifier.objects.filter(system="urn:device:tablet-1", value="p1").count() == 2


def test_the_same_device_resending_an_identifier_is_still_idempotent(
    client, at_home, lisa_at_home, ward_nurse
):
    kims, lisas = enrol(at_home, ward_nurse), enrol(lisa_at_home, ward_nurse)
    lisas_reading = quantity("8867-4", 150, "/min", "p1", subject=LISA)
    post(client, lisas_reading, lisas, "monitoring:fhir_observation")
    first = post(client, quantity("8867-4", 72, "/min", "p1"), kims, "monitoring:fhir_observation")
    before = stored()
    again = post(client, quantity("8867-4", 72, "/min", "p1"), kims, "monitoring:fhir_observation")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    batch = post(client, bundle(quantity("8867-4", 72, "/min", "p1")), kims)
    set_id = ObservationSet.objects.get(episode=at_home).pk
    assert first.json()["id"] == f"{set_id}-pulse"  # readable at GET /fhir/Observation/<id>
    assert batch.json()["entry"][0]["response"] == {  # the id the single POST answered
        "status": "200 OK",
        "location": f"Observation/{set_id}-pulse",
    }
    assert stored() == before


def test_identifiers_are_kept_with_system_and_value_apart(client, token, at_home):
    """'a|b' + 'c' and 'a' + 'b|c' are two identifiers (the old joined key was one)."""
    first = quantity("8867-4", 72, "/min", "c")
    first["identifier"] = [{"system": "urn:a|b", "value": "c"}]
    second = quantity("8310-5", 37.0, "Cel", "x", when=f"{DAY}T09:00:00+01:00")
    second["identifier"] = [{"system": "urn:a", "value": "b|c"}]
    assert post(client, first, token, "monitoring:fhir_observation").status_code == 201
    assert post(client, second, token, "monitoring:fhir_observation").status_code == 201
    assert ObservationSet.objects.count() == 2


# --- 2. Never two values of one parameter at one moment ---------------------------------


def test_a_second_value_of_a_parameter_at_one_moment_is_rejected_not_dropped(
    client, token, at_home
):
    body = bundle(
        quantity("8867-4", 72, "/min", "p1"),
        quantity("8867-4", 150, "/min", "p2"),
        quantity("8310-5", 37.0, "Cel", "t1"),
    )
    response = post(client, body, token)
    assert response.status_code == 200
    entries = [e["response"] for e in response.json()["entry"]]
    assert [e["status"] for e in entries] == ["201 Created", "409 Conflict", "201 Created"]
    outcome = entries[1]["outcome"]
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "duplicate"
    assert outcome["issue"][0]["expression"] == ["Bundle.entry[1].resource"]
    observation = ObservationSet.objects.get()
    assert (observation.pulse, float(observation.temperature)) == (72, 37.0)
    assert not FhirIdentifier.objects.filter(value="p2").exists()


def test_two_heart_rates_at_distinct_times_are_both_stored(client, token, at_home):
    body = bundle(
        quantity("8867-4", 72, "/min", "p1"),
        quantity("8867-4", 150, "/min", "p2", when=f"{DAY}T08:05:00+01:00"),
    )
    response = post(client, body, token)
    assert [e["response"]["status"] for e in response.json()["entry"]] == ["201 Created"] * 2
    assert sorted(ObservationSet.objects.values_list("pulse", flat=True)) == [72, 150]


def test_one_identifier_for_two_different_readings_in_a_bundle_is_rejected(client, token, at_home):
    body = bundle(
        quantity("8867-4", 72, "/min", "p1"),
        quantity("8867-4", 80, "/min", "p1", when=f"{DAY}T08:05:00+01:00"),
    )
    entries = [e["response"] for e in post(client, body, token).json()["entry"]]
    assert [e["status"] for e in entries] == ["201 Created", "409 Conflict"]
    assert entries[1]["outcome"]["issue"][0]["expression"] == [
        "Bundle.entry[1].resource.identifier"
    ]
    assert ObservationSet.objects.get().pulse == 72


def test_the_blood_pressure_panel_keeps_its_pulse(client, token, at_home):
    panel = blood_pressure(120, 80, "b1")
    panel["component"].append(
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
            "valueQuantity": {"value": 135, "system": "http://unitsofmeasure.org", "code": "/min"},
        }
    )
    response = post(client, panel, token, "monitoring:fhir_observation")
    assert response.status_code == 201
    observation = ObservationSet.objects.get()
    assert (observation.systolic_bp, observation.diastolic_bp, observation.pulse) == (120, 80, 135)
    assert observation.news2_scores["pulse"] == 3  # pulse ≥ 131 scores 3 …
    assert Alert.objects.get().level == "low_medium"  # … and a single 3 alerts
    # The same pulse sent again as its own heart-rate Observation is one value, not two.
    same = bundle(panel | {"identifier": [{"system": "urn:cuff", "value": "b2"}]})
    same["entry"].append({"resource": quantity("8867-4", 135, "/min", "h2")})
    statuses = [e["response"]["status"] for e in post(client, same, token).json()["entry"]]
    assert statuses == ["201 Created", "201 Created"]


def test_a_panel_pulse_in_a_wrong_unit_is_rejected(client, token, at_home):
    panel = blood_pressure(120, 80, "b1")
    panel["component"].append(
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
            "valueQuantity": {"value": 70, "system": "http://unitsofmeasure.org", "code": "mm[Hg]"},
        }
    )
    response = post(client, panel, token, "monitoring:fhir_observation")
    outcome = assert_outcome(response, 400)
    assert outcome["issue"][0]["expression"] == ["Observation.component[2].valueQuantity.code"]
    assert stored() == (0, 0, 0)


# --- 3. Hostile input: a 4xx OperationOutcome, nothing stored ----------------------------


def _with(resource, **changes):
    return json.loads(json.dumps(resource)) | changes


PULSE = quantity("8867-4", 72, "/min", "p1")
LONG_SYSTEM = [{"system": "urn:" + "x" * 300, "value": "p1"}]
HOSTILE = {
    "nested 1,000 levels": ("fhir_bundle", "[" * 1000 + "]" * 1000, 400, "nested deeper"),
    "nested 100,000 levels": ("fhir_bundle", "[" * 100_000, 400, "nested deeper"),
    "nested 65 levels": ("fhir_observation", "{" + '"a":{' * 64 + "}" * 65, 400, "64 levels"),
    "NaN is not JSON": ("fhir_observation", '{"value": NaN}', 400, "NaN"),
    "not UTF-8": ("fhir_observation", b"\xff\xfe{}", 400, "UTF-8"),
    # The R4B model refuses a coding that is no array.
    "coding true": ("fhir_observation", _with(PULSE, code={"coding": True}), 400, "JSON array"),
    "coding a number": ("fhir_observation", _with(PULSE, code={"coding": 7}), 400, "JSON array"),
    "category coding true": (
        "fhir_observation",
        _with(PULSE, category=[{"coding": True}]),
        400,
        "JSON array",
    ),
    "value infinite": (
        "fhir_observation",
        json.dumps(PULSE).replace('"value": 72', '"value": 1e999'),
        400,
        "number",
    ),
    "surrogate in identifier": (
        "fhir_observation",
        json.dumps(_with(PULSE, identifier=[{"system": "urn:x", "value": "a\ud800"}])),
        400,
        "surrogate",
    ),
    "NUL in identifier": (
        "fhir_observation",
        _with(PULSE, identifier=[{"system": "urn:x", "value": "a\u0000"}]),
        400,
        "U+0000",
    ),
    "control character in a note": (
        "fhir_observation",
        _with(PULSE, note=[{"text": "a\u0001b"}]),
        400,
        "U+0001",
    ),
    "surrogate in a note": (
        "fhir_observation",
        json.dumps(_with(PULSE, note=[{"text": "\udfff"}])),
        400,
        "surrogate",
    ),
    "identifier system too long": (
        "fhir_observation",
        _with(PULSE, identifier=LONG_SYSTEM),
        400,
        "255",
    ),
    "identifier value too long": (
        "fhir_observation",
        _with(PULSE, identifier=[{"system": "urn:x", "value": "v" * 256}]),
        400,
        "255",
    ),
}


@pytest.mark.parametrize(
    ("url", "body", "status", "diagnostics"), HOSTILE.values(), ids=HOSTILE.keys()
)
def test_hostile_input_is_a_4xx_outcome_and_nothing_is_stored(
    client, token, at_home, url, body, status, diagnostics
):
    response = client.post(
        reverse(f"monitoring:{url}"),
        body if isinstance(body, str | bytes) else json.dumps(body),
        content_type=FHIR_JSON,
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    outcome = assert_outcome(response, status)
    assert diagnostics in " ".join(issue["diagnostics"] for issue in outcome["issue"])
    assert stored() == (0, 0, 0)


def test_the_identifier_limit_is_named_with_its_path(client, token, at_home):
    response = post(
        client, _with(PULSE, identifier=LONG_SYSTEM), token, "monitoring:fhir_observation"
    )
    issue = assert_outcome(response, 400)["issue"][0]
    assert issue["code"] == "too-long"
    assert issue["expression"] == ["Observation.identifier[0].system"]
    assert "255 characters" in issue["diagnostics"]


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        # A search is for system clients (docs/fhir.md): a device token is not one.
        ("get", "/fhir/Observation", 401, None),
        ("put", "/fhir", 405, "POST"),
        ("delete", "/fhir/", 405, "POST"),
        ("post", "/fhir/Patient", 405, "GET"),
        ("get", "/fhir/Questionnaire", 404, None),
        ("post", "/fhir/Observation/1/_history", 405, "GET"),
        ("post", "/fhir/Observation/1/_history/1/x", 404, None),
    ],
)
def test_errors_under_fhir_are_outcomes_not_html(
    client, token, at_home, method, path, status, allow
):
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_outcome(response, status)
    if allow:
        assert response["Allow"] == allow
    assert stored() == (0, 0, 0)


def test_a_body_over_the_limit_is_413(client, token, at_home, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = bundle(*[quantity("8867-4", 72, "/min", f"p{i}") for i in range(20)])
    assert_outcome(post(client, body, token), 413)
    assert stored() == (0, 0, 0)


def test_an_unexpected_error_is_a_500_outcome_and_nothing_is_stored(
    client, token, at_home, monkeypatch
):
    def broken(**kwargs):
        services.observation_record(
            episode=kwargs["episode"],
            values={"pulse": 72},
            source="device",
            client_id="half-done",
            measured_at=timezone.now(),
        )
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "fhir_observations_store", broken)
    client.raise_request_exception = False
    response = post(client, PULSE, token, "monitoring:fhir_observation")
    outcome = assert_outcome(response, 500)
    assert "boom" not in json.dumps(outcome)  # no internals leak
    assert stored() == (0, 0, 0)  # the half-done set was rolled back


# --- The patient's own form: a form error, never a 500 ----------------------------------


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"values": {"systolic_bp": "hög", "diastolic_bp": 80}}, "Systoliskt"),
        ({"values": {"pulse": 72}, "measured_at": "2026-13-45T08:00:00+01:00"}, "Mättiden"),
        ({"values": {"pulse": 72}, "measured_at": "2026-13-45"}, "Mättiden"),
        ({"values": {"pulse": 72}, "measured_at": "2026-11-25T08:00:00+99:00"}, "Mättiden"),
        ({"values": {"pulse": 72}, "measured_at": "i morse"}, "Mättiden"),
        ({"values": {"pulse": 72}, "client_id": "a\ud800"}, "id"),
        ({"values": {"pulse": 72}, "client_id": "a\u0000"}, "id"),
        ({"values": {"pulse": 72}, "note": "ont\u0000"}, "tecken"),
        ({"values": {"pulse": 72}, "note": "\udc00"}, "tecken"),
    ],
)
def test_the_patients_form_answers_bad_input_with_a_form_error(
    client, page_token, at_home, payload, message
):
    client.cookies[DEVICE_COOKIE] = page_token
    response = client.post(
        reverse("monitoring:patient_submit"),
        json.dumps({"client_id": "r1"} | payload),
        content_type="application/json",
    )
    assert response.status_code in (400, 422) and message in response.json()["error"]
    # 400 malformed, 422 the values: never retried (tests/monitoring/test_patient_submit.py)
    assert response.json()["retry"] is False
    assert stored() == (0, 0, 0)


def test_the_patients_form_survives_deep_json(client, page_token, at_home):
    client.cookies[DEVICE_COOKIE] = page_token
    response = client.post(
        reverse("monitoring:patient_submit"), "[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400 and not response.json()["ok"]


# --- Property: no generated input gives a 5xx, and a rejection stores nothing -------------

edge_text = st.text(
    alphabet=st.characters(codec=None, categories=None, min_codepoint=0, max_codepoint=0x10FFFF)
    | st.sampled_from(["\ud800", "\udfff", "\u0000", "\u001f", "\ufeff", "é", "😀", "|"]),
    max_size=12,
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | edge_text
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(edge_text, children, max_size=3)
    ),
    max_leaves=12,
)
FIELDS = [
    "status",
    "code",
    "valueQuantity",
    "effectiveDateTime",
    "identifier",
    "category",
    "component",
    "subject",
]


def nested(depth: int) -> str:
    return '{"resourceType":"Bundle","entry":' + "[" * depth + "]" * depth + "}"


bodies = st.one_of(
    json_values.map(json.dumps),
    st.builds(
        lambda mutation: json.dumps({**PULSE, **mutation}),
        st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=3),
    ),
    st.builds(
        lambda mutation: json.dumps(
            bundle({**PULSE, **mutation}, quantity("8310-5", 37.0, "Cel", "t"))
        ),
        st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=2),
    ),
    st.integers(min_value=1, max_value=3000).map(nested),
    edge_text,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies, url=st.sampled_from(["monitoring:fhir_observation", "monitoring:fhir_bundle"]))
def test_generated_input_never_gives_a_5xx_and_a_rejection_stores_nothing(
    client, token, at_home, body, url
):
    before = stored()
    response = client.post(
        reverse(url),
        body.encode("utf-8", "surrogatepass"),
        content_type=FHIR_JSON,
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code < 500
    assert response["Content-Type"] == FHIR_JSON
    if response.status_code >= 400:
        assert response.json()["resourceType"] == "OperationOutcome"
        assert stored() == before
