"""Episode services: who may do what, and the state machine enforced with clear messages."""

import threading

import pytest
from django.db import connection

from hemma.audit.models import AccessLogEntry
from hemma.coordination.episode_tasks import episode_task_complete
from hemma.coordination.models import Task
from hemma.episodes import services
from hemma.episodes.models import (
    ChecklistItem,
    Episode,
    Referral,
    SafetyBed,
    SafetyBedReservation,
)
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.models import CareRelationship

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


@pytest.mark.django_db
class TestFlagAndAssess:
    def test_flagging_creates_the_episode_its_timeline_checklist_and_relationships(
        self, ward_nurse, ward, home_health, primary_care, kim
    ):
        episode = services.episode_flag_candidate(
            staff=ward_nurse,
            unit=ward,
            patient=kim,
            reason="Pyelonefrit, stabil",
            home_health_unit=home_health,
        )
        assert episode.state == "candidate"
        transition = episode.transitions.get()
        assert (transition.to_state, transition.by, transition.reason) == (
            "candidate",
            ward_nurse,
            "Pyelonefrit, stabil",
        )
        assert episode.checklist.count() == len(ChecklistItem.Key.values)
        units = set(
            CareRelationship.objects.filter(patient=kim, ended_at=None).values_list(
                "unit", flat=True
            )
        )
        assert {ward.pk, home_health.pk, primary_care.pk} <= units

    def test_a_patient_has_one_open_episode_at_a_time(self, ward_nurse, ward, kim):
        services.episode_flag_candidate(staff=ward_nurse, unit=ward, patient=kim)
        with pytest.raises(Conflict, match="redan ett pågående"):
            services.episode_flag_candidate(staff=ward_nurse, unit=ward, patient=kim)

    def test_only_a_ward_flags_candidates(self, home_nurse, home_health, lisa):
        with pytest.raises(NotAllowed):
            services.episode_flag_candidate(staff=home_nurse, unit=home_health, patient=lisa)

    def test_it_rejects_a_suitability_decision_by_a_nurse(
        self, ward_nurse, ward, make_episode, kim
    ):
        episode = make_episode(kim)
        with pytest.raises(NotAllowed, match="Bara en läkare"):
            services.assessment_decide(
                staff=ward_nurse, unit=ward, episode=episode, suitable=True, reason="ok"
            )
        episode.refresh_from_db()
        assert episode.state == "candidate"

    def test_a_physician_decides_suitable(self, physician, ward, make_episode, kim):
        from hemma.episodes.models import Assessment

        episode = make_episode(kim)
        Assessment.objects.create(episode=episode)
        services.assessment_decide(
            staff=physician, unit=ward, episode=episode, suitable=True, reason="Stabil, bra stöd"
        )
        episode.refresh_from_db()
        assert episode.state == "assessed"
        assert episode.assessment.decided_by == physician

    def test_not_suitable_ends_the_episode_with_the_reason(
        self, physician, ward, make_episode, kim
    ):
        from hemma.episodes.models import Assessment

        episode = make_episode(kim)
        Assessment.objects.create(episode=episode)
        services.assessment_decide(
            staff=physician, unit=ward, episode=episode, suitable=False, reason="Instabil"
        )
        episode.refresh_from_db()
        assert episode.state == "cancelled"
        assert "Instabil" in episode.transitions.last().reason

    def test_declined_consent_stops_the_flow(self, ward_nurse, ward, make_episode, kim):
        episode = make_episode(kim, state="assessed")
        services.consent_record(
            staff=ward_nurse,
            unit=ward,
            episode=episode,
            patient_informed=True,
            next_of_kin_informed=True,
            brochure_given=True,
            patient_agrees=False,
            shares_information=True,
        )
        episode.refresh_from_db()
        assert episode.state == "cancelled"
        assert "vill inte" in episode.transitions.last().reason


@pytest.mark.django_db
class TestIllegalTransitions:
    @pytest.mark.parametrize(
        "state", ["candidate", "assessed", "agreed", "discharged", "cancelled"]
    )
    def test_going_home_is_refused_unless_preparing(
        self, ward_nurse, ward, make_episode, kim, state
    ):
        episode = make_episode(kim, state=state)
        with pytest.raises(NotAllowed):
            services.episode_send_home(staff=ward_nurse, unit=ward, episode=episode)

    def test_a_discharged_episode_cannot_be_readmitted(self, physician, ward, make_episode, kim):
        episode = make_episode(kim, state="discharged")
        with pytest.raises(NotAllowed, match="Det går inte att gå från"):
            services.episode_direct_admission(
                staff=physician, unit=ward, episode=episode, reason="Feber"
            )


