"""Blocking (spärr) through FHIR: a system client of another care provider does not get what
a unit the patient blocked documented – readings, lab results, recorded doses, the
agreement, the episode – not in a search, a read, its _history or $everything, while the
blocked unit's own care provider still does, and it is back once the block is lifted. A
care request (ServiceRequest, Task) stays with its sender and addressee."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.careplans.models import Agreement
from hemma.carerequests.models import CareRequest
from hemma.episodes.models import Episode
from hemma.labs.models import LabResult
from hemma.medication import services as medication
from hemma.medication.models import DoseAdministration, MedicationItem
from hemma.monitoring.models import ObservationSet
from hemma.patients.blocks import block_lift, block_record

from .conftest import access_token, get, register, valid_r4
from .test_service_request_create import post as ehr_post
from .test_service_request_create import service_request

pytestmark = pytest.mark.django_db
READ = "system/Patient.read system/Encounter.read system/Observation.read"


@pytest.fixture
def lisa():
    call_command("load_demo", quiet=True)
    return Episode.objects.select_related("ward", "home_health_unit").get(
        patient__first_name="Lisa", state="at_home"
    )


def ids(response):
    assert response.status_code == 200, response.json()
    return {e["resource"]["id"] for e in valid_r4(response.json()).get("entry", [])}


def test_a_blocked_wards_readings_are_not_served_to_the_municipality(client, lisa, rsa_key, ec_key):
    ward_set = ObservationSet.objects.filter(episode=lisa).exclude(source="home_health").first()
    assert ward_set is not None
    register("hsv", lisa.home_health_unit, ec_key, scopes=READ)
    municipal = access_token(client, ec_key, "hsv", READ)
    register("cosmic", lisa.ward, rsa_key, scopes=READ)
    ward = access_token(client, rsa_key, "cosmic", READ)
    search = {"patient": str(lisa.patient_id), "_count": 200}
    before = ids(get(client, "/fhir/Observation", municipal, **search))
    assert any(i.startswith(f"{ward_set.pk}-") for i in before)

    anna = Staff.objects.get(user__username="anna.ssk")
    block_record(staff=anna, unit=lisa.ward, patient=lisa.patient, blocked_unit=lisa.ward)

    after = ids(get(client, "/fhir/Observation", municipal, **search))
    assert not any(i.startswith(f"{ward_set.pk}-") for i in after)
    one = next(i for i in before if i.startswith(f"{ward_set.pk}-"))
    assert get(client, f"/fhir/Observation/{one}", municipal).status_code == 404
    everything = ids(get(client, f"/fhir/Patient/{lisa.patient_id}/$everything", municipal))
    assert one not in everything and str(lisa.patient_id) in everything
    # The ward's own care provider is not affected.
    assert one in ids(get(client, "/fhir/Observation", ward, **search))
    assert get(client, f"/fhir/Observation/{one}", ward).status_code == 200


# --- the other documentation in the API (lab results, doses, the agreement, the episode) ---

CASE_READ = " ".join(
    f"system/{t}.read"
    for t in (
        "Patient",
        "Encounter",
        "Observation",
        "CarePlan",
        "Task",
        "ServiceRequest",
        "MedicationAdministration",
        "MedicationRequest",
    )
)
WRITE = f"{CASE_READ} system/ServiceRequest.write"
VISIBLE = {"search": True, "$everything": True, "read": 200, "_history": 200}
HIDDEN = {"search": False, "$everything": False, "read": 404, "_history": 404}


@pytest.fixture
def tokens(client, lisa, rsa_key, ec_key):
    """A client of the ward (the region) and one of the home health unit (the
    municipality): two care providers."""
    register("hsv", lisa.home_health_unit, ec_key, scopes=CASE_READ)
    register("cosmic", lisa.ward, rsa_key, scopes=WRITE)
    return {
        "region": access_token(client, rsa_key, "cosmic", WRITE),
        "municipality": access_token(client, ec_key, "hsv", CASE_READ),
    }


def typed_ids(response):
    assert response.status_code == 200, response.json()
    return {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in valid_r4(response.json()).get("entry", [])
    }


def seen(client, token, lisa, reference):
    """Where the client finds the resource: its type's search for the patient, $everything,
    the read and its _history."""
    resource_type = reference.split("/")[0]
    search = {"patient": str(lisa.patient_id), "_count": 200}
    if resource_type == "Observation":
        search["category"] = "laboratory"
    patient = lisa.patient_id
    return {
        "search": reference in typed_ids(get(client, f"/fhir/{resource_type}", token, **search)),
        "$everything": reference
        in typed_ids(get(client, f"/fhir/Patient/{patient}/$everything", token)),
        "read": get(client, f"/fhir/{reference}", token).status_code,
        "_history": get(client, f"/fhir/{reference}/_history", token).status_code,
    }


def denied_reads(reference) -> int:
    return AccessLogEntry.objects.filter(
        outcome="denied", detail__contains=f"FHIR {reference}"
    ).count()


def ward_lab(lisa):
    result = LabResult.objects.filter(episode=lisa, unit=lisa.ward).first()
    assert result is not None  # the demo's ward results
    return f"Observation/lab-{result.pk}"


def home_health_dose(lisa):
    # The first dose still due (the demo gives the ones due before the load).
    dose = (
        DoseAdministration.objects.filter(episode=lisa, status="planned").order_by("due_at").first()
    )
    medication.dose_record(
        staff=Staff.objects.get(user__username="karin.hsv"),
        unit=lisa.home_health_unit,
        dose=dose,
        outcome="given",
        given_at=dose.due_at,
        now=dose.due_at + timedelta(minutes=5),
    )
    return f"MedicationAdministration/{dose.pk}"


def patient_dose(lisa):
    """A dose the patient recorded (no recording unit): the owning ward's documentation,
    as the patient's own readings are."""
    reference = home_health_dose(lisa)
    DoseAdministration.objects.filter(pk=reference.split("/")[1]).update(
        recorded_unit=None, recorded_by=None, by_patient=True, self_administered=True
    )
    return reference


