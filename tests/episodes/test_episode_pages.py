"""Episode pages: the worklist, flagging and the episode page's actions."""

import pytest
from django.urls import reverse

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

    def test_a_nurse_deciding_gets_a_clear_message(self, as_ward_nurse, make_episode, kim):
        episode = make_episode(kim)
        Assessment.objects.create(episode=episode)
        response = as_ward_nurse.post(
            act(episode, "decide"), {"suitable": "yes", "reason": "ok"}, follow=True
        )
        assert "Bara en läkare" in response.content.decode()
        episode.refresh_from_db()
        assert episode.state == "candidate"

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

    def test_the_worklist_groups_episodes_and_shows_the_census(
        self, as_ward_nurse, make_episode, kim, lisa
    ):
        from hemma.episodes.services import safety_beds_ensure

        safety_beds_ensure(ward=make_episode(kim, state="at_home").ward)
        make_episode(lisa, state="preparing")
        body = as_ward_nurse.get(WORKLIST).content.decode()
        assert "Hemma (1)" in body and "Förbereds (1)" in body
        assert "Trygghetsplatser lediga" in body

    def test_the_worklist_query_count_does_not_grow(self, as_ward_nurse, make_episode, ward):
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
