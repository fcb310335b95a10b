"""Issue 13: the episode worklist lists only the patients the unit may list
(hemma.patients.policy.patients_visible_to / health_record_patients_visible_to), logs every
patient it shows, and costs the same number of queries for 1 patient as for 10."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.carerequests.models import CareRequest
from hemma.coordination.models import Task
from hemma.episodes.models import Episode, Referral
from hemma.patients.models import CareRelationship, SharingConsent
from tests.conftest import make_patient
from tests.flow import send_home_health_request, to_agreed

pytestmark = pytest.mark.django_db

WORKLIST = reverse("episodes:worklist")
NUMBERS = [
    "19440514-9057",
    "19380508-9145",
    "19350404-9135",
    "19400401-9180",
    "19370314-9132",
    "19121212-1212",
    "19391027-9193",
    "19410303-9188",
    "19450617-9136",
    "19430909-9176",
]


@pytest.fixture
def at_home(ward, ward_nurse, physician, home_health):
    """A patient at home through the real flow: an agreement with today's activities, a
    care request to home health care and one task of home health care's."""

    def make(patient):
        episode = to_agreed(patient=patient, ward=ward, nurse=ward_nurse, physician=physician)
        send_home_health_request(episode, ward_nurse, home_health)
        Episode.objects.filter(pk=episode.pk).update(
            state="at_home", at_home_since=timezone.now(), home_health_unit=home_health
        )
        Task.objects.create(
            title="Kontrollera PICC",
            owner_unit=home_health,
            episode=episode,
            patient=patient,
            due_on=timezone.localdate(),
        )
        episode.refresh_from_db()
        return episode

    return make


def revoke_consent(patient):
    SharingConsent.objects.filter(patient=patient).update(revoked_at=timezone.now())


def listed(patient, unit=None):
    entries = AccessLogEntry.objects.filter(
        action="list_patients", detail="episode worklist", patient=patient
    )
    return entries.filter(unit=unit) if unit is not None else entries


class TestWhatTheWorklistShows:
    def test_a_revoked_consent_hides_lisa_from_home_health_at_once(
        self, at_home, lisa, as_home_nurse, home_health
    ):
        at_home(lisa)
        body = as_home_nurse.get(WORKLIST).content.decode()
        assert body.count("Lisa Testsson") >= 3  # the incoming request, today, the task
        assert "Byte av antibiotikapump" in body
        revoke_consent(lisa)
        body = as_home_nurse.get(WORKLIST).content.decode()
        assert "Lisa Testsson" not in body
        assert "Byte av antibiotikapump" not in body and "Kontrollera PICC" not in body

    def test_the_ward_lists_its_own_episodes_only_while_its_relationship_lasts(
        self, make_episode, kim, ward, as_ward_nurse
    ):
        make_episode(kim, state="preparing")
        assert "Kim Testsson" in as_ward_nurse.get(WORKLIST).content.decode()
        CareRelationship.objects.filter(patient=kim, unit=ward).update(ended_at=timezone.now())
        assert "Kim Testsson" not in as_ward_nurse.get(WORKLIST).content.decode()

    def test_a_home_care_unit_lists_no_health_record(
        self, lisa, ward, home_care, needs_assessor, client
    ):
        # Even an episode naming home care as its visiting unit (a data error) stays hidden:
        # home care's relationship opens only its own requests (Scope.SOL).
        CareRelationship.objects.create(patient=lisa, unit=home_care)
        Episode.objects.create(
            patient=lisa,
            ward=ward,
            home_health_unit=home_care,
            created_by=needs_assessor,
            state="preparing",
        )
        client.force_login(needs_assessor.user)
        body = client.get(WORKLIST).content.decode()
        assert "Lisa Testsson" not in body and "Förbereds" not in body

    def test_home_care_sees_its_incoming_request_only_with_consent(
        self, at_home, omar, ward_nurse, home_care, needs_assessor, client
    ):
        from datetime import timedelta

        from hemma.carerequests.services import care_request_send

        episode = at_home(omar)
        care_request_send(
            staff=ward_nurse,
            unit=episode.ward,
            episode=episode,
            kind="home_care",
            to_unit=home_care,
            reason="Tillsyn",
            start_at=timezone.now() + timedelta(hours=3),
            interventions="Tillsyn morgon och kväll",
        )
        client.force_login(needs_assessor.user)
        assert "Omar Testsson" in client.get(WORKLIST).content.decode()
        revoke_consent(omar)
        assert "Omar Testsson" not in client.get(WORKLIST).content.decode()

    def test_primary_care_lists_referrals_of_its_patients_only(
        self, make_episode, omar, kim, physician, primary_care, coordinator, client
    ):
        # Omar is listed with the centre (a relationship); Kim's relationship has ended.
        referrals = [
            Referral.objects.create(
                episode=make_episode(patient, state="discharged"),
                to_unit=primary_care,
                text=f"Remiss för {patient.first_name}",
                created_by=physician,
            )
            for patient in (omar, kim)
        ]
        CareRelationship.objects.filter(patient=kim).update(ended_at=timezone.now())
        client.force_login(coordinator.user)
        body = client.get(WORKLIST).content.decode()
        assert referrals[0].text in body and referrals[1].text not in body


class TestLogging:
    def test_every_patient_shown_is_logged_once(
        self, at_home, lisa, kim, omar, home_health, as_home_nurse, make_episode
    ):
        at_home(lisa)
        # Kim appears only through a task of home health care's (no episode of its).
        CareRelationship.objects.create(patient=kim, unit=home_health)
        SharingConsent.objects.create(patient=kim)
        Task.objects.create(
            title="Ring Kim", owner_unit=home_health, patient=kim, due_on=timezone.localdate()
        )
        as_home_nurse.get(WORKLIST)
        assert listed(lisa, home_health).count() == 1
        assert listed(kim, home_health).count() == 1
        assert not listed(omar).exists()

    def test_hidden_patients_are_not_logged(self, at_home, lisa, as_home_nurse):
        at_home(lisa)
        revoke_consent(lisa)
        as_home_nurse.get(WORKLIST)
        assert not listed(lisa).exists()


class TestQueryCount:
    """The worklist costs the same for one patient as for ten."""

    def _count(self, client):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(WORKLIST).status_code == 200
        return len(queries)

    def test_home_health(self, at_home, as_home_nurse, settings):
        settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every display logs its patients
        patients = [make_patient(number, f"P{i}") for i, number in enumerate(NUMBERS)]
        at_home(patients[0])
        self._count(as_home_nurse)  # warm the per-process caches
        one = self._count(as_home_nurse)
        for patient in patients[1:]:
            at_home(patient)
        assert CareRequest.objects.count() == 10 and Task.objects.count() >= 10
        assert self._count(as_home_nurse) == one

    def test_the_ward(self, at_home, as_ward_nurse, ward, settings):
        from hemma.episodes.services import safety_beds_ensure

        settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0
        safety_beds_ensure(ward=ward)
        patients = [make_patient(number, f"P{i}", ward) for i, number in enumerate(NUMBERS)]
        at_home(patients[0])
        self._count(as_ward_nurse)
        one = self._count(as_ward_nurse)
        for patient in patients[1:]:
            at_home(patient)
        assert self._count(as_ward_nurse) == one
