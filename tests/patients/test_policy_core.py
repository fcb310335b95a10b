"""The policy's three questions, by hand: see (and which part), list, and the care team;
and the access log's batched list entries with the repeat window."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record_many
from hemma.patients import policy
from hemma.patients.models import CareRelationship, SharingConsent
from tests.conftest import make_patient, make_staff

pytestmark = pytest.mark.django_db


def _visible(staff, unit=None):
    return set(policy.patients_visible_to(staff, unit))


def test_revoked_consent_hides_the_patient_from_municipal_lists_only(
    lisa, ward, home_health, ward_nurse, home_nurse
):
    assert lisa in _visible(home_nurse, home_health)
    SharingConsent.objects.filter(patient=lisa).update(revoked_at=timezone.now())
    assert lisa not in _visible(home_nurse, home_health)
    assert lisa not in _visible(home_nurse)
    assert lisa in _visible(ward_nurse, ward)


def test_a_relationship_in_its_grace_period_lists_and_one_beyond_does_not(kim, ward, ward_nurse):
    relationship = CareRelationship.objects.get(patient=kim, unit=ward)
    now = timezone.now()
    relationship.ended_at = now + timedelta(days=3)
    relationship.save()
    assert kim in _visible(ward_nurse, ward)
    CareRelationship.objects.filter(pk=relationship.pk).update(
        started_at=now - timedelta(days=60), ended_at=now - timedelta(days=30)
    )
    assert kim not in _visible(ward_nurse, ward)
    decision = policy.decide_patient_access(staff=ward_nurse, acting_unit=ward, patient=kim)
    assert not decision.granted


def test_a_list_shows_the_acting_units_patients_not_the_other_units(
    kim, lisa, ward, home_health, primary_care
):
    both = make_staff("both", "nurse", ward, home_health)
    omar_like = make_patient("19121212-1212", "Tolvan", home_health)
    assert _visible(both, home_health) == {lisa, omar_like}
    assert kim in _visible(both, ward) and omar_like not in _visible(both, ward)


def test_a_log_reviewer_membership_opens_no_record(lisa, ward, home_health):
    reviewer = make_staff("rev", "administrator", ward, home_health, role="log_reviewer")
    assert not policy.decide_patient_access(staff=reviewer, acting_unit=ward, patient=lisa).granted
    assert _visible(reviewer) == set()


def test_home_care_reads_only_the_sol_part(home_care, needs_assessor, ward, home_health):
    patient = make_patient("19121212-1212", "Tolvan", ward, home_care)
    decision = policy.decide_patient_access(
        staff=needs_assessor, acting_unit=home_care, patient=patient
    )
    assert decision.granted and decision.scope == policy.Scope.SOL
    assert not decision.health_record
    assert patient in _visible(needs_assessor, home_care)
    assert set(policy.health_record_patients_visible_to(needs_assessor, home_care)) == set()


def test_the_listing_centre_manages_the_care_team_outside_an_episode(
    kim, ward, primary_care, home_health, ward_nurse, coordinator, home_nurse
):
    assert policy.may_add_to_care_team(staff=coordinator, unit=primary_care, patient=kim)
    assert not policy.may_add_to_care_team(staff=ward_nurse, unit=ward, patient=kim)
    ward_relationship = CareRelationship.objects.get(patient=kim, unit=ward)
    # a unit ends its own relationship; the manager ends others; nobody else does
    assert policy.may_end_relationship(staff=ward_nurse, unit=ward, relationship=ward_relationship)
    assert policy.may_end_relationship(
        staff=coordinator, unit=primary_care, relationship=ward_relationship
    )
    assert not policy.may_end_relationship(
        staff=home_nurse, unit=home_health, relationship=ward_relationship
    )


def test_a_list_writes_one_entry_per_patient_in_one_insert(ward, ward_nurse):
    patients = [
        make_patient(number, name, ward)
        for number, name in (("19121212-1212", "Tolvan"), ("19440514-9057", "Kim"))
    ]
    with CaptureQueriesContext(connection) as queries:
        written = access_log_record_many(
            staff=ward_nurse, unit=ward, patients=patients, action="list_patients", detail="w"
        )
    assert written == 2
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    entries = AccessLogEntry.objects.filter(action="list_patients")
    assert {e.patient_id for e in entries} == {p.pk for p in patients}
    assert {e.unit_id for e in entries} == {ward.pk}


def test_an_unchanged_redisplay_within_the_window_is_not_logged_again(
    settings, ward, ward_nurse, kim
):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 5
    for _ in range(3):
        access_log_record_many(
            staff=ward_nurse, unit=ward, patients=[kim], action="list_patients", detail="poll"
        )
    assert AccessLogEntry.objects.filter(patient=kim, detail="poll").count() == 1
    # another list (another detail) is another read
    access_log_record_many(
        staff=ward_nurse, unit=ward, patients=[kim], action="list_patients", detail="other"
    )
    assert AccessLogEntry.objects.filter(patient=kim).count() == 2


def test_the_repeat_window_can_be_turned_off(settings, ward, ward_nurse, kim):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0
    for _ in range(2):
        access_log_record_many(
            staff=ward_nurse, unit=ward, patients=[kim], action="list_patients", detail="p"
        )
    assert AccessLogEntry.objects.filter(patient=kim).count() == 2


def test_an_empty_list_is_still_on_record(ward, ward_nurse):
    access_log_record_many(
        staff=ward_nurse, unit=ward, patients=[], action="search", detail="Nobody"
    )
    entry = AccessLogEntry.objects.get(action="search")
    assert entry.patient is None and entry.detail == "Nobody"
