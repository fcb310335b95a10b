"""The access policy matrix (patientdatalagen, inre sekretess) and its access log."""

import re
import uuid

import pytest
from django.urls import reverse

from hemma.audit.models import AccessLogEntry
from hemma.patients.models import CareRelationship, EmergencyAccess

GRANTED, DENIED = "granted", "denied"


def detail(patient_or_id):
    key = getattr(patient_or_id, "pk", patient_or_id)
    return reverse("patients:detail", kwargs={"patient_id": key})


def only_log_entry(**filters):
    entries = list(AccessLogEntry.objects.filter(**filters))
    assert len(entries) == 1, entries
    return entries[0]


@pytest.mark.django_db
class TestPatientPage:
    def test_a_ward_nurse_sees_a_ward_patient(self, as_ward_nurse, ward_nurse, ward, kim):
        response = as_ward_nurse.get(detail(kim))
        assert response.status_code == 200
        assert "Kim Testsson" in response.content.decode()
        entry = only_log_entry(patient=kim)
        assert (entry.user, entry.unit, entry.action, entry.purpose, entry.outcome) == (
            ward_nurse.user,
            ward,
            "view_patient",
            "care",
            GRANTED,
        )
        assert entry.staff_hsa_id == ward_nurse.hsa_id

    def test_a_home_health_nurse_sees_a_patient_of_her_unit(self, as_home_nurse, home_health, lisa):
        assert as_home_nurse.get(detail(lisa)).status_code == 200
        assert only_log_entry(patient=lisa).unit == home_health

    def test_a_home_health_nurse_cannot_see_a_ward_only_patient(
        self, as_home_nurse, home_nurse, kim
    ):
        response = as_home_nurse.get(detail(kim))
        assert response.status_code == 404
        assert "Kim" not in response.content.decode()
        entry = only_log_entry(patient=kim)
        assert (entry.user, entry.outcome) == (home_nurse.user, DENIED)

    def test_the_outsider_sees_nothing(self, as_outsider, kim, lisa, omar):
        for patient in (kim, lisa, omar):
            assert as_outsider.get(detail(patient)).status_code == 404
        assert AccessLogEntry.objects.filter(outcome=DENIED).count() == 3
        listing = as_outsider.get(reverse("patients:list")).content.decode()
        assert "Testsson" not in listing

    def test_an_unknown_patient_is_404_and_logged_as_denied(self, as_ward_nurse, ward_nurse):
        missing = uuid.uuid4()
        assert as_ward_nurse.get(detail(missing)).status_code == 404
        entry = only_log_entry(user=ward_nurse.user)
        assert entry.outcome == DENIED
        assert entry.patient is None
        assert str(missing) in entry.detail

    def test_unknown_and_forbidden_look_the_same(self, as_home_nurse, kim):
        missing = uuid.uuid4()
        forbidden = as_home_nurse.get(detail(kim))
        unknown = as_home_nurse.get(detail(missing))
        assert forbidden.status_code == unknown.status_code == 404

        def normalised(response, key):
            text = re.sub(
                r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()
            )
            return text.replace(str(key), "ID")

        assert normalised(forbidden, kim.pk) == normalised(unknown, missing)

    def test_an_ended_care_relationship_no_longer_gives_access(self, as_ward_nurse, ward, kim):
        from django.utils import timezone

        CareRelationship.objects.filter(patient=kim, unit=ward).update(ended_at=timezone.now())
        assert as_ward_nurse.get(detail(kim)).status_code == 404

    def test_access_through_a_second_unit_is_logged_with_that_unit(
        self, client, ward, home_health, lisa, kim
    ):
        from tests.conftest import client_for, make_staff

        both = make_staff("both", "nurse", home_health, ward)  # acting for home health first
        client_for(client, both)
        assert client.get(detail(kim)).status_code == 200
        assert only_log_entry(patient=kim).unit == ward

    def test_a_superuser_without_a_staff_profile_sees_no_patient(self, client, kim):
        from django.contrib.auth import get_user_model

        root = get_user_model().objects.create_superuser("root", password="x-root-password")
        client.force_login(root)
        assert client.get(detail(kim)).status_code == 403

    def test_every_read_writes_exactly_one_entry(self, as_ward_nurse, kim):
        for expected in (1, 2, 3):
            as_ward_nurse.get(detail(kim))
            assert AccessLogEntry.objects.filter(patient=kim).count() == expected

    def test_anonymous_users_are_sent_to_login(self, client, kim):
        response = client.get(detail(kim))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert not AccessLogEntry.objects.exists()


