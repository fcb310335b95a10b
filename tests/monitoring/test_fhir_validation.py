"""A single vital-signs Observation (POST /fhir/Observation) validated with fhir.resources'
R4B model and the vital-signs profile: what a real device sends is accepted (°F, UCUM
annotations, effectivePeriod, an absent diastolic, a personnummer or Patient/<id> as
subject), and what is not FHIR or not this patient's is refused with nothing stored."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hemma.monitoring import services
from hemma.monitoring.models import Alert, FhirIdentifier, ObservationSet, Reading
from tests.monitoring.test_fhir_api import (
    KIM,
    blood_pressure,
    person,
    post,
    quantity,
)
from tests.monitoring.test_fhir_hardening import assert_outcome

pytestmark = pytest.mark.django_db
OBSERVATION = "monitoring:fhir_observation"


@pytest.fixture
def token(at_home, ward_nurse):
    code = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    return services.enrolment_claim_api(code=code).access_token


def at(minutes: float = 0) -> str:
    """A FHIR dateTime `minutes` after a moment an hour ago (readings are kept a week)."""
    base = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    return (base + timedelta(minutes=minutes)).isoformat()


def pulse(**changes) -> dict:
    return quantity("8867-4", 72, "/min", "p1", at()) | changes


def stored() -> tuple[int, int, int, int]:
    return (
        ObservationSet.objects.count(),
        Reading.objects.count(),
        FhirIdentifier.objects.count(),
        Alert.objects.count(),
    )


def assert_refused(response, status, code, expression):
    """The status, an issue with this code at this path, and nothing stored."""
    outcome = assert_outcome(response, status)
    found = {(issue["code"], issue["expression"][0]) for issue in outcome["issue"]}
    assert (code, expression) in found, found
    assert stored() == (0, 0, 0, 0)


# --- Accepted ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fahrenheit", "celsius"), [(98.6, "37.0"), (100.4, "38.0"), (102.2, "39.0"), (95, "35.0")]
)
def test_a_temperature_in_fahrenheit_is_stored_in_celsius(
    client, token, at_home, fahrenheit, celsius
):
    body = quantity("8310-5", fahrenheit, "[degF]", "t1", at())
    response = post(client, body, token, OBSERVATION)
    assert response.status_code == 201
    assert ObservationSet.objects.get().temperature == Decimal(celsius)


def test_a_fahrenheit_resend_is_the_same_reading(client, token, at_home):
    body = quantity("8310-5", 100.4, "[degF]", "t1", at())
    first = post(client, body, token, OBSERVATION)
    again = post(client, body, token, OBSERVATION)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and ObservationSet.objects.count() == 1


@pytest.mark.parametrize("unit", ["/min", "{beats}/min", "{breaths}/min"])
@pytest.mark.parametrize(("loinc", "field"), [("8867-4", "pulse"), ("9279-1", "respiration_rate")])
def test_rates_in_ucum_annotated_units_are_accepted(client, token, at_home, unit, loinc, field):
    response = post(client, quantity(loinc, 18, unit, "r1", at()), token, OBSERVATION)
    assert response.status_code == 201
    assert getattr(ObservationSet.objects.get(), field) == 18


def test_an_effective_period_is_stored_at_its_end(client, token, at_home):
    body = pulse(effectivePeriod={"start": at(0), "end": at(2)})
    del body["effectiveDateTime"]
    assert post(client, body, token, OBSERVATION).status_code == 201
    assert ObservationSet.objects.get().measured_at == datetime.fromisoformat(at(2))


def test_an_effective_period_without_an_end_is_stored_at_its_start(client, token, at_home):
    body = pulse(effectivePeriod={"start": at(0)})
    del body["effectiveDateTime"]
    assert post(client, body, token, OBSERVATION).status_code == 201
    assert ObservationSet.objects.get().measured_at == datetime.fromisoformat(at(0))


def test_a_panel_whose_diastolic_is_absent_stores_the_systolic(client, token, at_home):
    panel = blood_pressure(128, 80, "b1", at())
    del panel["component"][1]["valueQuantity"]
    panel["component"][1]["dataAbsentReason"] = {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "error"}
        ]
    }
    assert post(client, panel, token, OBSERVATION).status_code == 201
    observation = ObservationSet.objects.get()
    assert (observation.systolic_bp, observation.diastolic_bp) == (128, None)


def test_the_first_identifier_with_system_and_value_is_the_key(client, token, at_home):
    body = pulse(
        identifier=[
            {"value": "no-system"},
            {"system": "urn:cuff:serial", "use": "secondary"},
            {"system": "urn:device:tablet-1", "value": "key-1"},
        ]
    )
    first = post(client, body, token, OBSERVATION)
    again = post(client, body, token, OBSERVATION)
    assert (first.status_code, again.status_code) == (201, 200)
    assert list(FhirIdentifier.objects.values_list("system", "value")) == [
        ("urn:device:tablet-1", "key-1")
    ]
    assert first.json()["id"].endswith("-pulse")


@pytest.mark.parametrize(
    "subject",
    [
        person("4405149057"),
        person("440514-9057"),
        person("194405149057"),
        person("19440514-9057"),
        {
            "identifier": {
                "system": "http://electronichealth.se/identifier/personnummer",
                "value": "194405149057",
            }
        },
    ],
    ids=["10 digits", "10 with hyphen", "12 digits", "12 with hyphen", "electronichealth"],
)
def test_the_patients_personnummer_in_any_usual_form_is_the_subject(
    client, token, at_home, subject
):
    assert post(client, pulse(subject=subject), token, OBSERVATION).status_code == 201


def test_a_reference_to_the_patients_id_is_the_subject(client, token, at_home, kim):
    reference = {"reference": f"Patient/{kim.pk}"}
    assert post(client, pulse(subject=reference), token, OBSERVATION).status_code == 201
    both = {"reference": f"Patient/{kim.pk}", "identifier": KIM["identifier"]}
    second = quantity("8867-4", 80, "/min", "p2", at(10), subject=both)
    assert post(client, second, token, OBSERVATION).status_code == 201
    assert sorted(ObservationSet.objects.values_list("pulse", flat=True)) == [72, 80]


def test_a_created_observation_has_a_location_header(client, token, at_home):
    response = post(client, pulse(), token, OBSERVATION)
    assert response.status_code == 201
    fhir_id = response.json()["id"]
    assert response["Location"] == f"http://testserver/fhir/Observation/{fhir_id}"
    assert "Location" not in post(client, pulse(), token, OBSERVATION)  # a resend: 200


# --- Rejected: 400, nothing stored ------------------------------------------------------


def _without(resource: dict, *keys: str) -> dict:
    return {k: v for k, v in resource.items() if k not in keys}


VALID = pulse()
PERIOD = _without(VALID, "effectiveDateTime")
REJECTED = {
    "no category": (_without(VALID, "category"), "required", "Observation.category"),
    "another category": (
        VALID | {"category": [{"coding": [{"code": "laboratory"}]}]},
        "value",
        "Observation.category",
    ),
    "vital-signs in another system": (
        VALID | {"category": [{"coding": [{"system": "urn:other", "code": "vital-signs"}]}]},
        "value",
        "Observation.category",
    ),
    "no subject": (_without(VALID, "subject"), "required", "Observation.subject"),
    "subject only a display": (
        VALID | {"subject": {"display": "Kim"}},
        "required",
        "Observation.subject",
    ),
    "subject a string": (
        VALID | {"subject": "Patient/1"},
        "structure",
        "Observation.subject",
    ),
    "subject not a Patient": (
        VALID | {"subject": {"reference": "Group/1"}},
        "value",
        "Observation.subject.reference",
    ),
    "subject identifier of an unknown system": (
        VALID | {"subject": {"identifier": {"system": "urn:x", "value": "194405149057"}}},
        "not-supported",
        "Observation.subject.identifier.system",
    ),
    "subject personnummer with a wrong check digit": (
        VALID | {"subject": person("194405149058")},
        "value",
        "Observation.subject.identifier.value",
    ),
    "subject null": (VALID | {"subject": None}, "structure", "Observation.subject"),
    "null in an array": (VALID | {"category": [None]}, "structure", "Observation.category"),
    "an unknown element": (VALID | {"device": 1, "foo": 1}, "structure", "Observation.foo"),
    "an unknown nested element": (
        VALID | {"valueQuantity": VALID["valueQuantity"] | {"precision": 1}},
        "structure",
        "Observation.valueQuantity.precision",
    ),
    "the library's own fhir_comments": (
        VALID | {"fhir_comments": ["x"]},
        "structure",
        "Observation.fhir_comments",
    ),
    "the library's own status__ext": (
        VALID | {"status__ext": {"id": "x"}},
        "structure",
        "Observation.status__ext",
    ),
    "status a number": (VALID | {"status": 5}, "structure", "Observation.status"),
    "dateTime with +0000": (
        VALID | {"effectiveDateTime": "2026-11-25T08:00:00+0000"},
        "value",
        "Observation.effectiveDateTime",
    ),
    "dateTime T03Z": (
        VALID | {"effectiveDateTime": "2026-11-25T03Z"},
        "value",
        "Observation.effectiveDateTime",
    ),
    "dateTime without seconds": (
        VALID | {"effectiveDateTime": "2026-11-25T08:00+01:00"},
        "value",
        "Observation.effectiveDateTime",
    ),
    "dateTime without a time zone": (
        VALID | {"effectiveDateTime": "2026-11-25T08:00:00"},
        "value",
        "Observation.effectiveDateTime",
    ),
    "dateTime an impossible date": (
        VALID | {"effectiveDateTime": "2026-02-30T08:00:00+01:00"},
        "value",
        "Observation.effectiveDateTime",
    ),
    "dateTime a number": (
        VALID | {"effectiveDateTime": 1_700_000_000},
        "value",
        "Observation.effectiveDateTime",
    ),
    "dateTime only a year": (
        VALID | {"effectiveDateTime": "2026"},
        "required",
        "Observation.effectiveDateTime",
    ),
    "period with a date only": (
        PERIOD | {"effectivePeriod": {"start": "2026-11-25"}},
        "required",
        "Observation.effectivePeriod.start",
    ),
    "period without start or end": (
        PERIOD | {"effectivePeriod": {}},
        "required",
        "Observation.effectiveDateTime",
    ),
    "period ending before it starts": (
        PERIOD | {"effectivePeriod": {"start": at(2), "end": at(0)}},
        "invalid",
        "Observation.effectivePeriod",
    ),
    "effectiveInstant": (
        PERIOD | {"effectiveInstant": at(0)},
        "value",
        "Observation",
    ),
    "two effective[x]": (
        VALID | {"effectivePeriod": {"start": at(0)}},
        "invalid",
        "Observation",
    ),
    "identifier system with spaces": (
        VALID | {"identifier": [{"system": "not a uri", "value": "p1"}]},
        "value",
        "Observation.identifier[0].system",
    ),
    "identifier system relative": (
        VALID | {"identifier": [{"system": "abc", "value": "p1"}]},
        "value",
        "Observation.identifier[0].system",
    ),
    "a later identifier's system relative": (
        VALID
        | {
            "identifier": [
                {"system": "urn:device:tablet-1", "value": "p1"},
                {"system": "abc", "value": "x"},
            ]
        },
        "value",
        "Observation.identifier[1].system",
    ),
    "no identifier with system and value": (
        VALID | {"identifier": [{"value": "p1"}, {"system": "urn:x"}]},
        "required",
        "Observation.identifier",
    ),
    "value a string": (
        VALID | {"valueQuantity": VALID["valueQuantity"] | {"value": "72"}},
        "value",
        "Observation.valueQuantity.value",
    ),
    "value true": (
        VALID | {"valueQuantity": VALID["valueQuantity"] | {"value": True}},
        "value",
        "Observation.valueQuantity.value",
    ),
    "value and dataAbsentReason": (
        VALID | {"dataAbsentReason": {"text": "error"}},
        "invalid",
        "Observation.dataAbsentReason",
    ),
    "only a dataAbsentReason": (
        _without(VALID, "valueQuantity") | {"dataAbsentReason": {"text": "error"}},
        "required",
        "Observation.valueQuantity",
    ),
    "valueString": (
        _without(VALID, "valueQuantity") | {"valueString": "72"},
        "value",
        "Observation",
    ),
    "temperature in kelvin": (
        quantity("8310-5", 310, "K", "t1", at()),
        "code-invalid",
        "Observation.valueQuantity.code",
    ),
    "pulse in beats per second": (
        quantity("8867-4", 1.2, "/s", "p1", at()),
        "code-invalid",
        "Observation.valueQuantity.code",
    ),
}


@pytest.mark.parametrize(
    ("resource", "code", "expression"), REJECTED.values(), ids=list(REJECTED.keys())
)
def test_invalid_observations_are_400_with_the_path_and_nothing_is_stored(
    client, token, at_home, resource, code, expression
):
    response = post(client, resource, token, OBSERVATION)
    assert_refused(response, 400, code, expression)


def test_a_panel_whose_systolic_is_absent_is_400(client, token, at_home):
    panel = blood_pressure(128, 80, "b1", at())
    del panel["component"][0]["valueQuantity"]
    panel["component"][0]["dataAbsentReason"] = {"text": "error"}
    response = post(client, panel, token, OBSERVATION)
    assert_refused(response, 400, "required", "Observation.component")


def test_a_panel_component_without_value_or_reason_is_400(client, token, at_home):
    panel = blood_pressure(128, 80, "b1", at())
    del panel["component"][1]["valueQuantity"]
    response = post(client, panel, token, OBSERVATION)
    assert_refused(response, 400, "required", "Observation.component[1].valueQuantity")


def test_library_errors_are_mapped_to_issues_without_echoing_the_input(client, token, at_home):
    body = pulse(effectiveDateTime="2026-11-25T08:00:00+0000", secret="Kim Testsson")
    outcome = assert_outcome(post(client, body, token, OBSERVATION), 400)
    assert "Kim Testsson" not in str(outcome)
    for issue in outcome["issue"]:
        assert issue["code"] in {"structure", "value", "invalid", "required"}
        assert issue["expression"][0].startswith("Observation.")


# --- Another patient: 403, nothing stored -----------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        {"reference": f"Patient/{uuid.UUID(int=1)}"},
        {"reference": "Patient/not-a-uuid"},
        person("191212121212"),
        person("1212121212"),  # Tolvan, 2012 when no century is given
        person("121212-1212"),
    ],
    ids=["another uuid", "not a uuid", "12 digits", "10 digits", "10 with hyphen"],
)
def test_a_subject_naming_another_patient_is_403(client, token, at_home, subject):
    response = post(client, pulse(subject=subject), token, OBSERVATION)
    assert_refused(response, 403, "forbidden", "Observation.subject")


def test_another_patients_id_is_403(client, token, at_home, lisa):
    response = post(client, pulse(subject={"reference": f"Patient/{lisa.pk}"}), token, OBSERVATION)
    assert_refused(response, 403, "forbidden", "Observation.subject")


def test_a_subject_is_the_patient_only_if_every_form_given_names_them(client, token, at_home, kim):
    subject = {"reference": f"Patient/{kim.pk}", "identifier": person("191212121212")["identifier"]}
    response = post(client, pulse(subject=subject), token, OBSERVATION)
    assert_refused(response, 403, "forbidden", "Observation.subject")


# --- Values Hemma cannot store: 422, nothing stored -------------------------------------


@pytest.mark.parametrize(
    ("when", "message"),
    [(timedelta(hours=2), "framtiden"), (timedelta(days=-8), "vecka")],
    ids=["in the future", "over a week old"],
)
def test_a_time_hemma_does_not_take_is_422(client, token, at_home, when, message):
    body = pulse(effectiveDateTime=(timezone.now() + when).isoformat())
    outcome = assert_outcome(post(client, body, token, OBSERVATION), 422)
    assert message in outcome["issue"][0]["diagnostics"]
    assert stored() == (0, 0, 0, 0)
