import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hemma.episodes.models import Episode
from hemma.monitoring import services as monitoring
from tests.conftest import make_staff, make_unit
from tests.monitoring.conftest import at_home  # noqa: F401 - the fixture, shared


def enrolled_tablet(episode, staff) -> Client:
    """A tablet bound to the episode the way the patient's page does it: the ward's code."""
    client = Client()
    code = monitoring.enrolment_issue(staff=staff, unit=episode.ward, episode=episode)
    assert client.post(reverse("monitoring:patient_start"), {"code": code}).status_code == 302
    return client


@pytest.fixture
def tablet(at_home, ward_nurse):  # noqa: F811
    return enrolled_tablet(at_home, ward_nurse)


@pytest.fixture
def lisa_at_home(lisa, ward, home_health, ward_nurse):
    return Episode.objects.create(
        patient=lisa,
        ward=ward,
        home_health_unit=home_health,
        created_by=ward_nurse,
        state="at_home",
        tier="lisa",
        at_home_since=timezone.now(),
    )


@pytest.fixture
def lisa_tablet(lisa_at_home, ward_nurse):
    return enrolled_tablet(lisa_at_home, ward_nurse)


@pytest.fixture
def other_ward_nurse(region):
    return make_staff(
        "otherward", "nurse", make_unit(region, "Avdelning 31", "ward", "A31", beds=20)
    )


def send(tablet, text, client_id="c-1"):
    return tablet.post(reverse("messaging:patient_send"), {"text": text, "client_id": client_id})


def thread_url(episode):
    return reverse("messaging:thread", args=[episode.pk])
