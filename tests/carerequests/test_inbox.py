"""Issue 19: the care-request inbox pages and filters (unread, open, answered, historic)
with counts, instead of every request ever received on one page, and the unread rows are
the receiver's only (a historic request nobody marked read is history, not work)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.carerequests.models import CareRequest
from hemma.episodes.models import Episode
from hemma.patients.services import sharing_consent_revoke
from tests.conftest import client_for
from tests.flow import send_home_health_request, to_agreed

pytestmark = pytest.mark.django_db

HISTORIC = 30


@pytest.fixture
def inbox(lisa, ward, home_health, ward_nurse, physician):
    """Lisa's current episode with a request just sent, and 30 ended episodes whose
    accepted requests nobody ever marked read."""
    for _ in range(HISTORIC):
        old = Episode.objects.create(
            patient=lisa,
            ward=ward,
            home_health_unit=home_health,
            created_by=ward_nurse,
            state="discharged",
            tier="kim",
            ended_at=timezone.now(),
        )
        CareRequest.objects.create(
            episode=old,
            kind="home_health",
            from_unit=ward,
            to_unit=home_health,
            reason="Historik",
            start_at=timezone.now(),
            interventions="Pumpbyte",
            sent_by=ward_nurse,
            status="accepted",
        )
    episode = to_agreed(patient=lisa, ward=ward, nurse=ward_nurse, physician=physician)
    return send_home_health_request(episode, ward_nurse, home_health)


def counts(response) -> dict[str, int]:
    html = response.content.decode()
    return {k: int(v) for k, v in re.findall(r'data-filter="(\w+)">(\d+)<', html)}


def rows(response) -> int:
    return response.content.decode().count(reverse("carerequests:detail", args=[0])[:-2])


def test_the_inbox_shows_current_requests_first_with_a_count_per_filter(client, inbox, home_nurse):
    response = client_for(client, home_nurse).get(reverse("carerequests:inbox"))
    assert response.status_code == 200
    assert counts(response) == {
        "current": 1,
        "unread": 1,
        "open": 1,
        "answered": 0,
        "historic": HISTORIC,
    }
    assert len(response.context["page"].object_list) == 1
    assert "Historik" in response.content.decode()  # the filter's tab, not its rows
    assert response.context["unread_requests"] == 1  # the badge: one to answer


def test_history_is_paged(client, inbox, home_nurse):
    as_nurse = client_for(client, home_nurse)
    url = reverse("carerequests:inbox")
    first = as_nurse.get(url, {"status": "historic"})
    assert len(first.context["page"].object_list) == 25
    assert "Sida 1 av 2" in first.content.decode()
    # The shared pager (web/_pager.html), keeping the box and the filter.
    assert 'href="?box=received&amp;status=historic&amp;page=2" rel="next"' in (
        first.content.decode()
    )
    second = as_nurse.get(url, {"status": "historic", "page": 2})
    assert 'href="?box=received&amp;status=historic&amp;page=1" rel="prev"' in (
        second.content.decode()
    )
    assert len(second.context["page"].object_list) == HISTORIC - 25
    ids = {r.pk for r in first.context["page"].object_list}
    assert ids.isdisjoint(r.pk for r in second.context["page"].object_list)
    assert inbox.pk not in ids


@pytest.mark.parametrize(
    "query",
    [
        "status=nonsense",
        "box=sent",  # only a ward has a sent box
        "page=999",
        "page=-1",
        "page=%ED%A0%80",  # a lone surrogate, percent-encoded
        "status=open%00&box=received%07",
        "status=historic&status=%FF",
    ],
)
def test_bad_parameters_fall_back_to_the_defaults(client, inbox, home_nurse, query):
    response = client_for(client, home_nurse).get(f"{reverse('carerequests:inbox')}?{query}")
    assert response.status_code == 200
    assert response.context["box"] == "received"
    assert response.context["status"] == "current"


def test_answered_and_the_wards_sent_box(client, inbox, ward_nurse, home_nurse):
    CareRequest.objects.filter(pk=inbox.pk).update(status="accepted", answered_at=timezone.now())
    response = client_for(client, home_nurse).get(
        reverse("carerequests:inbox"), {"status": "answered"}
    )
    assert [r.pk for r in response.context["page"].object_list] == [inbox.pk]
    assert response.context["unread_requests"] == 0
    sent = client_for(client, ward_nurse).get(reverse("carerequests:inbox"), {"box": "sent"})
    assert sent.context["box"] == "sent"
    assert counts(sent)["historic"] == HISTORIC and counts(sent)["answered"] == 1


def test_a_revoked_consent_empties_every_filter(client, inbox, lisa, ward, ward_nurse, home_nurse):
    sharing_consent_revoke(staff=ward_nurse, unit=ward, patient=lisa)
    response = client_for(client, home_nurse).get(
        reverse("carerequests:inbox"), {"status": "historic"}
    )
    assert set(counts(response).values()) == {0}
    assert "Lisa" not in response.content.decode()
    assert "Inga inkomna vårdbegäranden med den här statusen." in response.content.decode()