def medication_request(lisa):
    item = MedicationItem.objects.filter(version__episode=lisa).order_by("pk").first()
    assert item.version.unit == lisa.ward
    return f"MedicationRequest/{item.pk}"


def care_plan(lisa):
    return f"CarePlan/{Agreement.objects.get(episode=lisa).pk}"


def encounter(lisa):
    return f"Encounter/{lisa.pk}"


@pytest.mark.parametrize(
    ("what", "blocked", "documenting", "other"),
    [
        # a lab result the ward entered: the ward blocked, the municipality's client
        (ward_lab, "ward", "region", "municipality"),
        # a dose home health care recorded: home health blocked, the region's client
        (home_health_dose, "home_health_unit", "municipality", "region"),
        # a dose the patient recorded: the ward blocked, the municipality's client
        (patient_dose, "ward", "region", "municipality"),
        # the medication list (every version the ward saved)
        (medication_request, "ward", "region", "municipality"),
        # the agreement (author: the owning ward)
        (care_plan, "ward", "region", "municipality"),
        # the episode (serviceProvider: the owning ward, whose documentation it is)
        (encounter, "ward", "region", "municipality"),
    ],
    ids=[
        "lab Observation",
        "MedicationAdministration",
        "MedicationAdministration by the patient",
        "MedicationRequest",
        "CarePlan",
        "Encounter",
    ],
)
def test_a_blocked_units_documentation_is_hidden_from_another_care_provider_only(
    client, lisa, tokens, what, blocked, documenting, other
):
    reference = what(lisa)
    assert seen(client, tokens[other], lisa, reference) == VISIBLE
    anna = Staff.objects.get(user__username="anna.ssk")
    block = block_record(
        staff=anna, unit=lisa.ward, patient=lisa.patient, blocked_unit=getattr(lisa, blocked)
    )

    denied_before = denied_reads(reference)
    assert seen(client, tokens[other], lisa, reference) == HIDDEN
    assert denied_reads(reference) == denied_before + 2  # the read and the _history: denied
    # The blocked unit's own care provider still reads it.
    assert seen(client, tokens[documenting], lisa, reference) == VISIBLE

    block_lift(staff=anna, unit=lisa.ward, patient=lisa.patient, block_id=block.pk)
    assert seen(client, tokens[other], lisa, reference) == VISIBLE


