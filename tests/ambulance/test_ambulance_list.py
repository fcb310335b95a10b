"""The ambulance sees the consenting patients at home in its region – the safety place, the
instruction, the ward's number – and nothing of the health record; every row is logged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.episodes.models import Episode
from hemma.patients import policy
from hemma.patients.services import ambulance_consent_revoke
from tests.conftest import client_for, make_patient

from .conftest import CALL_112, CRITERION, IF_WORSE, consent

pytestmark = pytest.mark.django_db
LIST = reverse("ambulance:list")


def listed(client, paramedic):
    return client_for(client, paramedic).get(LIST).content.decode()


def test_a_consenting_patient_at_home_is_listed_with_what_the_crew_needs(
    client, paramedic, at_home, agreement, ward_nurse, ward
):
    kim = at_home.patient
    kim.street_address, kim.postal_code = "Storgatan 1", "791 71"
    kim.save()
    consent(kim, ward_nurse, ward)
    response = client_for(client, paramedic).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert kim.full_name in body and kim.formatted_personal_number in body
    assert "Storgatan 1" in body and "791 71" in body
    bed = at_home.bed_reservations.get().bed
    assert f"{ward.name}, {bed.label}" in body  # the safety place
    assert IF_WORSE in body and CALL_112 in body
    assert 'href="tel:023491122"' in body  # the agreement's ward number, tap to call
    assert "Dag 1 hemma" in body


def test_the_list_shows_nothing_of_the_health_record(
    client, paramedic, at_home, agreement, ward_nurse, ward
):
    at_home.flag_reason = "Pyelonefrit hemlig diagnos"
    at_home.save()
    consent(at_home.patient, ward_nurse, ward)
    body = listed(client, paramedic)
    assert "hemlig diagnos" not in body and CRITERION not in body
    assert "NEWS2" not in body and "Alex Testsson" not in body  # no readings, no next of kin
    assert reverse("episodes:detail", args=[at_home.pk]) not in body


def test_without_consent_the_patient_is_not_listed(client, paramedic, at_home, agreement):
    assert at_home.patient.full_name not in listed(client, paramedic)
    decision = policy.decide_patient_access(
        staff=paramedic, acting_unit=paramedic.units.get(), patient=at_home.patient
    )
    assert not decision.granted


def test_revoking_the_consent_removes_the_patient_at_once(
    client, paramedic, at_home, agreement, ward_nurse, ward
):
    consent(at_home.patient, ward_nurse, ward)
    assert at_home.patient.full_name in listed(client, paramedic)
    ambulance_consent_revoke(staff=ward_nurse, unit=ward, patient=at_home.patient)
    assert at_home.patient.full_name not in listed(client, paramedic)


@pytest.mark.parametrize("state", ["readmitted", "discharged", "preparing"])
def test_only_patients_at_home_are_listed(
    client, paramedic, at_home, agreement, ward_nurse, ward, state
):
    """In the safety bed (readmitted) the patient is in hospital: not the ambulance's."""
    consent(at_home.patient, ward_nurse, ward)
    Episode.objects.filter(pk=at_home.pk).update(state=state)
    assert at_home.patient.full_name not in listed(client, paramedic)


def test_another_regions_ambulance_does_not_see_the_patient(
    client, other_paramedic, at_home, agreement, ward_nurse, ward
):
    consent(at_home.patient, ward_nurse, ward)
    assert at_home.patient.full_name not in listed(client, other_paramedic)
    decision = policy.decide_patient_access(
        staff=other_paramedic, acting_unit=other_paramedic.units.get(), patient=at_home.patient
    )
    assert not decision.granted


def test_every_row_is_logged_once(client, paramedic, at_home, agreement, ward_nurse, ward):
    lisa = make_patient("19380508-9145", "Lisa", ward)
    Episode.objects.create(
        patient=lisa,
        ward=ward,
        created_by=ward_nurse,
        state="at_home",
        at_home_since=timezone.now(),
    )
    for patient in (at_home.patient, lisa):
        consent(patient, ward_nurse, ward)
    listed(client, paramedic)
    entries = AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.LIST_PATIENTS, detail="ambulance list"
    )
    assert sorted(entries.values_list("patient_id", flat=True)) == sorted(
        [at_home.patient.pk, lisa.pk]
    )
    assert {e.unit_id for e in entries} == {paramedic.units.get().pk}


def test_the_query_count_does_not_grow_with_the_patients(
    client, settings, paramedic, at_home, agreement, ward_nurse, ward
):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every display writes its rows
    consent(at_home.patient, ward_nurse, ward)
    client_for(client, paramedic).get(LIST)  # the session's first request
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for number, name in (("19380508-9145", "Lisa"), ("19350404-9135", "Omar")):
        patient = make_patient(number, name, ward)
        Episode.objects.create(
            patient=patient,
            ward=ward,
            created_by=ward_nurse,
            state="at_home",
            at_home_since=timezone.now(),
        )
        consent(patient, ward_nurse, ward)
    with CaptureQueriesContext(connection) as three:
        body = client.get(LIST).content.decode()
    assert "Omar" in body and "Lisa" in body
    assert len(three) == len(one)


@pytest.mark.parametrize("who", ["ward_nurse", "home_nurse", "outsider"])
def test_other_units_cannot_use_the_ambulance_page(
    client, request, at_home, agreement, ward_nurse, ward, who
):
    consent(at_home.patient, ward_nurse, ward)
    staff = request.getfixturevalue(who)
    response = client_for(client, staff).get(LIST)
    assert response.status_code == 403
    assert at_home.patient.last_name not in response.content.decode()
    assert AccessLogEntry.objects.filter(
        user=staff.user, outcome=AccessLogEntry.Outcome.DENIED
    ).exists()


def test_the_ambulance_reads_no_health_record_page(
    client, paramedic, at_home, agreement, ward_nurse, ward
):
    consent(at_home.patient, ward_nurse, ward)
    client_for(client, paramedic)
    for url in (
        reverse("episodes:detail", args=[at_home.pk]),
        reverse("monitoring:episode", args=[at_home.pk]),
        reverse("careplans:agreement", args=[at_home.pk]),
    ):
        assert client.get(url).status_code == 404, url
    # The patient page shows contact details only, like home care's (Scope.SOL).
    response = client.get(reverse("patients:detail", args=[at_home.patient.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "NEWS2" not in body and "Dag 1 hemma" not in body
    assert "Ambulansen ser patientens kontaktuppgifter" in body
    assert "Hemtjänsten ser" not in body


def test_the_ambulance_scope_opens_no_object_a_unit_holds(paramedic, at_home, ward_nurse, ward):
    consent(at_home.patient, ward_nurse, ward)
    unit = paramedic.units.get()
    decision = policy.decide_patient_access(
        staff=paramedic, acting_unit=unit, patient=at_home.patient
    )
    assert decision.granted and decision.scope == policy.Scope.AMBULANCE
    assert not decision.health_record
    assert not policy.decide_unit_access(
        staff=paramedic, unit=unit, patient=at_home.patient
    ).granted
    assert at_home.patient not in policy.patients_visible_to(paramedic, unit)


def test_the_ambulance_user_lands_on_the_list(client, paramedic):
    # The start page (issue 19): the ambulance's main task is its list.
    start = client_for(client, paramedic).get(reverse("home")).content.decode()
    assert 'data-card="ambulance"' in start and f'<a class="btn" href="{LIST}"' in start
    body = client.get(LIST).content.decode()
    assert f'href="{LIST}"' in body  # the menu link
