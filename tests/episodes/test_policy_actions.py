"""Issue 13: actions are authorised by the unit's role in the episode, not by read access.

Every step of the flow × every unit of the attack on the demo: the owning ward's nurse and
physician, a nurse of another ward, the municipal nurse of the visiting team, home care's
needs assessor and primary care's coordinator. Each one can read Lisa (a care relationship,
her consent to sharing); only the policy's table decides who may act. A refused action is a
403 with a DENIED entry naming the episode and the action, and nothing changes – through
the page and through the services alike."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.careplans.models import Agreement
from hemma.carerequests.models import CareRequest
from hemma.coordination.episode_case import episode_notice_send
from hemma.coordination.episode_tasks import episode_task_complete
from hemma.coordination.models import Task
from hemma.episodes import services
from hemma.episodes.models import (
    Assessment,
    ChecklistItem,
    Consent,
    Episode,
    Referral,
    SafetyBedReservation,
)
from hemma.errors import NotAllowed

pytestmark = pytest.mark.django_db

ACTIONS = (
    "assess",
    "decide",
    "consent",
    "agreed",
    "prepare",
    "checklist",
    "reserve_bed",
    "send_home",
    "task_done",
    "readmit",
    "return_home",
    "discharge",
    "notice",
    "cancel",
)

# actor → (fixture of the staff member, fixture of the unit they act for)
ACTORS = {
    "owner_nurse": ("ward_nurse", "ward"),
    "owner_physician": ("physician", "ward"),
    "other_ward_nurse": ("other_ward_nurse", "other_ward"),
    "home_nurse": ("home_nurse", "home_health"),
    "needs_assessor": ("needs_assessor", "home_care"),
    "coordinator": ("coordinator", "primary_care"),
}

# The table, written out (not derived from the policy, so the two check each other).
ALLOWED = {
    "owner_nurse": set(ACTIONS) - {"decide", "discharge"},
    "owner_physician": set(ACTIONS),
    "other_ward_nurse": set(),
    "home_nurse": {"task_done"},  # its own tasks
    "needs_assessor": set(),
    "coordinator": {"task_done"},  # its own tasks
}

CASES = [(actor, action) for actor in ACTORS for action in ACTIONS]


def act_url(episode, action):
    if action == "notice":
        # Issue 17: the notice is a message of the episode's lag (2017:612) case, posted to
        # coordination, which asks the same policy first (the flow's own action refuses).
        return reverse("coordination:episode_notice", args=[episode.pk])
    return reverse("episodes:act", kwargs={"episode_id": episode.pk, "action": action})


def detail_url(episode):
    return reverse("episodes:detail", kwargs={"episode_id": episode.pk})


def _reserve(episode, bed, nurse, **fields):
    return SafetyBedReservation.objects.create(
        bed=bed, episode=episode, reserved_by=nurse, **fields
    )


def setup_for(action, *, make_episode, patient, ward, home_health, nurse, bed, task_unit):
    """An episode in a state where `action` succeeds for a unit the policy allows, and the
    form data a page would post."""
    now = timezone.now()
    if action in ("assess", "decide"):
        episode = make_episode(patient, "candidate")
        Assessment.objects.create(episode=episode)
        if action == "assess":
            return episode, {"tier": "lisa", "nurse_note": "Bedömd hemma"}
        return episode, {"suitable": "yes", "reason": "Stabil"}
    if action == "consent":
        return make_episode(patient, "assessed"), {
            "patient_informed": "on",
            "patient_agrees": "on",
            "shares_information": "on",
        }
    if action == "agreed":
        episode = make_episode(patient, "assessed")
        Consent.objects.create(
            episode=episode,
            patient_informed=True,
            next_of_kin_informed=True,
            brochure_given=True,
            patient_agrees=True,
            shares_information=True,
            recorded_by=nurse,
        )
        Agreement.objects.create(episode=episode)
        return episode, {}
    if action == "prepare":
        episode = make_episode(patient, "agreed")
        CareRequest.objects.create(
            episode=episode,
            kind="home_health",
            from_unit=ward,
            to_unit=home_health,
            reason="Pyelonefrit",
            start_at=now,
            interventions="Pumpbyte",
            sent_by=nurse,
        )
        return episode, {}
    if action == "checklist":
        episode = make_episode(patient, "agreed")
        ChecklistItem.objects.create(episode=episode, key="transport")
        return episode, {"key": "transport", "status": "done"}
    if action == "reserve_bed":
        return make_episode(patient, "agreed"), {}
    if action == "send_home":
        episode = make_episode(patient, "preparing")
        _reserve(episode, bed, nurse)
        return episode, {}
    if action == "task_done":
        episode = make_episode(patient, "at_home", at_home_since=now)
        task = Task.objects.create(
            title="Ring patienten",
            owner_unit=task_unit,
            episode=episode,
            patient=patient,
            due_on=timezone.localdate(),
        )
        return episode, {"task": task.pk, "note": "Ringt"}
    if action == "readmit":
        episode = make_episode(patient, "at_home", at_home_since=now)
        _reserve(episode, bed, nurse)
        return episode, {"reason": "Feber 39"}
    if action == "return_home":
        episode = make_episode(patient, "readmitted", at_home_since=now)
        _reserve(episode, bed, nurse, occupied_at=now)
        return episode, {"reason": ""}
    if action == "discharge":
        return make_episode(patient, "at_home", at_home_since=now), {
            "summary": "Feberfri",
            "referral_text": "",
        }
    if action == "notice":
        at = timezone.localtime(now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        return make_episode(patient, "preparing"), {
            "notice": "admission",
            "admitted_at": at,
            "estimated_discharge": timezone.localdate().isoformat(),
        }
    if action == "cancel":
        return make_episode(patient, "candidate"), {"reason": "Vill vara kvar"}
    raise AssertionError(action)


def snapshot(episode):
    """Everything an action of the flow could change."""
    episode = Episode.objects.get(pk=episode.pk)
    return (
        episode.state,
        episode.version,
        episode.tier,
        episode.admission_notice_at,
        episode.discharge_summary,
        episode.transitions.count(),
        list(Assessment.objects.filter(episode=episode).values_list("nurse_note", "suitable")),
        Consent.objects.filter(episode=episode).exists(),
        list(episode.checklist.order_by("key").values_list("key", "status")),
        list(
            SafetyBedReservation.objects.filter(episode=episode)
            .order_by("pk")
            .values_list("pk", "occupied_at", "released_at")
        ),
        list(Task.objects.filter(episode=episode).order_by("pk").values_list("pk", "done_at")),
    )


def refused(episode, action):
    return AccessLogEntry.objects.filter(
        outcome="denied", patient=episode.patient, detail=f"episode {episode.pk} {action}: refused"
    )


@pytest.fixture
def build(request, make_episode, lisa_and_everyone, ward, home_health, ward_nurse, safety_bed):
    def build(actor, action):
        staff_name, unit_name = ACTORS[actor]
        unit = request.getfixturevalue(unit_name)
        episode, data = setup_for(
            action,
            make_episode=make_episode,
            patient=lisa_and_everyone,
            ward=ward,
            home_health=home_health,
            nurse=ward_nurse,
            bed=safety_bed,
            task_unit=unit,  # the actor's own task: a refusal is the role's, not ownership's
        )
        return request.getfixturevalue(staff_name), unit, episode, data

    return build


@pytest.mark.parametrize(("actor", "action"), CASES)
def test_a_crafted_post_meets_the_policy(client, build, actor, action):
    staff, _unit, episode, data = build(actor, action)
    before = snapshot(episode)
    client.force_login(staff.user)
    response = client.post(act_url(episode, action), data)
    if action in ALLOWED[actor]:
        assert response.status_code == 302, response.content.decode()[:500]
        assert not refused(episode, action).exists()
        assert snapshot(episode) != before, "the allowed action did nothing"
    else:
        assert response.status_code == 403
        assert refused(episode, action).count() == 1
        assert snapshot(episode) == before
        # The log does not claim a granted edit before the refusal.
        assert not AccessLogEntry.objects.filter(user=staff.user, outcome="granted").exists()


# service → a call of it; the services refuse the wrong unit on their own.
SERVICE_CALLS = {
    "assess": lambda s, u, e: services.assessment_update(
        staff=s, unit=u, episode=e, checks={}, tier="lisa", nurse_note="x"
    ),
    "decide": lambda s, u, e: services.assessment_decide(
        staff=s, unit=u, episode=e, suitable=True, reason="x"
    ),
    "consent": lambda s, u, e: services.consent_record(
        staff=s,
        unit=u,
        episode=e,
        patient_informed=True,
        next_of_kin_informed=True,
        brochure_given=True,
        patient_agrees=True,
        shares_information=True,
    ),
    "agreed": lambda s, u, e: services.episode_mark_agreed(staff=s, unit=u, episode=e),
    "prepare": lambda s, u, e: services.episode_start_preparing(staff=s, unit=u, episode=e),
    "checklist": lambda s, u, e: services.checklist_item_set(
        staff=s, unit=u, episode=e, key="transport", status="done"
    ),
    "reserve_bed": lambda s, u, e: services.safety_bed_reserve(staff=s, unit=u, episode=e),
    "send_home": lambda s, u, e: services.episode_send_home(staff=s, unit=u, episode=e),
    "task_done": lambda s, u, e: episode_task_complete(
        staff=s, unit=u, task=e.tasks.get(), note="x"
    ),
    "readmit": lambda s, u, e: services.episode_direct_admission(
        staff=s, unit=u, episode=e, reason="x"
    ),
    "return_home": lambda s, u, e: services.episode_return_home(
        staff=s, unit=u, episode=e, reason=""
    ),
    "discharge": lambda s, u, e: services.episode_discharge(
        staff=s, unit=u, episode=e, summary="x", referral_text=""
    ),
    "notice": lambda s, u, e: episode_notice_send(
        staff=s,
        unit=u,
        episode=e,
        notice="admission",
        admitted_at=timezone.now(),
        estimated_discharge=timezone.localdate(),
    ),
    "cancel": lambda s, u, e: services.episode_cancel(staff=s, unit=u, episode=e, reason="x"),
}
SERVICE_CASES = [case for case in CASES if case[1] not in ALLOWED[case[0]]]


@pytest.mark.parametrize(("actor", "action"), SERVICE_CASES)
def test_the_services_refuse_the_same(build, actor, action):
    staff, unit, episode, _data = build(actor, action)
    before = snapshot(episode)
    with pytest.raises(NotAllowed):
        SERVICE_CALLS[action](staff, unit, episode)
    assert snapshot(episode) == before


def test_a_nurse_is_told_a_decision_is_the_physicians(build):
    staff, unit, episode, _data = build("owner_nurse", "discharge")
    with pytest.raises(NotAllowed, match="Bara en läkare"):
        SERVICE_CALLS["discharge"](staff, unit, episode)
    with pytest.raises(NotAllowed, match="Bara en läkare"):
        services.episode_record_notice(
            staff=staff, unit=unit, episode=episode, notice="ready", at=timezone.now()
        )
    assert Episode.objects.get(pk=episode.pk).ready_for_discharge_at is None


class TestTasks:
    def test_a_unit_completes_only_the_tasks_it_owns(
        self, client, build, home_nurse, ward_nurse, home_health
    ):
        # The ward's evening call on Lisa's episode: the visiting team may complete tasks,
        # but not the ward's.
        _staff, _unit, episode, data = build("owner_nurse", "task_done")
        task = episode.tasks.get()
        client.force_login(home_nurse.user)
        assert client.post(act_url(episode, "task_done"), data).status_code == 403
        task.refresh_from_db()
        assert task.done_at is None
        assert AccessLogEntry.objects.filter(
            outcome="denied", detail=f"episode {episode.pk} task_done task {task.pk}: refused"
        ).exists()
        with pytest.raises(NotAllowed):
            episode_task_complete(staff=home_nurse, unit=home_health, task=task, note="")
        # …and the ward does not complete home health care's.
        own = Task.objects.create(
            title="Direktinlagd", owner_unit=home_health, episode=episode, due_on=task.due_on
        )
        client.force_login(ward_nurse.user)
        response = client.post(act_url(episode, "task_done"), {"task": own.pk, "note": ""})
        assert response.status_code == 403
        own.refresh_from_db()
        assert own.done_at is None


class TestTheEpisodePage:
    """The page shows exactly the actions the unit may do in the episode's state."""

    WARD_BUTTONS = (
        "Direktinlägg på trygghetsplatsen",
        "Meddelanden enligt lag (2017:612)",
        "Skriv ut patienten",
        "Avbryt vårdtillfället",
    )

    @pytest.fixture
    def at_home(self, make_episode, lisa_and_everyone, ward, home_health, ward_nurse):
        episode = make_episode(lisa_and_everyone, "at_home", at_home_since=timezone.now())
        today = timezone.localdate()
        Task.objects.create(title="Kvällssamtal", owner_unit=ward, episode=episode, due_on=today)
        Task.objects.create(
            title="Direktinlagd", owner_unit=home_health, episode=episode, due_on=today
        )
        return episode

    def test_the_municipal_nurse_sees_the_episode_without_the_wards_buttons(
        self, client, home_nurse, at_home
    ):
        client.force_login(home_nurse.user)
        response = client.get(detail_url(at_home))
        body = response.content.decode()
        assert response.status_code == 200 and "I hemmet" in body
        for button in self.WARD_BUTTONS:
            assert button not in body, button
        assert act_url(at_home, "readmit") not in body
        assert act_url(at_home, "notice") not in body
        assert act_url(at_home, "cancel") not in body
        # …but what the visiting team may do: its own task.
        assert body.count(act_url(at_home, "task_done")) == 1

    def test_the_ward_nurse_sees_the_wards_steps_and_not_the_physicians(
        self, as_ward_nurse, at_home
    ):
        body = as_ward_nurse.get(detail_url(at_home)).content.decode()
        assert act_url(at_home, "readmit") in body and act_url(at_home, "notice") in body
        assert act_url(at_home, "discharge") not in body
        assert body.count(act_url(at_home, "task_done")) == 1  # the ward's evening call

    def test_the_physician_sees_discharge(self, client, physician, at_home):
        client.force_login(physician.user)
        assert act_url(at_home, "discharge") in client.get(detail_url(at_home)).content.decode()

    def test_a_candidate_offers_the_decision_to_the_physician_only(
        self, client, make_episode, lisa_and_everyone, physician, ward_nurse, home_nurse
    ):
        episode = make_episode(lisa_and_everyone, "candidate")
        Assessment.objects.create(episode=episode)
        pages = {}
        for staff in (physician, ward_nurse, home_nurse):
            client.force_login(staff.user)
            pages[staff] = client.get(detail_url(episode)).content.decode()
        assert act_url(episode, "decide") in pages[physician]
        assert act_url(episode, "decide") not in pages[ward_nurse]
        assert act_url(episode, "assess") in pages[ward_nurse]
        assert act_url(episode, "cancel") in pages[ward_nurse]
        for action in ("assess", "decide", "cancel", "notice"):
            assert act_url(episode, action) not in pages[home_nurse], action

    def test_home_care_reads_no_episode_page(self, client, needs_assessor, at_home):
        # The episode page is the health record; home care sees only its own request.
        client.force_login(needs_assessor.user)
        assert client.get(detail_url(at_home)).status_code == 404
        entry = AccessLogEntry.objects.get(outcome="denied")
        assert entry.patient == at_home.patient and f"episode {at_home.pk}" in entry.detail
        assert not AccessLogEntry.objects.filter(
            outcome="granted", user=needs_assessor.user
        ).exists()