@pytest.mark.django_db
class TestEmergencyAccess:
    url = reverse("patients:emergency_access")

    def test_it_requires_a_reason(self, as_home_nurse, kim):
        response = as_home_nurse.post(self.url, {"personal_number": "19440514-9057", "reason": ""})
        assert response.status_code == 200
        assert "Detta fält måste fyllas i" in response.content.decode()
        assert not EmergencyAccess.objects.exists()
        assert as_home_nurse.get(detail(kim)).status_code == 404

    def test_a_too_short_reason_is_refused(self, as_home_nurse, kim):
        response = as_home_nurse.post(
            self.url, {"personal_number": "19440514-9057", "reason": "akut"}
        )
        assert response.status_code == 200
        assert not EmergencyAccess.objects.exists()

    def test_with_a_reason_it_opens_the_patient_logs_and_flags_it(
        self, as_home_nurse, home_nurse, home_health, kim
    ):
        reason = "Patienten medvetslös i hemmet, behöver läkemedelslistan"
        response = as_home_nurse.post(
            self.url, {"personal_number": "194405149057", "reason": reason}
        )
        assert response.status_code == 302
        assert response["Location"] == detail(kim)
        access = EmergencyAccess.objects.get()
        assert (access.staff, access.unit, access.patient, access.reviewed_at) == (
            home_nurse,
            home_health,
            kim,
            None,
        )
        grant = only_log_entry(action="emergency_access")
        assert (grant.purpose, grant.outcome, grant.detail) == ("emergency", GRANTED, reason)

        page = as_home_nurse.get(detail(kim))
        assert page.status_code == 200
        assert "Nödåtkomst" in page.content.decode()
        view = only_log_entry(action="view_patient")
        assert (view.purpose, view.outcome) == ("emergency", GRANTED)

    def test_an_expired_emergency_access_no_longer_opens_the_patient(self, as_home_nurse, kim):
        from datetime import timedelta

        from django.utils import timezone

        as_home_nurse.post(
            self.url, {"personal_number": "194405149057", "reason": "Akut försämring, ringer 112"}
        )
        access = EmergencyAccess.objects.get()
        EmergencyAccess.objects.filter(pk=access.pk).update(
            created_at=timezone.now() - timedelta(hours=10),
            expires_at=timezone.now() - timedelta(hours=1),
        )
        assert as_home_nurse.get(detail(kim)).status_code == 404

    def test_an_unknown_number_is_logged_and_answered_clearly(self, as_home_nurse):
        response = as_home_nurse.post(
            self.url,
            {"personal_number": "19121212-1212", "reason": "Akut, patienten kan inte svara"},
        )
        assert response.status_code == 200
        assert "Ingen patient med personnummer 19121212-1212" in response.content.decode()
        assert not EmergencyAccess.objects.exists()
        assert only_log_entry(action="emergency_access").outcome == DENIED

    def test_an_invalid_number_is_a_form_error(self, as_home_nurse):
        response = as_home_nurse.post(
            self.url,
            {"personal_number": "19121212-1213", "reason": "Akut, patienten kan inte svara"},
        )
        assert "Kontrollsiffran stämmer inte" in response.content.decode()
        assert not AccessLogEntry.objects.exists()
