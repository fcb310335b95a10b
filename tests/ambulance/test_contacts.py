"""112 calls and ambulance missions recorded on the episode: by the ambulance that sees
the patient or by the ward, shown on the ward's episode timeline; validated; refused to
everybody else with nothing written."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.ambulance.models import AmbulanceContact
from hemma.ambulance.services import ambulance_contact_record
from hemma.audit.models import AccessLogEntry
from hemma.errors import NotAllowed
from hemma.patients.models import AmbulanceConsent
from tests.conftest import client_for, make_staff

from .conftest import consent

pytestmark = pytest.mark.django_db


def form(**overrides):
    data = {
        "kind": "call_112",
        "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "summary": "Andningsbesvär, bedömd i hemmet",
        "transported": "on",
        "note": "Lämnad på trygghetsplatsen",
    }
    return {**data, **overrides}


def url(episode):
    return reverse("ambulance:contact", args=[episode.pk])


def test_the_crew_records_a_112_call_and_the_ward_sees_it_on_the_timeline(
    client, paramedic, ward_nurse, ward, at_home, agreement
):
    consent(at_home.patient, ward_nurse, ward)
    response = client_for(client, paramedic).post(url(at_home), form())
    assert response.status_code == 302
    contact = AmbulanceContact.objects.get()
    assert contact.kind == "call_112" and contact.transported
    assert contact.unit == paramedic.units.get() and contact.recorded_by == paramedic
    assert AccessLogEntry.objects.filter(
        user=paramedic.user,
        patient=at_home.patient,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail__startswith="ambulance contact call_112 recorded",
    ).exists()
    page = client_for(client, ward_nurse).get(reverse("episodes:detail", args=[at_home.pk]))
    body = page.content.decode()
    assert 'id="ambulance-contacts"' in body
    assert "Andningsbesvär, bedömd i hemmet" in body and "Lämnad på trygghetsplatsen" in body
    assert "Transporterad till sjukhus" in body


def test_the_ward_records_one_too(client, ward_nurse, at_home, agreement):
    response = client_for(client, ward_nurse).post(url(at_home), form(kind="mission"))
    assert response.status_code == 302
    assert AmbulanceContact.objects.get().kind == "mission"


@pytest.mark.parametrize(
    "bad",
    [
        {"summary": "   "},
        {"summary": ""},
        {"kind": "taxi"},
        {"occurred_at": "inte ett datum"},
        {"occurred_at": (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")},
        {"occurred_at": (timezone.localtime() - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")},
        {"summary": "x" * 501},
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(
    client, paramedic, ward_nurse, ward, at_home, agreement, bad
):
    consent(at_home.patient, ward_nurse, ward)
    response = client_for(client, paramedic).post(url(at_home), form(**bad))
    assert response.status_code == 400
    assert not AmbulanceContact.objects.exists()


def test_the_service_refuses_an_absurd_time_and_an_empty_summary(ward_nurse, ward, at_home):
    for kwargs in (
        {"occurred_at": timezone.now() + timedelta(days=1), "summary": "x"},
        {"occurred_at": timezone.now() - timedelta(days=400), "summary": "x"},
        {"occurred_at": timezone.now(), "summary": " "},
    ):
        with pytest.raises(NotAllowed):
            ambulance_contact_record(
                staff=ward_nurse, unit=ward, episode=at_home, kind="call_112", **kwargs
            )
    assert not AmbulanceContact.objects.exists()


def test_the_visiting_team_reads_but_may_not_record(client, home_nurse, at_home, agreement):
    client_for(client, home_nurse)
    assert client.get(url(at_home)).status_code == 200
    assert client.post(url(at_home), form()).status_code == 403
    assert not AmbulanceContact.objects.exists()


def test_home_care_and_outsiders_get_a_404(client, home_care, outsider, at_home, agreement):
    from hemma.patients.models import CareRelationship

    CareRelationship.objects.create(patient=at_home.patient, unit=home_care)
    helper = make_staff("helper", "assistant_nurse", home_care)
    for staff in (helper, outsider):
        client_for(client, staff)
        assert client.get(url(at_home)).status_code == 404
        assert client.post(url(at_home), form()).status_code == 404
    assert not AmbulanceContact.objects.exists()


def test_without_or_after_revoked_consent_the_ambulance_gets_a_404(
    client, paramedic, ward_nurse, ward, at_home, agreement
):
    client_for(client, paramedic)
    assert client.post(url(at_home), form()).status_code == 404
    consent(at_home.patient, ward_nurse, ward)
    assert client.get(url(at_home)).status_code == 200
    AmbulanceConsent.objects.update(revoked_at=timezone.now(), revoked_by=ward_nurse)
    assert client.post(url(at_home), form()).status_code == 404
    assert not AmbulanceContact.objects.exists()
    assert AccessLogEntry.objects.filter(
        user=paramedic.user, outcome=AccessLogEntry.Outcome.DENIED
    ).exists()


def test_another_regions_ambulance_gets_a_404(
    client, other_paramedic, ward_nurse, ward, at_home, agreement
):
    consent(at_home.patient, ward_nurse, ward)
    assert client_for(client, other_paramedic).post(url(at_home), form()).status_code == 404
    assert not AmbulanceContact.objects.exists()
