"""The digital round a page at a time (issue 18): those needing attention first (open
alerts, no decision yet today, highest NEWS2), a filter for those not yet reviewed, every
patient reachable through the page links, and back to the same page and filter after a
decision. The round protocol home health care reads hides a decision of a ward the patient
blocked (spärr) for another care provider."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.episodes.models import Episode
from hemma.monitoring import selectors, services
from hemma.monitoring.models import RoundEntry
from hemma.patients.blocks import block_record
from tests.conftest import client_for, make_patient
from tests.monitoring.conftest import HOME_SET, RED_SET

pytestmark = pytest.mark.django_db
ROUND = reverse("monitoring:round")


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(selectors, "ROUND_PAGE_SIZE", 2)


def _at_home(number, first_name, ward, home_health, ward_nurse, values=None):
    episode = Episode.objects.create(
        patient=make_patient(number, first_name, ward, home_health),
        ward=ward,
        home_health_unit=home_health,
        created_by=ward_nurse,
        state="at_home",
        at_home_since=timezone.now() - timedelta(days=2),
    )
    if values is not None:
        services.observation_record(
            episode=episode,
            values=values,
            source="patient",
            client_id=f"{number}-1",
            measured_at=timezone.now() - timedelta(hours=1),
        )
    return episode


def _decide(episode, physician, ward, note=""):
    return services.round_record(
        staff=physician,
        unit=ward,
        episode=episode,
        day=timezone.localdate(),
        decision="continue",
        participants=["Erik"],
        note=note,
    )


@pytest.fixture
def four(ward, home_health, ward_nurse, physician):
    """Four patients: Ada with a red set (an open alert), Bo scored higher than Cy, Dan
    already decided today (names in the opposite order of the attention they need)."""
    people = (ward, home_health, ward_nurse)
    dan = _at_home("19440514-9057", "Dan", *people, values={**HOME_SET, "pulse": 112})
    cy = _at_home("19380508-9145", "Cy", *people, values=HOME_SET)
    bo = _at_home("19350404-9135", "Bo", *people, values={**HOME_SET, "pulse": 95})
    ada = _at_home("19400401-9180", "Ada", *people, values=RED_SET)
    _decide(dan, physician, ward)
    return ada, bo, cy, dan


def _shown(page: str) -> list[int]:
    """The episode ids of the page's rows, in order."""
    return [int(part.split('"', 1)[0]) for part in page.split('id="round-')[1:]]


def test_those_needing_attention_come_first_a_page_at_a_time(client, ward_nurse, four, small_pages):
    ada, bo, cy, dan = four
    open_alerts = {e.pk: e.alerts.exclude(status="resolved").count() for e in four}
    assert open_alerts == {ada.pk: 1, bo.pk: 0, cy.pk: 0, dan.pk: 0}
    assert [e.observations.get().news2_total for e in four[1:]] == [1, 0, 2]
    browser = client_for(client, ward_nurse)
    first = browser.get(ROUND).content.decode()
    assert _shown(first) == [ada.pk, bo.pk]
    assert "Sida 1 av 2, 4 patienter" in first
    assert "Ej ronderade idag (3)" in first and "Alla (4)" in first
    second = browser.get(ROUND, {"page": 2}).content.decode()
    assert _shown(second) == [cy.pk, dan.pk]
    assert "Sida 2 av 2, 4 patienter" in second
    assert "page=2" in first  # the link to the next page
    # The access log names the patients shown, the page's only.
    day = timezone.localdate()
    logged = AccessLogEntry.objects.filter(
        user=ward_nurse.user, detail=f"digital round {day}"
    ).values_list("patient__first_name", flat=True)
    assert sorted(logged) == ["Ada", "Bo", "Cy", "Dan"]


def test_the_filter_shows_those_without_a_decision_today(client, ward_nurse, four, small_pages):
    ada, bo, cy, dan = four
    browser = client_for(client, ward_nurse)
    page = browser.get(ROUND, {"filter": "pending"}).content.decode()
    assert _shown(page) == [ada.pk, bo.pk] and "Sida 1 av 2, 3 patienter" in page
    page = browser.get(ROUND, {"filter": "pending", "page": 2}).content.decode()
    assert _shown(page) == [cy.pk]
    assert "filter=pending" in page  # the page links keep the filter