class TestFlagAndReferrals:
    def test_only_a_ward_flags_a_candidate(self, client, home_nurse, lisa_and_everyone):
        url = reverse("episodes:flag", kwargs={"patient_id": lisa_and_everyone.pk})
        client.force_login(home_nurse.user)
        page = client.get(url, follow=True).content.decode()
        assert "Kandidater flaggas av en vårdavdelning" in page
        assert client.post(url, {"pathway": "early_discharge"}).status_code == 403
        assert not Episode.objects.exists()
        assert (
            AccessLogEntry.objects.get(
                outcome="denied", detail__startswith="flag candidate"
            ).patient
            == lisa_and_everyone
        )

    def test_home_care_does_not_open_the_flag_page(self, client, needs_assessor, lisa_and_everyone):
        url = reverse("episodes:flag", kwargs={"patient_id": lisa_and_everyone.pk})
        client.force_login(needs_assessor.user)
        assert client.get(url).status_code == 404
        assert AccessLogEntry.objects.filter(
            outcome="denied", detail__endswith="health record", patient=lisa_and_everyone
        ).exists()

    def test_only_the_receiving_unit_marks_a_referral_read(
        self, client, make_episode, lisa_and_everyone, physician, primary_care, home_nurse
    ):
        episode = make_episode(lisa_and_everyone, "discharged")
        referral = Referral.objects.create(
            episode=episode, to_unit=primary_care, text="CRP", created_by=physician
        )
        url = reverse("episodes:referral_read", args=[referral.pk])
        for staff in (home_nurse, physician):
            client.force_login(staff.user)
            assert client.post(url).status_code == 404
        referral.refresh_from_db()
        assert referral.read_at is None
        denied = AccessLogEntry.objects.filter(
            outcome="denied", detail=f"referral id={referral.pk} read"
        )
        assert denied.count() == 2
        assert {entry.patient for entry in denied} == {lisa_and_everyone}

    def test_the_referral_service_refuses_another_unit(
        self, make_episode, lisa_and_everyone, physician, primary_care, home_nurse, home_health
    ):
        episode = make_episode(lisa_and_everyone, "discharged")
        referral = Referral.objects.create(
            episode=episode, to_unit=primary_care, text="CRP", created_by=physician
        )
        with pytest.raises(NotAllowed):
            services.referral_mark_read(staff=home_nurse, unit=home_health, referral=referral)
        referral.refresh_from_db()
        assert referral.read_at is None
