import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.episodes.models import Episode
from tests.messaging.conftest import enrolled_tablet
from tests.monitoring import conftest as monitoring_conftest

at_home = monitoring_conftest.at_home  # the fixture, shared


def discharge(episode, when=None):
    """The episode ends as the flow leaves it (state and time), without its guards."""
    Episode.objects.filter(pk=episode.pk).update(
        state="discharged", ended_at=when or timezone.now(), end_reason="criteria_met"
    )
    episode.refresh_from_db()
    return episode


@pytest.fixture
def tablet(at_home, ward_nurse):
    return enrolled_tablet(at_home, ward_nurse)


@pytest.fixture
def discharged(at_home, tablet):
    return discharge(at_home)


ANSWER = {
    "safe": "5",
    "informed": "4",
    "knew_whom_to_call": "3",
    "choose_again": "0",
    "comment": "Det kändes tryggt.",
}


def answer(tablet, **changes):
    return tablet.post(reverse("experience:patient"), {**ANSWER, **changes})