def test_a_care_request_stays_with_its_sender_and_addressee(client, lisa, tokens):
    """A care request (ServiceRequest and its Task) is sent by the ward to the receiving
    unit: a direct disclosure between the two, not hidden from them by a block of the
    ward."""
    request = CareRequest.objects.filter(episode=lisa, to_unit=lisa.home_health_unit).first()
    assert request is not None
    anna = Staff.objects.get(user__username="anna.ssk")
    block_record(staff=anna, unit=lisa.ward, patient=lisa.patient, blocked_unit=lisa.ward)
    for reference in (f"Task/{request.pk}", f"ServiceRequest/{request.pk}"):
        assert seen(client, tokens["municipality"], lisa, reference) == VISIBLE


def test_the_lab_results_of_an_unblocked_unit_stay_and_the_blocked_encounter_is_not_included(
    client, lisa, tokens
):
    own = LabResult.objects.filter(episode=lisa, unit=lisa.home_health_unit).first()
    if own is None:  # the demo's results at the visit are home health care's
        own = LabResult.objects.create(
            episode=lisa,
            analyte="crp",
            value=12,
            taken_at=lisa.at_home_since,
            source="home_health",
            entered_by=Staff.objects.get(user__username="karin.hsv"),
            unit=lisa.home_health_unit,
        )
    anna = Staff.objects.get(user__username="anna.ssk")
    block_record(staff=anna, unit=lisa.ward, patient=lisa.patient, blocked_unit=lisa.ward)
    found = typed_ids(
        get(
            client,
            "/fhir/Observation",
            tokens["municipality"],
            patient=str(lisa.patient_id),
            category="laboratory",
            _include="Observation:encounter",
        )
    )
    assert f"Observation/lab-{own.pk}" in found
    assert ward_lab(lisa) not in found
    assert encounter(lisa) not in found  # its serviceProvider is the blocked ward
    assert encounter(lisa) not in typed_ids(
        get(client, "/fhir/Encounter", tokens["municipality"], patient=str(lisa.patient_id))
    )


def test_a_blocked_senders_care_request_is_hidden_from_a_third_unit(client, lisa, tokens):
    """A care request the ward sent to home care is the ward's documentation for anyone
    but its sender and addressee: home health care (another care provider than the ward,
    neither sender nor addressee) loses it while the ward is blocked."""
    home_care = Unit.objects.get(kind="home_care")
    sent = ehr_post(client, service_request(lisa, home_care), tokens["region"])
    assert sent.status_code == 201, sent.json()
    rid = sent.json()["id"]
    references = (f"Task/{rid}", f"ServiceRequest/{rid}")
    for reference in references:
        assert seen(client, tokens["municipality"], lisa, reference) == VISIBLE
    anna = Staff.objects.get(user__username="anna.ssk")
    block = block_record(staff=anna, unit=lisa.ward, patient=lisa.patient, blocked_unit=lisa.ward)
    for reference in references:
        assert seen(client, tokens["municipality"], lisa, reference) == HIDDEN
        assert seen(client, tokens["region"], lisa, reference) == VISIBLE
    block_lift(staff=anna, unit=lisa.ward, patient=lisa.patient, block_id=block.pk)
    for reference in references:
        assert seen(client, tokens["municipality"], lisa, reference) == VISIBLE
