"""Walk an episode through the early-discharge flow with the real services, step by step,
so tests of a later step start from a state reached the way users reach it."""

from datetime import timedelta

from django.utils import timezone

from hemma.careplans import services as careplans
from hemma.careplans.models import AgreementTemplate
from hemma.carerequests import services as carerequests
from hemma.episodes import services as episodes

OPAT = "IV-antibiotika i hemmet (OPAT) med antibiotikapump"
ALL_CHECKS = dict.fromkeys(
    [
        "medically_stable",
        "iv_access",
        "home_situation_ok",
        "next_of_kin_support",
        "home_care_needs_met",
        "assistive_devices_ok",
        "can_self_monitor",
        "distance_ok",
    ],
    True,
)
MEDICATIONS = [
    {"drug": "Cefotaxim", "dose": "1 g", "route": "iv", "times": "08, 16, 24"},
    {"drug": "Alvedon", "dose": "1 g", "route": "po", "times": "vid behov"},
]


def to_assessed(
    *,
    patient,
    ward,
    nurse,
    physician,
    tier="kim",
    pathway="early_discharge",
    visiting="home_health",
    shares_information=True,
):
    episode = episodes.episode_flag_candidate(
        staff=nurse,
        unit=ward,
        patient=patient,
        pathway=pathway,
        reason="Stabil",
        visiting=visiting,
    )
    episodes.assessment_update(
        staff=nurse, unit=ward, episode=episode, checks=ALL_CHECKS, tier=tier
    )
    episodes.assessment_decide(
        staff=physician, unit=ward, episode=episode, suitable=True, reason="Stabil"
    )
    episodes.consent_record(
        staff=nurse,
        unit=ward,
        episode=episode,
        patient_informed=True,
        next_of_kin_informed=True,
        brochure_given=True,
        patient_agrees=True,
        shares_information=shares_information,
    )
    episode.refresh_from_db()
    return episode


def write_agreement(episode, nurse, template_name=OPAT):
    template = AgreementTemplate.objects.get(ward=None, name=template_name)
    return careplans.agreement_create(
        staff=nurse, unit=episode.ward, episode=episode, template=template
    )


def to_agreed(**kwargs):
    episode = to_assessed(**kwargs)
    write_agreement(episode, kwargs["nurse"])
    episodes.episode_mark_agreed(staff=kwargs["nurse"], unit=kwargs["ward"], episode=episode)
    episode.refresh_from_db()
    return episode


def send_home_health_request(episode, nurse, home_health):
    return carerequests.care_request_send(
        staff=nurse,
        unit=episode.ward,
        episode=episode,
        kind="home_health",
        to_unit=home_health,
        reason="Pyelonefrit, IV-antibiotika",
        start_at=timezone.now() + timedelta(hours=3),
        interventions="Pumpbyte 08, PICC-kontroll",
        medications=MEDICATIONS,
    )
