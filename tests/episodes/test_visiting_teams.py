"""Who visits at home is chosen per episode: municipal home health care, the hospital's
mobile team, a stroke team, or nobody (Plan B: the ward follows the patient itself). Each
from candidate to discharged; refusing region–municipality sharing removes the
municipality, not the episode."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hemma.accounts.models import Unit
from hemma.careplans import services as careplans
from hemma.careplans.models import Agreement
from hemma.carerequests import services as carerequests
from hemma.episodes import services
from hemma.episodes.models import ChecklistItem, Episode
from hemma.errors import HemmaError, NotAllowed
from hemma.patients.models import CareRelationship, SharingConsent
from tests.conftest import make_staff, make_unit
from tests.flow import send_home_health_request, to_agreed, to_assessed, write_agreement

pytestmark = pytest.mark.django_db
PACKING = ("medicines_packed", "iv_access", "samples_taken", "video_tested", "transport")


@pytest.fixture
def mobile_team(region):
    return make_unit(region, "Mobila teamet Falu lasarett", Unit.Kind.MOBILE_TEAM, "MT1")


@pytest.fixture
def stroke_team(region):
    return make_unit(region, "Strokteamet Falun", Unit.Kind.STROKE_TEAM, "ST1")


def _home_and_discharged(episode, nurse, physician):
    """Checklist, safety place, home, discharge – the same for every visiting option."""
    ward = episode.ward
    careplans.agreement_mark_given(
        staff=nurse, unit=ward, agreement=Agreement.objects.get(episode=episode)
    )
    for key in PACKING:
        services.checklist_item_set(staff=nurse, unit=ward, episode=episode, key=key, status="done")
    services.safety_bed_reserve(staff=nurse, unit=ward, episode=episode)
    services.episode_send_home(staff=nurse, unit=ward, episode=episode)
    episode.refresh_from_db()
    assert episode.state == "at_home"
    services.episode_end_on_request(
        staff=physician, unit=ward, episode=episode, reason="Klar", summary="Avslutad"
    )
    episode.refresh_from_db()
    assert episode.state == "discharged"


def _team_accepts(episode, nurse, team, member):
    request = carerequests.care_request_send(
        staff=nurse,
        unit=episode.ward,
        episode=episode,
        kind="home_health",
        to_unit=team,
        reason="IV-antibiotika",
        start_at=timezone.now() + timedelta(hours=3),
        interventions="Pumpbyte 08",
    )
    carerequests.care_request_accept(staff=member, unit=team, care_request=request)
    episode.refresh_from_db()
    return request


def test_plan_b_the_ward_follows_the_patient_without_a_visiting_team(
    ward_nurse, physician, ward, kim, safety_bed
):
    episode = to_agreed(
        patient=kim, ward=ward, nurse=ward_nurse, physician=physician, visiting="none"
    )
    services.episode_start_preparing(staff=ward_nurse, unit=ward, episode=episode)
    item = ChecklistItem.objects.get(episode=episode, key="care_request_accepted")
    assert item.status == "not_applicable"  # no request to be accepted in Plan B
    _home_and_discharged(episode, ward_nurse, physician)
    assert episode.home_health_unit is None and episode.visiting == "none"


@pytest.mark.parametrize("team_name", ["mobile_team", "stroke_team"])
def test_a_hospital_team_visits_even_without_sharing_with_the_municipality(
    request, ward_nurse, physician, ward, kim, safety_bed, team_name
):
    team = request.getfixturevalue(team_name)
    member = make_staff(f"{team_name}.ssk", "nurse", team)
    pathway = "stroke_esd" if team_name == "stroke_team" else "admission_avoidance"
    episode = to_assessed(
        patient=kim,
        ward=ward,
        nurse=ward_nurse,
        physician=physician,
        visiting=team_name,
        pathway=pathway,
        shares_information=False,
    )
    assert episode.state == "assessed"  # sharing refused: the episode goes on
    write_agreement(episode, ward_nurse)
    services.episode_mark_agreed(staff=ward_nurse, unit=ward, episode=episode)
    _team_accepts(episode, ward_nurse, team, member)
    assert (episode.visiting, episode.home_health_unit) == (team_name, team)
    services.episode_start_preparing(staff=ward_nurse, unit=ward, episode=episode)
    _home_and_discharged(episode, ward_nurse, physician)
    assert not SharingConsent.objects.filter(patient=kim).exists()


def test_refusing_sharing_removes_the_municipality_not_the_episode(
    ward_nurse, physician, ward, home_health, kim
):
    episode = to_assessed(
        patient=kim, ward=ward, nurse=ward_nurse, physician=physician, shares_information=False
    )
    assert (episode.state, episode.visiting) == ("assessed", "none")
    assert not CareRelationship.objects.filter(
        patient=kim, unit=home_health, ended_at__isnull=True
    ).exists()
    with pytest.raises(NotAllowed, match="informationsdelning"):
        services.episode_set_visiting(
            staff=ward_nurse,
            unit=ward,
            episode=episode,
            visiting="home_health",
            visiting_unit=home_health,
        )
    episode.refresh_from_db()
    assert episode.home_health_unit is None


def test_the_visiting_team_is_checked(ward_nurse, ward, kim, home_health, mobile_team):
    episode = services.episode_flag_candidate(staff=ward_nurse, unit=ward, patient=kim)
    with pytest.raises(HemmaError, match="inte en enhet av typen"):
        services.episode_set_visiting(
            staff=ward_nurse,
            unit=ward,
            episode=episode,
            visiting="stroke_team",
            visiting_unit=mobile_team,
        )
    with pytest.raises(HemmaError, match="Plan B har ingen"):
        services.episode_set_visiting(
            staff=ward_nurse, unit=ward, episode=episode, visiting="none", visiting_unit=home_health
        )
    services.episode_set_visiting(
        staff=ward_nurse,
        unit=ward,
        episode=episode,
        visiting="mobile_team",
        visiting_unit=mobile_team,
    )
    episode.refresh_from_db()
    assert (episode.visiting, episode.home_health_unit) == ("mobile_team", mobile_team)
    assert CareRelationship.objects.filter(patient=kim, unit=mobile_team).exists()


def test_only_the_ward_chooses_the_team(home_nurse, home_health, ward_nurse, ward, kim):
    episode = services.episode_flag_candidate(
        staff=ward_nurse, unit=ward, patient=kim, home_health_unit=home_health
    )
    with pytest.raises(NotAllowed):
        services.episode_set_visiting(
            staff=home_nurse, unit=home_health, episode=episode, visiting="none", visiting_unit=None
        )
    assert Episode.objects.get(pk=episode.pk).visiting == "home_health"


def test_a_team_plans_its_visits(ward_nurse, physician, ward, kim, mobile_team):
    from hemma.visits.services.common import require_visiting_unit

    member = make_staff("mt.ssk", "nurse", mobile_team)
    require_visiting_unit(member, mobile_team)  # the planner is open to the team
    with pytest.raises(NotAllowed, match="besökande teamet"):
        require_visiting_unit(ward_nurse, ward)


def test_going_home_needs_the_request_to_the_chosen_team(
    ward_nurse, physician, ward, kim, home_health, mobile_team
):
    episode = to_agreed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
    send_home_health_request(episode, ward_nurse, home_health)
    services.episode_set_visiting(
        staff=ward_nurse,
        unit=ward,
        episode=episode,
        visiting="mobile_team",
        visiting_unit=mobile_team,
    )
    with pytest.raises(NotAllowed, match="besökande teamet först"):
        services.episode_start_preparing(staff=ward_nurse, unit=ward, episode=episode)


def test_the_stroke_team_plans_its_rehabilitation_visits(
    ward_nurse, physician, ward, kim, stroke_team
):
    """Stroke ESD: the team's physiotherapy, occupational therapy, speech therapy and
    nurse visits are the stroke team's, in its own planner."""
    from hemma.visits.models import Visit
    from hemma.visits.services import visits_generate

    member = make_staff("st.ssk", "nurse", stroke_team)
    episode = to_assessed(
        patient=kim,
        ward=ward,
        nurse=ward_nurse,
        physician=physician,
        visiting="stroke_team",
        pathway="stroke_esd",
    )
    write_agreement(episode, ward_nurse, "Tidig understödd utskrivning efter stroke")
    services.episode_mark_agreed(staff=ward_nurse, unit=ward, episode=episode)
    _team_accepts(episode, ward_nurse, stroke_team, member)
    today = timezone.localdate()
    for offset in range(7):
        visits_generate(staff=member, unit=stroke_team, day=today + timedelta(days=offset))
    skills = set(Visit.objects.filter(episode=episode).values_list("skill", flat=True))
    assert {"physiotherapist", "occupational_therapist", "nurse"} <= skills
    assert set(Visit.objects.filter(episode=episode).values_list("unit", flat=True)) == {
        stroke_team.pk
    }
    assert "Teamträff" not in " ".join(Visit.objects.values_list("what", flat=True))
