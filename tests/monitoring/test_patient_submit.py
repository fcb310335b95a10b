"""The patient's tablet sends a reading: every answer tells the page whether to keep the
reading (`retry`) and why (`reason`), a wrong device clock is corrected and flagged, the
device fetches a fresh CSRF token, and staff see the flag (issue 14)."""

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hemma.monitoring import services
from hemma.monitoring.models import ObservationSet, Reading
from hemma.monitoring.views import DEVICE_COOKIE
from tests.monitoring.conftest import HOME_SET

pytestmark = pytest.mark.django_db

URL = "monitoring:patient_submit"


@pytest.fixture
def device(client, at_home, ward_nurse):
    code = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    assert client.post(reverse("monitoring:patient_start"), {"code": code}).status_code == 302
    return client


def send(client, values=None, **fields):
    body = {"client_id": str(uuid.uuid4()), "values": HOME_SET if values is None else values}
    return client.post(reverse(URL), json.dumps(body | fields), content_type="application/json")


def iso(moment):
    return moment.isoformat()


def refusal(response, status, reason, retry=False):
    body = response.json()
    assert response.status_code == status, body
    assert body["ok"] is False and body["reason"] == reason and body["retry"] is retry
    assert body["error"]
    return body


# --- The clock -----------------------------------------------------------------------------


def test_a_right_clock_stores_the_devices_time_unflagged(device, at_home):
    now = timezone.now()
    measured = now - timedelta(minutes=10)
    response = send(device, measured_at=iso(measured), sent_at=iso(now - timedelta(seconds=30)))
    assert response.status_code == 201 and response.json()["clock_offset_seconds"] is None
    reading = Reading.objects.get()
    assert reading.clock_offset_seconds is None
    assert abs((reading.measured_at - measured).total_seconds()) < 1


def test_a_clock_two_hours_ahead_is_corrected_and_flagged(device, at_home):
    now = timezone.now()
    device_now = now + timedelta(hours=2)
    response = send(
        device,
        measured_at=iso(device_now - timedelta(minutes=3)),
        sent_at=iso(device_now),
    )
    assert response.status_code == 201
    reading = Reading.objects.get()
    assert -7205 <= reading.clock_offset_seconds <= -7195
    assert response.json()["clock_offset_seconds"] == reading.clock_offset_seconds
    expected = now - timedelta(minutes=3)
    assert abs((reading.measured_at - expected).total_seconds()) < 5
    assert abs((ObservationSet.objects.get().measured_at - expected).total_seconds()) < 5


def test_a_clock_days_behind_is_corrected_too(device, at_home):
    """Older than the 7 days the service accepts by the device's clock: stored all the same,
    at the right time."""
    now = timezone.now()
    device_now = now - timedelta(days=9)
    response = send(device, measured_at=iso(device_now), sent_at=iso(device_now))
    assert response.status_code == 201
    reading = Reading.objects.get()
    assert reading.clock_offset_seconds == pytest.approx(9 * 86400, abs=5)
    assert abs((reading.measured_at - now).total_seconds()) < 5


def test_an_offset_within_the_setting_is_not_corrected(device, at_home, settings):
    now = timezone.now()
    sent = now - timedelta(seconds=100)
    assert send(device, measured_at=iso(sent), sent_at=iso(sent)).status_code == 201
    assert Reading.objects.get().clock_offset_seconds is None
    settings.HEMMA_CLOCK_SKEW_SECONDS = 60
    send(device, values={"pulse": 80}, measured_at=iso(sent), sent_at=iso(sent))
    flagged = Reading.objects.exclude(clock_offset_seconds=None).get()
    assert 99 <= flagged.clock_offset_seconds <= 105


def test_a_time_still_impossible_after_correction_is_refused_as_content(device, at_home):
    """The clock jumped between measuring and sending: the measuring time is an hour after
    the sending time – nothing can make it right."""
    now = timezone.now()
    refusal(
        send(device, measured_at=iso(now + timedelta(hours=1)), sent_at=iso(now)), 422, "values"
    )
    assert not Reading.objects.exists()


def test_without_sent_at_the_measuring_time_is_checked_as_before(device, at_home):
    body = refusal(
        send(device, measured_at=iso(timezone.now() + timedelta(hours=2))), 422, "values"
    )
    assert "framtiden" in body["error"]


@pytest.mark.parametrize(
    ("measured_at", "sent_at"),
    [
        ("9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+00:00"),
        ("0001-01-01T00:00:00+00:00", "9999-12-31T23:00:00+00:00"),
    ],
)
def test_absurd_clocks_are_a_clear_400(device, at_home, measured_at, sent_at):
    refusal(send(device, measured_at=measured_at, sent_at=sent_at), 400, "malformed")