@pytest.mark.django_db
class TestChecklistBedAndHome:
    def _ready(self, episode, staff):
        ChecklistItem.objects.bulk_create(
            [ChecklistItem(episode=episode, key=key) for key in ChecklistItem.Key.values]
        )
        for key in ChecklistItem.Key.values:
            if key not in ("safety_bed", "care_request_accepted"):
                services.checklist_item_set(
                    staff=staff, unit=episode.ward, episode=episode, key=key, status="done"
                )
        # Ticked by the receiving unit's acceptance, never by hand (tested in carerequests).
        ChecklistItem.objects.filter(episode=episode, key="care_request_accepted").update(
            status="done"
        )

    def test_care_request_accepted_cannot_be_ticked_by_hand(
        self, ward_nurse, ward, make_episode, kim
    ):
        episode = make_episode(kim, state="preparing")
        ChecklistItem.objects.create(episode=episode, key="care_request_accepted")
        with pytest.raises(HemmaError, match="accepterar vårdbegäran"):
            services.checklist_item_set(
                staff=ward_nurse,
                unit=ward,
                episode=episode,
                key="care_request_accepted",
                status="done",
            )

    def test_it_will_not_send_home_with_open_items(
        self, ward_nurse, ward, make_episode, kim, safety_bed
    ):
        episode = make_episode(kim, state="preparing")
        ChecklistItem.objects.bulk_create(
            [ChecklistItem(episode=episode, key=key) for key in ChecklistItem.Key.values]
        )
        with pytest.raises(NotAllowed, match="Checklistan är inte klar"):
            services.episode_send_home(staff=ward_nurse, unit=ward, episode=episode)

    def test_not_applicable_needs_a_reason(self, ward_nurse, ward, make_episode, kim):
        episode = make_episode(kim, state="preparing")
        ChecklistItem.objects.create(episode=episode, key="video_tested")
        with pytest.raises(HemmaError, match="varför"):
            services.checklist_item_set(
                staff=ward_nurse,
                unit=ward,
                episode=episode,
                key="video_tested",
                status="not_applicable",
                note=" ",
            )

    def test_reserve_send_home_call_readmit_return_and_discharge(
        self, ward_nurse, physician, ward, home_health, make_episode, kim, safety_bed
    ):
        episode = make_episode(kim, state="preparing")
        self._ready(episode, ward_nurse)
        reservation = services.safety_bed_reserve(staff=ward_nurse, unit=ward, episode=episode)
        assert reservation.bed.label == "Plats 23"
        services.episode_send_home(staff=ward_nurse, unit=ward, episode=episode)
        episode.refresh_from_db()
        assert episode.state == "at_home" and episode.at_home_since
        call = Task.objects.get(episode=episode, kind="evening_call")
        assert call.owner_unit == ward and call.title == "Kvällssamtal dag 1"
        episode_task_complete(staff=ward_nurse, unit=ward, task=call, note="Mår bra")

        services.episode_direct_admission(
            staff=physician, unit=ward, episode=episode, reason="NEWS2 7, frossa"
        )
        episode.refresh_from_db()
        assert episode.state == "readmitted"
        assert SafetyBedReservation.objects.get(episode=episode).occupied_at is not None
        notice = Task.objects.get(episode=episode, owner_unit=home_health)
        assert "Plats 23" in notice.title

        services.episode_return_home(staff=ward_nurse, unit=ward, episode=episode, reason="")
        with pytest.raises(NotAllowed, match="Bara en läkare"):
            services.episode_discharge(
                staff=ward_nurse, unit=ward, episode=episode, summary="x", referral_text="y"
            )
        services.episode_discharge(
            staff=physician,
            unit=ward,
            episode=episode,
            summary="Feberfri, CRP 12",
            referral_text="Uppföljning CRP om 2 veckor",
        )
        episode.refresh_from_db()
        assert episode.state == "discharged" and episode.ended_at
        assert SafetyBedReservation.objects.get(episode=episode).released_at is not None
        assert Referral.objects.get(episode=episode).to_unit == kim.listed_unit
        ward_relationship = CareRelationship.objects.get(patient=kim, unit=ward)
        assert ward_relationship.ended_at > episode.ended_at  # grace period for follow-up
        states_seen = list(episode.transitions.values_list("to_state", flat=True))
        assert states_seen == ["at_home", "readmitted", "at_home", "discharged"]
        assert AccessLogEntry.objects.filter(patient=kim, action="edit_patient").exists()

    def test_after_the_grace_period_the_ward_can_no_longer_read(
        self, ward_nurse, physician, ward, make_episode, kim, client
    ):
        from datetime import timedelta

        from django.urls import reverse
        from django.utils import timezone

        episode = make_episode(kim, state="at_home")
        services.episode_discharge(
            staff=physician, unit=ward, episode=episode, summary="Klar", referral_text=""
        )
        client.force_login(ward_nurse.user)
        url = reverse("patients:detail", kwargs={"patient_id": kim.pk})
        assert client.get(url).status_code == 200  # within the grace period
        CareRelationship.objects.filter(patient=kim, unit=ward).update(
            started_at=timezone.now() - timedelta(days=30),
            ended_at=timezone.now() - timedelta(minutes=1),
        )
        assert client.get(url).status_code == 404

    def test_the_last_safety_bed_cannot_be_taken_twice(
        self, ward_nurse, ward, make_episode, kim, lisa, safety_bed
    ):
        first = make_episode(kim, state="preparing")
        second = make_episode(lisa, state="preparing")
        services.safety_bed_reserve(staff=ward_nurse, unit=ward, episode=first)
        with pytest.raises(Conflict, match="upptagna"):
            services.safety_bed_reserve(staff=ward_nurse, unit=ward, episode=second)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_reservations_for_the_last_place_give_exactly_one(
    ward_nurse, ward, make_episode, kim, lisa, safety_bed
):
    from django.db import connections

    episodes = [make_episode(kim, state="preparing"), make_episode(lisa, state="preparing")]
    barrier = threading.Barrier(2)
    outcomes = []

    def reserve(episode):
        try:
            barrier.wait(timeout=10)
            services.safety_bed_reserve(staff=ward_nurse, unit=ward, episode=episode)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reserve, args=(e,)) for e in episodes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "ok"]
    assert SafetyBedReservation.objects.filter(released_at=None).count() == 1
    assert SafetyBed.objects.count() == 1
    assert Episode.objects.count() == 2
