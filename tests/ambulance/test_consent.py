"""The consent to the ambulance being informed: recorded and revoked by the ward of the
episode from the patient page; anybody else is refused and nothing changes."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from hemma.accounts.models import Staff
from hemma.ambulance.selectors import ambulance_rows
from hemma.patients.models import AmbulanceConsent
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def consent_url(patient, action):
    return reverse("patients:ambulance_consent", args=[patient.pk, action])


def test_the_ward_gives_and_revokes_the_consent(client, ward_nurse, paramedic, at_home, agreement):
    patient = at_home.patient
    client_for(client, ward_nurse)
    page = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert consent_url(patient, "give") in page
    assert client.post(consent_url(patient, "give")).status_code == 302
    assert client.post(consent_url(patient, "give")).status_code == 302  # idempotent
    assert AmbulanceConsent.objects.filter(patient=patient, revoked_at=None).count() == 1
    page = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert "Samtycker till att ambulansen informeras" in page
    assert ambulance_rows(paramedic, paramedic.units.get())
    assert client.post(consent_url(patient, "revoke")).status_code == 302
    consent = AmbulanceConsent.objects.get(patient=patient)
    assert consent.revoked_at is not None and consent.revoked_by == ward_nurse
    assert not ambulance_rows(paramedic, paramedic.units.get())


def test_the_visiting_team_may_not_record_it(client, home_nurse, at_home):
    response = client_for(client, home_nurse).post(consent_url(at_home.patient, "give"))
    assert response.status_code == 403
    assert not AmbulanceConsent.objects.exists()


def test_the_ambulance_may_not_record_it(client, paramedic, ward_nurse, ward, at_home):
    AmbulanceConsent.objects.create(
        patient=at_home.patient, recorded_by=ward_nurse, recorded_unit=ward
    )
    response = client_for(client, paramedic).post(consent_url(at_home.patient, "revoke"))
    assert response.status_code == 404  # the consent form is part of the health record
    assert AmbulanceConsent.objects.get().revoked_at is None


def test_the_demo_ambulance_sees_lisa_and_loading_again_adds_no_consent():
    call_command("load_demo", quiet=True)
    call_command("load_demo", quiet=True)
    olle = Staff.objects.get(user__username="olle.amb")
    rows = ambulance_rows(olle, olle.units.get())
    assert [row.patient.first_name for row in rows] == ["Lisa"]
    assert rows[0].safety_place and rows[0].call_112 and rows[0].ward_phone
    assert AmbulanceConsent.objects.filter(revoked_at=None).count() == 2
