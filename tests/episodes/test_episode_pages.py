"""Episode pages: the worklist, flagging and the episode page's actions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.episodes.models import Assessment, ChecklistItem, Episode

WORKLIST = reverse("episodes:worklist")


def detail(episode):
    return reverse("episodes:detail", kwargs={"episode_id": episode.pk})


def act(episode, action):
    return reverse("episodes:act", kwargs={"episode_id": episode.pk, "action": action})


@pytest.mark.django_db
class TestPages:
    def test_a_ward_nurse_flags_kim_from_her_page(self, as_ward_nurse, kim):
        page = as_ward_nurse.get(reverse("patients:detail", kwargs={"patient_id": kim.pk}))
        assert "Flagga som kandidat" in page.content.decode()
        url = reverse("episodes:flag", kwargs={"patient_id": kim.pk})
        response = as_ward_nurse.post(url, {"pathway": "early_discharge", "reason": "Stabil"})
        episode = Episode.objects.get(patient=kim)
        assert response["Location"] == detail(episode)
        body = as_ward_nurse.get(detail(episode)).content.decode()
        assert "Bedömning av lämplighet" in body and "Kandidat" in body

    def test_flagging_with_the_home_health_unit_gives_it_a_care_relationship(
        self, as_ward_nurse, kim, home_health
    ):
        from hemma.patients.models import CareRelationship

        url = reverse("episodes:flag", kwargs={"patient_id": kim.pk})
        as_ward_nurse.post(url, {"pathway": "stroke_esd", "home_health_unit": home_health.pk})
        episode = Episode.objects.get(patient=kim)
        assert episode.home_health_unit == home_health and episode.pathway == "stroke_esd"
        assert CareRelationship.objects.filter(patient=kim, unit=home_health).exists()

    def test_flagging_twice_is_a_form_error(self, as_ward_nurse, kim):
        url = reverse("episodes:flag", kwargs={"patient_id": kim.pk})
        as_ward_nurse.post(url, {"pathway": "early_discharge"})
        response = as_ward_nurse.post(url, {"pathway": "early_discharge"})
        assert "redan ett pågående" in response.content.decode()
        assert Episode.objects.count() == 1

    @pytest.mark.parametrize(
        "state",
        [
            "candidate",
            "assessed",
            "agreed",
            "preparing",
            "at_home",
            "readmitted",
            "discharged",
            "cancelled",
        ],
    )
    def test_the_episode_page_renders_in_every_state(self, as_ward_nurse, make_episode, kim, state):
        episode = make_episode(kim, state=state)
        Assessment.objects.create(episode=episode)
        ChecklistItem.objects.create(episode=episode, key="consent")
        response = as_ward_nurse.get(detail(episode))
        assert response.status_code == 200
        assert AccessLogEntry.objects.filter(patient=kim, action="view_patient").count() == 1

    def test_the_outsider_gets_404_everywhere(self, as_outsider, make_episode, kim):
        episode = make_episode(kim)
        assert as_outsider.get(detail(episode)).status_code == 404
        assert as_outsider.post(act(episode, "cancel"), {"reason": "x"}).status_code == 404
        episode.refresh_from_db()
        assert episode.state == "candidate"
        assert AccessLogEntry.objects.filter(outcome="denied").count() == 2

    def test_an_unknown_episode_is_404_and_logged(self, as_ward_nurse):
        assert as_ward_nurse.get("/episodes/999999/").status_code == 404
        assert AccessLogEntry.objects.get().outcome == "denied"

    def test_a_nurse_deciding_is_refused_and_logged(self, as_ward_nurse, make_episode, kim):
        # The decision is the physician's: the nurse has no button, a crafted POST is a 403.
        episode = make_episode(kim)
        Assessment.objects.create(episode=episode)
        assert "Fatta beslut" not in as_ward_nurse.get(detail(episode)).content.decode()
        response = as_ward_nurse.post(act(episode, "decide"), {"suitable": "yes", "reason": "ok"})
        assert response.status_code == 403
        episode.refresh_from_db()
        assert episode.state == "candidate"
        assert AccessLogEntry.objects.filter(
            outcome="denied", detail=f"episode {episode.pk} decide: refused"
        ).exists()

    @pytest.mark.parametrize(
        ("action", "data"),
        [
            ("decide", {"suitable": "maybe"}),
            ("checklist", {"key": "nope", "status": "done"}),
            ("task_done", {"task": "abc"}),
            ("readmit", {}),
            ("nonsense", {}),
        ],
    )
    def test_bad_input_never_gives_a_500(self, client, physician, make_episode, kim, action, data):
        client.force_login(physician.user)
        episode = make_episode(kim, state="at_home")
        response = client.post(act(episode, action), data)
        assert response.status_code in {302, 404}
        episode.refresh_from_db()
        assert episode.state == "at_home"

    def test_a_failed_transfer_comes_back_with_its_error_at_the_field_once(
        self, client, physician, make_episode, kim
    ):
        """Issue 19: the typed destination kept, the missing reason marked at its field."""
        client.force_login(physician.user)
        episode = make_episode(kim, state="at_home")
        response = client.post(act(episode, "transfer"), {"destination": "Lund", "reason": ""})
        assert response.status_code == 302
        body = client.get(detail(episode)).content.decode()
        assert "Inget sparades: rätta de markerade fälten." in body
        assert 'id="transfer_reason_error"' in body
        assert 'aria-describedby="transfer_reason_error"' in body
        assert 'value="Lund"' in body
        episode.refresh_from_db()
        assert episode.state == "at_home"
        again = client.get(detail(episode)).content.decode()
        assert 'id="transfer_reason_error"' not in again and 'value="Lund"' not in again

    def test_the_worklist_groups_episodes_and_shows_the_census(
        self, as_ward_nurse, make_episode, kim, lisa
    ):
        from hemma.episodes.services import safety_beds_ensure

        safety_beds_ensure(ward=make_episode(kim, state="at_home").ward)
        make_episode(lisa, state="preparing")
        body = as_ward_nurse.get(WORKLIST).content.decode()
        assert "Hemma (1)" in body and "Förbereds (1)" in body
        assert "Trygghetsplatser lediga" in body

    def test_the_worklist_query_count_does_not_grow(
        self, as_ward_nurse, make_episode, ward, settings
    ):
        settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every display logs its patients
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from tests.conftest import make_patient

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert as_ward_nurse.get(WORKLIST).status_code == 200
            return len(queries)

        make_episode(make_patient("19440514-9057", "A", ward), state="at_home")
        count()
        few = count()
        for number in ("19380508-9145", "19350404-9135", "19400401-9180", "19370314-9132"):
            make_episode(make_patient(number, "B", ward), state="preparing")
        assert count() == few


@pytest.mark.django_db
class TestUnitWorklists:
    """Home health care: incoming requests and today's activities; primary care: referrals."""

    def _at_home(self, patient, ward, ward_nurse, physician, home_health, home_nurse):
        from django.utils import timezone

        from hemma.carerequests.services import care_request_accept
        from tests.flow import send_home_health_request, to_agreed

        episode = to_agreed(patient=patient, ward=ward, nurse=ward_nurse, physician=physician)
        request = send_home_health_request(episode, ward_nurse, home_health)
        Episode.objects.filter(pk=episode.pk).update(state="at_home", at_home_since=timezone.now())
        return episode, request, care_request_accept

    def test_home_health_sees_requests_and_todays_activities(
        self, ward, ward_nurse, physician, home_health, home_nurse, kim, as_home_nurse
    ):
        episode, request, accept = self._at_home(
            kim, ward, ward_nurse, physician, home_health, home_nurse
        )
        body = as_home_nurse.get(WORKLIST).content.decode()
        assert "Inkomna vårdbegäranden" in body and "Kim Testsson" in body
        assert "Byte av antibiotikapump" in body  # "Dagligen 08" applies every day
        assert "Kvällssamtal dag 1" in body  # day 1 at home
        accept(staff=home_nurse, unit=home_health, care_request=request)
        body = as_home_nurse.get(WORKLIST).content.decode()
        assert "Inga obesvarade vårdbegäranden" in body

    def test_the_home_health_worklist_query_count_does_not_grow(
        self, ward, ward_nurse, physician, home_health, home_nurse, as_home_nurse, settings
    ):
        settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every display logs its patients
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from tests.conftest import make_patient

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert as_home_nurse.get(WORKLIST).status_code == 200
            return len(queries)

        numbers = ["19440514-9057", "19380508-9145", "19350404-9135", "19400401-9180"]
        patients = [make_patient(number, f"P{i}") for i, number in enumerate(numbers)]
        self._at_home(patients[0], ward, ward_nurse, physician, home_health, home_nurse)
        count()
        few = count()
        for patient in patients[1:]:
            self._at_home(patient, ward, ward_nurse, physician, home_health, home_nurse)
        assert count() == few

    def test_primary_care_reads_referrals_after_discharge(
        self, make_episode, physician, ward, kim, coordinator, client
    ):
        from hemma.episodes.models import Referral
        from hemma.episodes.services import episode_discharge
        from hemma.patients.models import CareRelationship

        # Flagging (bypassed by make_episode) gives the listed centre its relationship.
        CareRelationship.objects.create(patient=kim, unit=coordinator.memberships.get().unit)
        episode = make_episode(kim, state="at_home")
        episode_discharge(
            staff=physician,
            unit=ward,
            episode=episode,
            summary="Feberfri",
            referral_text="Kontroll av CRP om två veckor",
        )
        client.force_login(coordinator.user)
        body = client.get(WORKLIST).content.decode()
        assert "Remisser efter utskrivning" in body and "Kontroll av CRP" in body
        referral = Referral.objects.get()
        response = client.post(reverse("episodes:referral_read", args=[referral.pk]))
        assert response.status_code == 302
        referral.refresh_from_db()
        assert referral.read_at is not None

    def test_another_unit_cannot_mark_a_referral_read(
        self, make_episode, physician, ward, kim, as_home_nurse
    ):
        from hemma.episodes.models import Referral
        from hemma.episodes.services import episode_discharge

        episode_discharge(
            staff=physician,
            unit=ward,
            episode=make_episode(kim, state="at_home"),
            summary="Klar",
            referral_text="CRP",
        )
        referral = Referral.objects.get()
        response = as_home_nurse.post(reverse("episodes:referral_read", args=[referral.pk]))
        assert response.status_code == 404
        referral.refresh_from_db()
        assert referral.read_at is None

    def test_notices_are_recorded_from_the_episode_page(self, as_ward_nurse, make_episode, kim):
        # Issue 17: the page's notice is a message of the episode's lag (2017:612) case,
        # posted to coordination; the episode keeps a copy of its time (one source of truth,
        # tests/coordination/test_episode_case.py). The flow's own `notice` action refuses.
        episode = make_episode(kim, state="preparing")
        url = reverse("coordination:episode_notice", args=[episode.pk])
        future = {"admitted_at": "2099-01-01T09:30", "estimated_discharge": "2099-01-02"}
        response = as_ward_nurse.post(url, {"notice": "admission", **future}, follow=True)
        assert "framtiden" in response.content.decode()
        response = as_ward_nurse.post(
            url,
            {
                "notice": "admission",
                "admitted_at": "2026-11-20T09:30",
                "estimated_discharge": f"{timezone.localdate() + timedelta(days=10)}",
            },
        )
        assert response.status_code == 302
        episode.refresh_from_db()
        assert episode.admission_notice_at == episode.discharge_case.messages.get().sent_at
        # Ready for discharge is the physician's (the policy's 403 before the service).
        assert as_ward_nurse.post(url, {"notice": "ready"}).status_code == 403
        again = {
            "admitted_at": "2026-11-20T09:30",
            "estimated_discharge": f"{timezone.localdate() + timedelta(days=10)}",
        }
        response = as_ward_nurse.post(url, {"notice": "admission", **again}, follow=True)
        assert "redan skickat" in response.content.decode()
        response = as_ward_nurse.post(
            act(episode, "notice"), {"notice": "admission", "at": "2026-11-20T09:30"}, follow=True
        )
        assert "samordningsärendet" in response.content.decode()


@pytest.mark.django_db
def test_the_flow_pages_speak_english_when_asked(as_ward_nurse, make_episode, kim):
    from django.conf import settings

    episode = make_episode(kim, state="at_home")
    as_ward_nurse.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = as_ward_nurse.get(reverse("episodes:detail", args=[episode.pk])).content.decode()
    assert "At home" in body and "Timeline" in body and "Tidslinje" not in body
    inbox = as_ward_nurse.get(reverse("carerequests:inbox")).content.decode()
    assert "care requests with this status." in inbox and "vårdbegäranden" not in inbox