# --- Answers the page acts on -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"pulse": 400}, "Puls"),
        ({"spo2": 120}, "Saturation"),
        ({}, "minst ett värde"),
        ({"systolic_bp": "hög", "diastolic_bp": 80}, "Systoliskt"),
    ],
)
def test_values_out_of_range_are_refused_for_good_with_422(device, at_home, values, message):
    body = refusal(send(device, values=values), 422, "values")
    assert message in body["error"]
    assert not ObservationSet.objects.exists()


def test_unstorable_text_is_refused_as_content(device, at_home):
    refusal(send(device, note="ont\u0000"), 422, "values")


@pytest.mark.parametrize(
    "fields",
    [
        {"values": "pulse=80"},
        {"source": "ward"},
        {"measured_at": "i morse"},
        {"measured_at": "2026-13-45T08:00:00+01:00"},
        {"measured_at": iso(timezone.now()), "sent_at": "snart"},
        {"client_id": ""},
        {"client_id": "x" * 101},
        {"client_id": "a\ud800"},
    ],
)
def test_malformed_requests_are_a_400_never_retried(device, at_home, fields):
    refusal(send(device, **fields), 400, "malformed")
    assert not ObservationSet.objects.exists()


def test_not_json_is_a_400(device, at_home):
    response = device.post(reverse(URL), "{{", content_type="application/json")
    refusal(response, 400, "malformed")


def test_a_resent_reading_is_stored_once(device, at_home):
    now = timezone.now()
    fields = {"client_id": "tablet-1", "measured_at": iso(now)}
    assert send(device, **fields, sent_at=iso(now)).status_code == 201
    # The answer was lost; the page resends later with the same values (rounded alike).
    again = send(
        device,
        values=HOME_SET | {"temperature": 36.80, "pulse": 72.0},
        **fields,
        sent_at=iso(now + timedelta(minutes=20)),
    )
    assert again.status_code == 200 and again.json()["created"] is False
    assert Reading.objects.count() == 1


def test_an_id_stored_before_with_other_values_is_a_409(device, at_home):
    assert send(device, client_id="tablet-1").status_code == 201
    body = refusal(
        send(device, values=HOME_SET | {"pulse": 90}, client_id="tablet-1"), 409, "conflict"
    )
    assert "samma id" in body["error"]
    refusal(send(device, values={"pulse": 72}, client_id="tablet-1"), 409, "conflict")
    assert ObservationSet.objects.get().pulse == 72 and Reading.objects.count() == 1


def test_an_episode_that_takes_no_readings_is_a_409(device, at_home):
    at_home.state = "agreed"
    at_home.save()
    body = refusal(send(device), 409, "episode")
    assert "inte hemma" in body["error"]


def test_a_device_no_longer_enrolled_is_a_401_to_retry(client, at_home, ward_nurse, ward):
    refusal(send(client), 401, "device", retry=True)


# --- CSRF ----------------------------------------------------------------------------------------


def test_the_device_gets_a_fresh_csrf_token_and_the_reading_goes_through(at_home, ward_nurse):
    tablet = Client(enforce_csrf_checks=True)
    assert tablet.get(reverse("monitoring:patient_csrf")).status_code == 401
    code = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    page = tablet.get(reverse("monitoring:patient_start"))
    token = page.context["csrf_token"]
    tablet.post(reverse("monitoring:patient_start"), {"code": code, "csrfmiddlewaretoken": token})
    assert DEVICE_COOKIE in tablet.cookies
    # The cookie was rotated: the page's token is stale and the reading is refused...
    tablet.cookies["csrftoken"] = "A" * 32
    body = json.dumps({"client_id": "c1", "values": HOME_SET})
    stale = tablet.post(
        reverse(URL), body, content_type="application/json", headers={"X-CSRFToken": str(token)}
    )
    assert stale.status_code == 403 and not ObservationSet.objects.exists()
    # ...until the page asks for a fresh one.
    answer = tablet.get(reverse("monitoring:patient_csrf"))
    assert answer.status_code == 200 and "no-cache" in answer["Cache-Control"]
    fresh = answer.json()["csrf"]
    ok = tablet.post(
        reverse(URL), body, content_type="application/json", headers={"X-CSRFToken": fresh}
    )
    assert ok.status_code == 201 and ObservationSet.objects.count() == 1


# --- Staff see the flag ------------------------------------------------------------------------


def test_staff_see_that_the_devices_clock_was_wrong(device, at_home, ward_nurse):
    from tests.conftest import client_for

    device_now = timezone.now() + timedelta(hours=2)
    send(device, measured_at=iso(device_now), sent_at=iso(device_now))
    send(device, values={"pulse": 88}, measured_at=iso(timezone.now()))  # a right clock
    staff = client_for(Client(), ward_nurse)
    page = staff.get(reverse("monitoring:episode", args=[at_home.pk])).content.decode()
    assert page.count("Enhetens klocka gick fel med 120 min – mättiden är justerad") == 1
