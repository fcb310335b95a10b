"""The "Senaste prover" fragment for lists of many patients (the round, the episode page):
the latest result of each analyte with the one before it, for every episode in one query."""

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from hemma.episodes.models import Episode
from hemma.labs import selectors
from tests.conftest import make_patient

from .conftest import add_lab

pytestmark = pytest.mark.django_db

NUMBERS = ["19380508-9145", "19350404-9135", "19400401-9180", "19121212-1212", "19370314-9132"]


def episodes_with_labs(count, ward, home_health, staff):
    found = []
    for index in range(count):
        patient = make_patient(NUMBERS[index], f"P{index}", ward, home_health)
        episode = Episode.objects.create(
            patient=patient,
            ward=ward,
            home_health_unit=home_health,
            created_by=staff,
            state="at_home",
            at_home_since=timezone.now(),
        )
        for hours, value in ((40, 112 + index), (20, 80), (2, 48)):
            add_lab(episode, staff, ward, "crp", value, hours)
        add_lab(episode, staff, ward, "kalium", "4.1", 3)
        found.append(episode)
    return found


def test_one_query_for_one_or_many_episodes(
    ward, home_health, ward_nurse, django_assert_num_queries
):
    episodes = episodes_with_labs(5, ward, home_health, ward_nurse)
    with django_assert_num_queries(1):
        one = selectors.latest_for_episodes([episodes[0].pk])
    with django_assert_num_queries(1):
        many = selectors.latest_for_episodes([e.pk for e in episodes])
    assert set(many) == {e.pk for e in episodes}
    crp, kalium = many[episodes[0].pk]
    assert (crp.name, crp.value, crp.previous, crp.direction) == ("CRP", "48", "80", "down")
    assert (kalium.value, kalium.previous, kalium.direction) == ("4,1", None, "")
    assert one[episodes[0].pk] == many[episodes[0].pk]
    with django_assert_num_queries(0):
        assert selectors.latest_for_episodes([]) == {}


def test_the_fragment(ward, home_health, ward_nurse):
    episode = episodes_with_labs(1, ward, home_health, ward_nurse)[0]
    labs = selectors.latest_for_episodes([episode.pk])[episode.pk]
    html = render_to_string("labs/_latest.html", {"labs": labs})
    assert "Senaste prover" in html
    assert "CRP <strong>48</strong>" in html and "↓" in html and "förra 80" in html
    assert "Inga provsvar." in render_to_string("labs/_latest.html", {"labs": []})


def test_the_round_panel_in_constant_queries_and_blocks_hide(
    ward, home_health, ward_nurse, home_nurse, django_assert_num_queries
):
    from hemma.episodes import hooks
    from hemma.patients.blocks import block_record

    episodes = episodes_with_labs(3, ward, home_health, ward_nurse)
    lisas = episodes[0]
    add_lab(lisas, home_nurse, home_health, "crp", 30, 1, source="home_health")
    with django_assert_num_queries(2):  # any block at all, then the results
        panels = selectors.round_panel(ward_nurse, ward, episodes, timezone.localdate())
    assert [lab.value for lab in panels[lisas.pk]["latest_labs"]][:1] == ["30"]
    # Lisa blocks home health's documentation from the region's ward.
    block_record(staff=ward_nurse, unit=ward, patient=lisas.patient, blocked_unit=home_health)
    with django_assert_num_queries(2):
        panels = selectors.round_panel(ward_nurse, ward, episodes, timezone.localdate())
    # The round gets it through the hook, with the other apps' panels.
    panels = hooks.round_panels_context(ward_nurse, ward, episodes, timezone.localdate())
    assert panels[lisas.pk]["latest_labs"][0].value == "48"  # the ward's own


def test_the_episode_page_shows_the_latest_labs(client, at_home, ward_nurse, ward):
    from django.urls import reverse

    from tests.conftest import client_for

    add_lab(at_home, ward_nurse, ward, "crp", 112, 30)
    add_lab(at_home, ward_nurse, ward, "crp", 48, 2)
    html = client_for(client, ward_nurse).get(reverse("episodes:detail", args=[at_home.pk]))
    html = html.content.decode()
    assert "Senaste prover" in html and "CRP <strong>48</strong>" in html
    assert reverse("labs:episode", args=[at_home.pk]) in html


def test_the_round_page_shows_each_patient_s_latest_labs(client, ward, home_health, ward_nurse):
    from tests.conftest import client_for

    episodes_with_labs(2, ward, home_health, ward_nurse)
    body = client_for(client, ward_nurse).get("/monitoring/round/").content.decode()
    assert body.count("Senaste prover") == 2
    assert "CRP <strong>48</strong>" in body and "förra 80" in body