def test_every_patient_reachable_and_an_empty_filter_says_so(
    client, ward, ward_nurse, physician, four, small_pages
):
    for episode in four[:3]:
        _decide(episode, physician, ward)
    browser = client_for(client, ward_nurse)
    page = browser.get(ROUND, {"filter": "pending"}).content.decode()
    assert _shown(page) == [] and "Alla patienter har ett beslut denna dag." in page
    seen = set()
    for number in (1, 2):
        seen.update(_shown(browser.get(ROUND, {"page": number}).content.decode()))
    assert seen == {e.pk for e in four}


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=abc",
        "page=99999999999999999999",
        "page=%ED%A0%80",  # a lone surrogate, as UTF-8 bytes
        "page=2%00",
        "page=%D9%A3",  # a digit, but not an ASCII one
        "filter=%3Cscript%3E",
        "filter=pending%01&page=1e3",
    ],
)
def test_a_hostile_page_or_filter_shows_a_page_not_an_error(
    client, ward_nurse, four, small_pages, query
):
    response = client_for(client, ward_nurse).get(f"{ROUND}?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert len(_shown(page)) == 2 and "<script>" not in page


def test_after_a_decision_the_round_returns_to_the_same_page_and_filter(
    client, ward_nurse, four, small_pages
):
    cy = four[2]
    browser = client_for(client, ward_nurse)
    day = timezone.localdate().isoformat()
    response = browser.post(
        reverse("monitoring:round_record", args=[cy.pk]),
        {
            "decision": "continue",
            "participants": "Anna",
            "day": day,
            "filter": "pending",
            "page": "2",
        },
    )
    assert response.status_code == 302
    target = urlsplit(response.url)
    assert target.path == ROUND
    assert parse_qs(target.query) == {"day": [day], "filter": ["pending"], "page": ["2"]}
    assert RoundEntry.objects.filter(episode=cy).exists()
    # The form on the page carries where it was recorded from.
    page = browser.get(ROUND, {"filter": "pending"}).content.decode()
    assert 'name="filter" value="pending"' in page and 'name="page" value="1"' in page


def test_a_hostile_page_or_filter_in_the_post_returns_to_the_first_page(client, ward_nurse, four):
    cy = four[2]
    response = client_for(client, ward_nurse).post(
        reverse("monitoring:round_record", args=[cy.pk]),
        "decision=continue&participants=Anna&filter=x%ED%A0%80&page=-3",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.url).query) == {"day": [timezone.localdate().isoformat()]}
    # An invalid form returns to the same place too, nothing recorded.
    response = client_for(client, ward_nurse).post(
        reverse("monitoring:round_record", args=[four[1].pk]),
        {"decision": "continue", "participants": "", "filter": "pending", "page": "2"},
    )
    assert response.status_code == 302 and "filter=pending" in response.url
    assert not RoundEntry.objects.filter(episode=four[1]).exists()


# --- the round protocol under blocking (spärr) -------------------------------------------


def test_the_round_protocol_hides_a_blocked_ward_s_decision(
    client, ward, home_health, ward_nurse, physician, home_nurse
):
    """Home health care (the municipality) reads the ward's round protocol; when the
    patient blocked the ward (the region) for other care providers, the decision is left
    out with the neutral notice, and the patient is not logged as shown. (Without the
    block both show: the selector test below.)"""
    people = (ward, home_health, ward_nurse)
    lisa = _at_home("19380508-9145", "Lisa", *people, values=HOME_SET)
    omar = _at_home("19350404-9135", "Omar", *people, values=HOME_SET)
    _decide(lisa, physician, ward, note="Lisas beslut")
    _decide(omar, physician, ward, note="Omars beslut")
    browser = client_for(client, home_nurse)
    block_record(staff=physician, unit=ward, patient=lisa.patient, blocked_unit=ward)
    page = browser.get(ROUND).content.decode()
    assert "Lisas beslut" not in page and "Omars beslut" in page
    assert "Det finns spärrad information från en annan vårdgivare" in page
    day = timezone.localdate()
    logged = AccessLogEntry.objects.filter(
        user=home_nurse.user, detail=f"round protocol {day}"
    ).values_list("patient__first_name", flat=True)
    assert list(logged) == ["Omar"]
    # The ward's own care provider is not affected by the patient's block of it.
    page = client_for(client, physician).get(ROUND).content.decode()
    assert "Lisas beslut" in page


def test_the_round_protocol_selector_says_whether_a_block_hid_anything(
    ward, home_health, ward_nurse, physician, home_nurse
):
    lisa = _at_home("19380508-9145", "Lisa", ward, home_health, ward_nurse)
    _decide(lisa, physician, ward)
    day = timezone.localdate()
    entries, blocked = selectors.round_protocol(home_nurse, home_health, day)
    assert [e.episode_id for e in entries] == [lisa.pk] and not blocked
    block_record(staff=physician, unit=ward, patient=lisa.patient, blocked_unit=ward)
    assert selectors.round_protocol(home_nurse, home_health, day) == ([], True)
