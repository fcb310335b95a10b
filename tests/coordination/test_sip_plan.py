"""The SIP plan: needs, goals, who does what by when, follow-up; versioned with a stale-save
check; requires consent; printable in plain Swedish."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.coordination import services
from hemma.coordination.models import SipPlan
from hemma.errors import Conflict, NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(ward_nurse, ward, kim, home_health):
    return services.case_open(
        staff=ward_nurse,
        unit=ward,
        patient=kim,
        admitted_at=timezone.now() - timedelta(hours=3),
        estimated_discharge=timezone.localdate() + timedelta(days=4),
        receivers=[home_health],
    )


def plan(case, staff, unit, base, goals="Klara sig hemma"):
    return services.sip_plan_save(
        staff=staff,
        unit=unit,
        case=case,
        base_number=base,
        needs="Tillsyn och måltider",
        goals=goals,
        actions=[{"who": "Dottern", "what": "Handlar", "when": "Fredagar"}],
        follow_up_on=timezone.localdate() + timedelta(days=14),
    )


def test_consent_first_then_versions_with_a_stale_check(
    case, ward_nurse, ward, home_nurse, home_health
):
    with pytest.raises(NotAllowed, match="samtycke"):
        plan(case, ward_nurse, ward, 0)
    services.sip_consent_record(staff=ward_nurse, unit=ward, case=case)
    plan(case, ward_nurse, ward, 0)
    plan(case, home_nurse, home_health, 1, goals="Klara sig hemma med stöd")
    with pytest.raises(Conflict, match="version 2"):
        plan(case, ward_nurse, ward, 1, goals="Gammal ändring")
    assert list(SipPlan.objects.values_list("number", flat=True)) == [2, 1]


def test_the_pages_and_the_print_view(case, ward_nurse, ward, as_ward_nurse):
    services.sip_consent_record(staff=ward_nurse, unit=ward, case=case)
    url = reverse("coordination:sip_plan", args=[case.pk])
    bad = as_ward_nurse.post(url, {"needs": "x", "goals": "y", "actions": "", "base_number": "0"})
    assert bad.status_code == 200 and not SipPlan.objects.exists()
    response = as_ward_nurse.post(
        url,
        {
            "needs": "Tillsyn",
            "goals": "Hemma",
            "actions": "Hemtjänsten | Tillsyn | Morgon och kväll\nDottern | Handlar | Fredagar",
            "follow_up_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
            "base_number": "0",
        },
    )
    assert response.status_code == 302
    printed = as_ward_nurse.get(url + "?print=1").content.decode()
    assert "Din samordnade individuella plan" in printed and "Hemtjänsten" in printed
