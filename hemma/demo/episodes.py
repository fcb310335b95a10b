"""Demo episodes in every state – candidate, assessed, agreed, preparing, at home,
readmitted, discharged, cancelled – each taken there step by step through the real
services, as staff would (once per patient)."""

from datetime import timedelta

from django.utils import timezone

from hemma.accounts.models import Staff
from hemma.careplans import services as careplans
from hemma.careplans.models import Agreement, AgreementTemplate
from hemma.careplans.services import templates_ensure_shipped
from hemma.carerequests import services as carerequests
from hemma.carerequests.models import CareRequest
from hemma.episodes import services as episodes
from hemma.episodes.models import Episode

from . import data
from .medication import care_request_rows, home_interventions, logistics_item, pump_or_set
from .timeline import episode_spread


def episodes_ensure(patients: dict, units: dict, nurse: Staff, physician: Staff) -> None:
    """Demo episodes in every state, created through the real services (once)."""
    ward = units["ward"]
    templates_ensure_shipped()
    episodes.safety_beds_ensure(ward=ward, count=3)  # places 23-25
    for number, target in data.EPISODES.items():
        patient = patients[number]
        if Episode.objects.filter(patient=patient).exists():
            continue  # idempotent: never a second demo episode
        loaded_at = timezone.now()
        episode = episodes.episode_flag_candidate(
            staff=nurse,
            unit=ward,
            patient=patient,
            reason=target["reason"],
            pathway=target.get("pathway", Episode.Pathway.EARLY_DISCHARGE),
        )
        _walk_episode(episode, target, units, nurse, physician)
        # Its steps over the days it describes, not all at this minute.
        episode_spread(episode, target["days"], loaded_at=loaded_at)


def _walk_episode(episode, target: dict, units: dict, nurse: Staff, physician: Staff) -> None:
    """Take one demo episode as far as its target state, step by step as staff would."""
    ward, home_health, home_care = units["ward"], units["home_health"], units["home_care"]
    state = target["state"]
    if state == "candidate":
        return
    if state == "cancelled":
        episodes.episode_cancel(
            staff=nurse, unit=ward, episode=episode, reason=target["cancel_reason"]
        )
        return
    episodes.assessment_update(
        staff=nurse,
        unit=ward,
        episode=episode,
        tier=target["tier"],
        checks={name: True for name in episode.assessment.CHECKS},
        nurse_note="Bedömd tillsammans med FT/AT.",
    )
    episodes.assessment_decide(
        staff=physician,
        unit=ward,
        episode=episode,
        suitable=True,
        reason="Stabil, fungerande PICC, tryggt hemma.",
    )
    if state == "assessed":
        return  # consent and the agreement are next, e.g. with the stroke template
    episodes.consent_record(
        staff=nurse,
        unit=ward,
        episode=episode,
        patient_informed=True,
        next_of_kin_informed=True,
        brochure_given=True,
        patient_agrees=True,
        shares_information=True,
    )
    # Home health care visits: chosen first, so the agreement gets its number, not the
    # template's placeholder.
    episode = episodes.episode_set_visiting(
        staff=nurse,
        unit=ward,
        episode=episode,
        visiting=Episode.Visiting.HOME_HEALTH,
        visiting_unit=home_health,
    )
    template = AgreementTemplate.objects.get(
        ward=None, name=target.get("template", data.OPAT_TEMPLATE)
    )
    careplans.agreement_create(staff=nurse, unit=ward, episode=episode, template=template)
    episodes.episode_mark_agreed(staff=nurse, unit=ward, episode=episode)
    start = timezone.now() + timedelta(hours=4)
    request = carerequests.care_request_send(
        staff=nurse,
        unit=ward,
        episode=episode,
        kind=CareRequest.Kind.HOME_HEALTH,
        to_unit=home_health,
        reason=target["reason"],
        start_at=start,
        interventions=home_interventions(episode.patient.personal_number),
        medications=care_request_rows(episode.patient.personal_number),
    )
    if target["tier"] == "omar":
        carerequests.care_request_send(
            staff=nurse,
            unit=ward,
            episode=episode,
            kind=CareRequest.Kind.HOME_CARE,
            to_unit=home_care,
            reason="Behöver tillsyn morgon och kväll och hjälp med måltider under vården hemma.",
            start_at=start,
            interventions="Biståndsbedömning: tillsyn 2 gånger/dag, matdistribution.",
        )
    if state == "agreed":
        return  # the municipality's inboxes show the unanswered requests
    karin = Staff.objects.get(user__username="karin.hsv")
    carerequests.care_request_accept(staff=karin, unit=home_health, care_request=request)
    episodes.episode_start_preparing(staff=nurse, unit=ward, episode=episode)
    for category, item, place, travels in (
        ("equipment", pump_or_set(episode.patient.personal_number), "ward", True),
        ("medicine", logistics_item(episode.patient.personal_number), "ward", True),
        ("equipment", "Surfplatta för videosamtal", "home", False),
        ("sampling", "Provrör för CRP och blodstatus", "home", False),
    ):
        order = carerequests.logistics_order_add(
            staff=nurse,
            unit=ward,
            episode=episode,
            category=category,
            item=item,
            quantity=1,
            delivery_place=place,
            responsible_unit=ward,
            travels_with_patient=travels,
        )
        if state != "preparing":
            carerequests.logistics_order_advance(staff=nurse, unit=ward, order=order)
            carerequests.logistics_order_advance(staff=nurse, unit=ward, order=order)
    if state == "preparing":
        return
    careplans.agreement_mark_given(
        staff=nurse, unit=ward, agreement=Agreement.objects.get(episode=episode)
    )
    for key in (
        "medicines_packed",
        "iv_access",
        "samples_taken",
        "video_tested",
        "transport",
    ):
        episodes.checklist_item_set(staff=nurse, unit=ward, episode=episode, key=key, status="done")
    episodes.safety_bed_reserve(staff=nurse, unit=ward, episode=episode)
    episodes.episode_send_home(staff=nurse, unit=ward, episode=episode)
    if state == "readmitted":
        episodes.episode_direct_admission(
            staff=nurse, unit=ward, episode=episode, reason="Feber 39,2 och frossa, NEWS2 6."
        )
    elif state == "discharged":
        agreement = Agreement.objects.get(episode=episode)
        for criterion in agreement.versions.get(number=agreement.current_number).criteria:
            careplans.discharge_criterion_set(
                staff=nurse, unit=ward, agreement=agreement, criterion=criterion, met=True
            )
        episodes.episode_discharge(
            staff=physician,
            unit=ward,
            episode=episode,
            summary="Feberfri, CRP sjunkande, antibiotika avslutad.",
            referral_text="Kontroll av CRP och hudstatus om två veckor.",
        )
