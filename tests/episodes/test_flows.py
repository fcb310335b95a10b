"""The whole flow as one test per persona, through the services only (issue: Kim, and
Omar including the home-care request)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hemma.careplans import services as careplans
from hemma.careplans.models import Agreement
from hemma.carerequests import services as carerequests
from hemma.carerequests.models import CareRequest, LogisticsOrder
from hemma.episodes import services
from hemma.episodes.models import ChecklistItem, Referral
from hemma.errors import NotAllowed
from hemma.patients.models import CareRelationship
from hemma.patients.policy import decide_patient_access
from tests.flow import send_home_health_request, to_agreed

pytestmark = pytest.mark.django_db

PACKING = ("medicines_packed", "iv_access", "samples_taken", "video_tested", "transport")


def _ready_to_go(episode, nurse):
    ward = episode.ward
    careplans.agreement_mark_given(
        staff=nurse, unit=ward, agreement=Agreement.objects.get(episode=episode)
    )
    for key in PACKING:
        services.checklist_item_set(staff=nurse, unit=ward, episode=episode, key=key, status="done")
    services.safety_bed_reserve(staff=nurse, unit=ward, episode=episode)


def test_kim_from_candidate_to_discharged(
    ward_nurse, physician, home_nurse, ward, home_health, kim, safety_bed
):
    episode = to_agreed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
    with pytest.raises(NotAllowed, match="besökande teamet först"):
        services.episode_start_preparing(staff=ward_nurse, unit=ward, episode=episode)
    request = send_home_health_request(episode, ward_nurse, home_health)
    services.episode_start_preparing(staff=ward_nurse, unit=ward, episode=episode)
    order = carerequests.logistics_order_add(
        staff=ward_nurse,
        unit=ward,
        episode=episode,
        category="equipment",
        item="Antibiotikapump",
        quantity=1,
        delivery_place="ward",
        responsible_unit=ward,
        travels_with_patient=True,
    )
    _ready_to_go(episode, ward_nurse)
    with pytest.raises(NotAllowed, match="Vårdbegäran accepterad"):
        services.episode_send_home(staff=ward_nurse, unit=ward, episode=episode)

    carerequests.care_request_mark_read(staff=home_nurse, unit=home_health, care_request=request)
    carerequests.care_request_accept(staff=home_nurse, unit=home_health, care_request=request)
    carerequests.logistics_order_advance(staff=ward_nurse, unit=ward, order=order)
    services.episode_send_home(staff=ward_nurse, unit=ward, episode=episode)

    agreement = Agreement.objects.get(episode=episode)
    criteria = agreement.versions.get(number=1).criteria
    with pytest.raises(NotAllowed, match="utskrivningskriterier"):
        services.episode_discharge(
            staff=physician, unit=ward, episode=episode, summary="Klar", referral_text="CRP"
        )
    for criterion in criteria:
        careplans.discharge_criterion_set(
            staff=home_nurse, unit=home_health, agreement=agreement, criterion=criterion, met=True
        )
    services.episode_discharge(
        staff=physician, unit=ward, episode=episode, summary="Feberfri", referral_text="CRP"
    )

    episode.refresh_from_db()
    request.refresh_from_db()
    assert episode.state == "discharged"
    assert list(episode.transitions.values_list("to_state", flat=True)) == [
        "candidate",
        "assessed",
        "agreed",
        "preparing",
        "at_home",
        "discharged",
    ]
    assert request.status == "accepted" and request.read_at and request.answered_at
    assert request.medications.get(drug="Cefotaxim").is_antibiotic
    assert Referral.objects.get(episode=episode).to_unit == kim.listed_unit
    assert LogisticsOrder.objects.get(pk=order.pk).ready_at is not None
    assert episode.home_health_unit == home_health
    home_relationship = CareRelationship.objects.get(patient=kim, unit=home_health)
    assert home_relationship.ended_at > timezone.now() + timedelta(days=1)  # grace period


def test_omar_needs_the_home_care_request_too(
    ward_nurse,
    physician,
    home_nurse,
    needs_assessor,
    ward,
    home_health,
    home_care,
    omar,
    safety_bed,
):
    episode = to_agreed(
        patient=omar,
        ward=ward,
        nurse=ward_nurse,
        physician=physician,
        tier="omar",
        pathway="admission_avoidance",
    )
    home_health_request = send_home_health_request(episode, ward_nurse, home_health)
    with pytest.raises(NotAllowed, match="utökad hemtjänst"):
        services.episode_start_preparing(staff=ward_nurse, unit=ward, episode=episode)

    home_care_request = carerequests.care_request_send(
        staff=ward_nurse,
        unit=ward,
        episode=episode,
        kind="home_care",
        to_unit=home_care,
        reason="Behöver tillsyn morgon och kväll",
        start_at=timezone.now() + timedelta(hours=3),
        interventions="Biståndsbedömning: tillsyn 2 gånger/dag, matdistribution",
    )
    assert home_care_request.agreement_version is None  # home care sees only the request
    # Home care's care relationship opens only what its own request needs (Scope.SOL).
    decision = decide_patient_access(staff=needs_assessor, acting_unit=home_care, patient=omar)
    assert decision.granted and not decision.health_record
    services.episode_start_preparing(staff=ward_nurse, unit=ward, episode=episode)

    carerequests.care_request_ask(
        staff=needs_assessor,
        unit=home_care,
        care_request=home_care_request,
        question="Behövs hjälp med dusch?",
    )
    carerequests.care_request_answer(
        staff=ward_nurse, unit=ward, care_request=home_care_request, answer="Ja, varannan dag."
    )
    carerequests.care_request_accept(
        staff=needs_assessor, unit=home_care, care_request=home_care_request
    )
    carerequests.care_request_accept(
        staff=home_nurse, unit=home_health, care_request=home_health_request
    )
    _ready_to_go(episode, ward_nurse)
    services.episode_send_home(staff=ward_nurse, unit=ward, episode=episode)
    episode.refresh_from_db()
    assert episode.state == "at_home"
    assert set(episode.care_requests.values_list("kind", "status")) == {
        ("home_health", "accepted"),
        ("home_care", "accepted"),
    }
    assert [m.kind for m in home_care_request.messages.all()] == ["question", "answer"]
    assert ChecklistItem.objects.get(episode=episode, key="care_request_accepted").status == "done"
    assert CareRequest.objects.filter(episode=episode).count() == 2
