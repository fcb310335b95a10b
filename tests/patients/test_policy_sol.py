"""Home care (SoL) reads what its own request needs: the patient's contact details, not
the health record; it changes none of the record's patient data."""

import pytest
from django.urls import reverse

from hemma.audit.models import AccessLogEntry
from hemma.coordination.models import FrailtyScreening
from hemma.patients.models import NextOfKin
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def tolvan(ward, home_care, ward_nurse):
    patient = make_patient("19121212-1212", "Tolvan", ward, home_care, street_address="Gatan 1")
    FrailtyScreening.objects.create(
        patient=patient, level=6, assessed_on="2026-11-01", assessed_by=ward_nurse, unit=ward
    )
    NextOfKin.objects.create(patient=patient, name="Kim Kin", relation="son", phone="0701740606")
    return patient


def test_home_care_sees_contact_details_but_not_the_health_record(client, tolvan, needs_assessor):
    client.force_login(needs_assessor.user)
    response = client.get(reverse("patients:detail", args=[tolvan.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Gatan 1" in body and "Kim Kin" in body
    assert "CFS 6" not in body and "Skörhet" not in body
    assert reverse("patients:edit", args=[tolvan.pk]) not in body
    assert reverse("patients:next_of_kin_add", args=[tolvan.pk]) not in body


def test_the_ward_sees_the_health_record_part(client, tolvan, ward_nurse):
    client.force_login(ward_nurse.user)
    body = client.get(reverse("patients:detail", args=[tolvan.pk])).content.decode()
    assert "CFS 6" in body
    assert reverse("patients:edit", args=[tolvan.pk]) in body


@pytest.mark.parametrize(
    "name, data",
    [
        ("patients:edit", {"first_name": "X"}),
        ("patients:next_of_kin_add", {"name": "X", "relation": "vän", "phone": "0701740607"}),
    ],
)
def test_home_care_changes_none_of_the_patient_data(client, tolvan, needs_assessor, name, data):
    client.force_login(needs_assessor.user)
    response = client.post(reverse(name, args=[tolvan.pk]), data)
    assert response.status_code == 404
    tolvan.refresh_from_db()
    assert tolvan.first_name == "Tolvan"
    assert NextOfKin.objects.filter(patient=tolvan).count() == 1
    denied = AccessLogEntry.objects.filter(
        user=needs_assessor.user, outcome="denied", patient=tolvan
    )
    assert denied.exists()
    # refused once, not "granted, then refused": the extract shows no read
    granted = AccessLogEntry.objects.filter(user=needs_assessor.user, outcome="granted")
    assert not granted.exists()
