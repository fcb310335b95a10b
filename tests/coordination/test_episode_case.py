"""Issue 17: the hospital-at-home episode and its lag (2017:612) case are one process. A
notice sent from the episode page is one message of the episode's case – shown on the
episode page and the case page alike, never a second case – and the SIP can be called and
held for a patient at home."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.coordination import episode_case, services
from hemma.coordination.models import CaseMessage, DischargeCase, SipPlan
from hemma.episodes.models import Episode
from hemma.errors import Conflict, NotAllowed
from hemma.patients.models import CareRelationship
from tests.conftest import make_patient, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(ward, home_health, primary_care):
    """Lisa at home: the ward and home health care in her team, listed at the primary care
    centre, consent to sharing between region and municipality."""
    return make_patient(
        "19380508-9145", "Lisa", ward, home_health, primary_care, listed_unit=primary_care
    )


@pytest.fixture
def episode(patient, ward, home_health, ward_nurse):
    return Episode.objects.create(
        patient=patient,
        ward=ward,
        home_health_unit=home_health,
        created_by=ward_nurse,
        state="at_home",
        at_home_since=timezone.now() - timedelta(days=1),
        tier="lisa",
    )


@pytest.fixture
def manager(primary_care):
    return make_staff("vcchef", "physician", primary_care, role="manager")


def notice_url(episode):
    return reverse("coordination:episode_notice", args=[episode.pk])


def episode_url(episode):
    return reverse("episodes:detail", args=[episode.pk])


def admission_data(hours_ago=3):
    admitted = timezone.localtime() - timedelta(hours=hours_ago)
    return {
        "notice": "admission",
        "admitted_at": admitted.strftime("%Y-%m-%dT%H:%M"),
        "estimated_discharge": (timezone.localdate() + timedelta(days=3)).isoformat(),
    }


def send_admission(staff, unit, episode, **changes):
    return episode_case.episode_notice_send(
        staff=staff,
        unit=unit,
        episode=episode,
        notice="admission",
        admitted_at=timezone.now() - timedelta(hours=3),
        estimated_discharge=timezone.localdate() + timedelta(days=3),
        **changes,
    )


class TestOneNoticeTwoPages:
    def test_a_notice_recorded_once_appears_on_the_episode_page_and_the_case_page(
        self, client, episode, ward_nurse, physician, home_health, primary_care
    ):
        client.force_login(ward_nurse.user)
        response = client.post(notice_url(episode), admission_data())
        assert response.status_code == 302 and response.url == episode_url(episode)
        case = DischargeCase.objects.get()
        assert case.episode == episode
        # The receivers: the episode's municipal unit (consent given) and the listed centre.
        assert set(case.receivers.all()) == {home_health, primary_care}
        message = case.messages.get()
        assert message.kind == CaseMessage.Kind.ADMISSION and not message.late
        episode.refresh_from_db()
        assert episode.admission_notice_at == message.sent_at  # the copy, not a second fact

        client.force_login(physician.user)
        assert client.post(notice_url(episode), {"notice": "ready"}).status_code == 302
        case.refresh_from_db()
        episode.refresh_from_db()
        assert case.ready_at is not None and episode.ready_for_discharge_at == case.ready_at

        ready = timezone.localtime(case.ready_at).strftime("%Y-%m-%d %H:%M")
        estimate = case.estimated_discharge.isoformat()
        episode_page = client.get(episode_url(episode)).content.decode()
        case_page = client.get(reverse("coordination:case", args=[case.pk])).content.decode()
        for page in (episode_page, case_page):
            assert "Inskrivningsmeddelande" in page and "Utskrivningsklar" in page
            assert ready in page and estimate in page
            assert "Kalla SIP senast" in page  # the SIP call deadline, from the same clock
        assert reverse("coordination:case", args=[case.pk]) in episode_page
        assert notice_url(episode) in episode_page
        # The flow's own way of typing the times in is gone from the page.
        assert reverse("episodes:act", args=[episode.pk, "notice"]) not in episode_page

    def test_a_second_admission_notice_is_refused_and_no_second_case_is_made(
        self, client, episode, ward_nurse, ward
    ):
        send_admission(ward_nurse, ward, episode)
        with pytest.raises(Conflict, match="redan skickat"):
            send_admission(ward_nurse, ward, episode)
        client.force_login(ward_nurse.user)
        page = client.post(notice_url(episode), admission_data(), follow=True).content.decode()
        assert "redan skickat" in page
        assert DischargeCase.objects.count() == 1 and CaseMessage.objects.count() == 1

    def test_a_case_opened_on_the_patient_page_first_is_linked_not_duplicated(
        self, episode, patient, ward_nurse, ward, home_health
    ):
        # Opened before the episode existed (an inpatient case): the episode's notice links it.
        Episode.objects.filter(pk=episode.pk).update(state="cancelled")
        case = services.case_open(
            staff=ward_nurse,
            unit=ward,
            patient=patient,
            admitted_at=timezone.now() - timedelta(hours=30),
            estimated_discharge=timezone.localdate() + timedelta(days=2),
            receivers=[home_health],
        )
        assert case.episode is None
        Episode.objects.filter(pk=episode.pk).update(state="at_home")
        linked = send_admission(ward_nurse, ward, episode)
        assert linked.pk == case.pk and DischargeCase.objects.count() == 1
        assert CaseMessage.objects.filter(kind="admission").count() == 1
        episode.refresh_from_db()
        assert episode.admission_notice_at == case.messages.get().sent_at

    def test_a_case_opened_on_the_patient_page_during_the_episode_is_the_episodes(
        self, episode, patient, ward_nurse, ward, home_health
    ):
        case = services.case_open(
            staff=ward_nurse,
            unit=ward,
            patient=patient,
            admitted_at=timezone.now() - timedelta(hours=3),
            estimated_discharge=timezone.localdate() + timedelta(days=2),
            receivers=[home_health],
        )
        assert case.episode == episode
        episode.refresh_from_db()
        assert episode.admission_notice_at == case.messages.get().sent_at

    def test_withdrawing_ready_on_the_case_page_follows_on_the_episode(
        self, episode, ward_nurse, physician, ward
    ):
        case = send_admission(ward_nurse, ward, episode)
        episode_case.episode_notice_send(
            staff=physician, unit=ward, episode=episode, notice="ready"
        )
        assert Episode.objects.get(pk=episode.pk).ready_for_discharge_at is not None
        services.case_withdraw_ready(staff=physician, unit=ward, case=case, reason="Ny feber")
        assert Episode.objects.get(pk=episode.pk).ready_for_discharge_at is None

    def test_ready_needs_the_admission_notice_first(self, episode, physician, ward):
        with pytest.raises(Exception, match="inskrivningsmeddelandet först"):
            episode_case.episode_notice_send(
                staff=physician, unit=ward, episode=episode, notice="ready"
            )
        assert not DischargeCase.objects.exists()

    def test_without_consent_to_sharing_the_municipality_gets_no_notice(
        self, ward, home_health, primary_care, ward_nurse
    ):
        patient = make_patient(
            "19121212-1212", "Tolvan", ward, primary_care, consent=False, listed_unit=primary_care
        )
        episode = Episode.objects.create(
            patient=patient,
            ward=ward,
            home_health_unit=home_health,
            created_by=ward_nurse,
            state="preparing",
        )
        case = send_admission(ward_nurse, ward, episode)
        assert list(case.receivers.all()) == [primary_care]

    def test_the_flows_own_notice_action_no_longer_records_a_second_fact(
        self, client, episode, ward_nurse
    ):
        client.force_login(ward_nurse.user)
        at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        response = client.post(
            reverse("episodes:act", args=[episode.pk, "notice"]),
            {"notice": "admission", "at": at},
            follow=True,
        )
        assert "samordningsärendet" in response.content.decode()
        assert Episode.objects.get(pk=episode.pk).admission_notice_at is None


class TestPermissions:
    @pytest.mark.parametrize("who", ["home_nurse", "coordinator", "needs_assessor"])
    def test_a_crafted_post_by_another_unit_is_refused(
        self, client, request, who, episode, home_care
    ):
        CareRelationship.objects.get_or_create(patient=episode.patient, unit=home_care)
        staff = request.getfixturevalue(who)
        client.force_login(staff.user)
        response = client.post(notice_url(episode), admission_data())
        assert response.status_code in (403, 404)
        assert AccessLogEntry.objects.filter(
            outcome="denied", user=staff.user, detail__startswith=f"episode {episode.pk}"
        ).exists()
        assert not DischargeCase.objects.exists()
        assert Episode.objects.get(pk=episode.pk).admission_notice_at is None

    def test_the_visiting_team_gets_a_403(self, client, episode, home_nurse):
        client.force_login(home_nurse.user)
        assert client.post(notice_url(episode), admission_data()).status_code == 403
        page = client.get(episode_url(episode)).content.decode()
        assert notice_url(episode) not in page

    def test_ready_is_the_physicians(self, client, episode, ward_nurse, ward):
        send_admission(ward_nurse, ward, episode)
        client.force_login(ward_nurse.user)
        assert client.post(notice_url(episode), {"notice": "ready"}).status_code == 403
        with pytest.raises(NotAllowed, match="Bara en läkare"):
            episode_case.episode_notice_send(
                staff=ward_nurse, unit=ward, episode=episode, notice="ready"
            )
        assert DischargeCase.objects.get().ready_at is None

    def test_the_services_refuse_another_unit_on_their_own(self, episode, home_nurse, home_health):
        with pytest.raises(NotAllowed):
            send_admission(home_nurse, home_health, episode)
        assert not DischargeCase.objects.exists()

    def test_a_finished_episode_sends_no_notice(self, episode, ward_nurse, ward):
        Episode.objects.filter(pk=episode.pk).update(state="discharged")
        with pytest.raises(NotAllowed):
            send_admission(ward_nurse, ward, episode)


class TestSipAtHome:
    def test_a_sip_is_called_and_held_for_a_patient_at_home(
        self, client, episode, ward_nurse, physician, ward, manager, coordinator, primary_care
    ):
        case = send_admission(ward_nurse, ward, episode)
        episode_case.episode_notice_send(
            staff=physician, unit=ward, episode=episode, notice="ready"
        )
        services.fixed_contact_appoint(
            staff=manager, unit=primary_care, case=case, contact=coordinator
        )
        services.sip_consent_record(staff=coordinator, unit=primary_care, case=case)
        meeting_at = timezone.now() + timedelta(days=1)
        services.sip_call(
            staff=coordinator,
            unit=primary_care,
            case=case,
            meeting_at=meeting_at,
            participants="Lisa, dottern, hemsjukvården, avdelningen",
            place="Hemma hos Lisa",
        )
        # Held: the plan is written at the meeting, while the patient is still at home.
        services.sip_plan_save(
            staff=coordinator,
            unit=primary_care,
            case=case,
            base_number=0,
            needs="Tillsyn och måltider",
            goals="Klara sig hemma",
            actions=[{"who": "Hemsjukvården", "what": "Pumpbyte", "when": "08"}],
            follow_up_on=timezone.localdate() + timedelta(days=14),
        )
        assert Episode.objects.get(pk=episode.pk).state == "at_home"
        assert SipPlan.objects.filter(case=case).count() == 1
        client.force_login(ward_nurse.user)
        page = client.get(episode_url(episode)).content.decode()
        assert "Hemma hos Lisa" in page and "SIP kallad" in page
        assert coordinator.display_name in page  # the fixed care contact, same as the case


def test_the_case_closes_with_the_episode_so_a_next_episode_gets_its_own(
    episode, ward_nurse, physician, ward, patient
):
    from hemma.episodes import services as episodes

    send_admission(ward_nurse, ward, episode)
    case = DischargeCase.objects.get(episode=episode)
    episodes.episode_transfer(
        staff=physician, unit=ward, episode=episode, destination="Avd 31", reason="Ortopedi"
    )
    case.refresh_from_db()
    assert case.status == "discharged" and case.discharged_at is not None
    assert CaseMessage.objects.filter(case=case, kind="discharged").exists()
    later = Episode.objects.create(
        patient=patient, ward=ward, created_by=ward_nurse, state="at_home", tier="lisa"
    )
    send_admission(ward_nurse, ward, later)
    assert DischargeCase.objects.get(episode=later).pk != case.pk
