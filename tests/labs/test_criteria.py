"""A discharge criterion that names a lab trend ("CRP sjunkande") is checked from the
results: the agreement page says what they show, and the tick stays the team's to
confirm (with the values in its note)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.careplans.models import DischargeCriterionCheck
from hemma.careplans.selectors import discharge_criteria_met
from hemma.labs import selectors
from tests.conftest import client_for
from tests.flow import to_assessed, write_agreement

from .conftest import add_lab

pytestmark = pytest.mark.django_db
CRITERION = "CRP sjunkande"


@pytest.fixture
def at_home_with_agreement(kim, ward, ward_nurse, physician):
    episode = to_assessed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
    agreement = write_agreement(episode, ward_nurse)
    episode.state = "at_home"
    episode.save()
    assert CRITERION in agreement.versions.get().criteria
    return episode


def page(client, staff, episode):
    url = reverse("careplans:agreement", args=[episode.pk])
    return client_for(client, staff).get(url).content.decode()


def test_falling_crp_is_shown_as_met_and_the_physician_confirms(
    client, at_home_with_agreement, physician, ward
):
    episode = at_home_with_agreement
    add_lab(episode, physician, ward, "crp", 112, 40)
    add_lab(episode, physician, ward, "crp", 80, 20)
    add_lab(episode, physician, ward, "crp", 48, 2)
    html = page(client, physician, episode)
    assert "Uppfyllt enligt provsvar (CRP 112 → 48 mg/L)" in html
    # The data alone ticks nothing: the physician confirms.
    agreement = episode.agreement
    assert not DischargeCriterionCheck.objects.filter(criterion=CRITERION).exists()
    assert not discharge_criteria_met(agreement)
    response = client.post(
        reverse("careplans:criterion", args=[episode.pk]),
        {
            "criterion": CRITERION,
            "met": "yes",
            "note": "Uppfyllt enligt provsvar (CRP 112 → 48 mg/L)",
        },
    )
    assert response.status_code == 302
    check = DischargeCriterionCheck.objects.get(criterion=CRITERION)
    assert check.checked_by == physician and "112 → 48" in check.note


def test_rising_crp_is_not_met(client, at_home_with_agreement, physician, ward):
    episode = at_home_with_agreement
    add_lab(episode, physician, ward, "crp", 48, 30)
    add_lab(episode, physician, ward, "crp", 90, 2)
    assert "Ej uppfyllt enligt provsvar (CRP 48 → 90 mg/L)" in page(client, physician, episode)


def test_one_value_is_not_enough(client, at_home_with_agreement, physician, ward):
    episode = at_home_with_agreement
    add_lab(episode, physician, ward, "crp", 48, 2)
    add_lab(episode, physician, ward, "crp", 160, 70)  # older than 48 h: does not count
    html = page(client, physician, episode)
    assert "Otillräckligt underlag: minst två CRP-värden inom 48 h behövs." in html


def test_evidence_only_for_lab_criteria_in_one_query(
    at_home_with_agreement, physician, ward, django_assert_num_queries
):
    episode = at_home_with_agreement
    add_lab(episode, physician, ward, "crp", 112, 40)
    add_lab(episode, physician, ward, "crp", 48, 2)
    criteria = ["Feberfri i minst 48 timmar", CRITERION, "LPK sjunkande 24 h"]
    with django_assert_num_queries(1):
        evidence = selectors.criteria_evidence(episode, criteria, now=timezone.now())
    assert set(evidence) == {CRITERION, "LPK sjunkande 24 h"}
    assert evidence[CRITERION].met
    assert not evidence["LPK sjunkande 24 h"].met
    with django_assert_num_queries(0):
        assert selectors.criteria_evidence(episode, ["Feberfri"]) == {}
