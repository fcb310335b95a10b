"""Issue 18: a visit documented – done or not done (the reason required), a short note, and
a concern raised to the ward as an alert at the level the visiting staff chose; visible the
same day on the episode page and on the round (many episodes in a fixed number of queries);
only the staff on the visit, for the visiting unit, document it."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hemma.audit.models import AccessLogEntry
from hemma.episodes import hooks
from hemma.episodes.models import Episode
from hemma.errors import HemmaError
from hemma.monitoring.models import Alert
from hemma.patients.models import Block
from hemma.visits import selectors, services
from hemma.visits.models import Assignment, Visit
from tests.conftest import client_for

from .conftest import DAY, at

pytestmark = pytest.mark.django_db


def frozen(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def planned(team, home_health, home_patients, shifts):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    with frozen(at("06:00") - timedelta(days=1)):
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    return (
        Assignment.objects.filter(staff=team["usk1"]).select_related("visit").order_by("position")
    )


def first_visit(planned):
    return planned[0].visit, planned[0].planned_start


def test_a_visit_done_with_a_concern_raises_an_alert_to_the_ward_at_the_chosen_level(
    team, home_health, planned
):
    visit, moment = first_visit(planned)
    with frozen(moment):
        services.visit_done(
            staff=team["usk1"],
            unit=home_health,
            visit=visit,
            note="Pumpen bytt, infarten fin.",
            concern="Andfådd i vila, mer än i går.",
            concern_level="medium",
        )
    visit.refresh_from_db()
    alert = visit.concern_alert
    assert visit.status == Visit.Status.DONE and visit.note == "Pumpen bytt, infarten fin."
    assert alert.kind == Alert.Kind.VISIT_CONCERN and alert.level == "medium"
    assert alert.unit == visit.episode.ward and alert.episode == visit.episode
    assert alert.status == Alert.Status.OPEN
    assert any("Andfådd i vila, mer än i går." in reason for reason in alert.reasons)
    assert AccessLogEntry.objects.filter(
        detail__contains=f"visit {visit.pk}: done, concern alert {alert.pk} (medium)"
    ).exists()


@pytest.mark.parametrize("level", ["low", "low_medium", "medium", "high"])
def test_each_level_the_nurse_may_choose(team, home_health, planned, level):
    visit, moment = first_visit(planned)
    with frozen(moment):
        services.visit_not_done(
            staff=team["usk1"],
            unit=home_health,
            visit=visit,
            reason="Ingen öppnade",
            concern="Patienten svarar inte i telefon",
            concern_level=level,
        )
    assert Alert.objects.get(kind=Alert.Kind.VISIT_CONCERN).level == level


def test_not_done_needs_a_reason_and_a_concern_needs_a_level(team, home_health, planned):
    visit, moment = first_visit(planned)
    with frozen(moment):
        with pytest.raises(HemmaError, match="varför"):
            services.visit_not_done(staff=team["usk1"], unit=home_health, visit=visit, reason=" ")
        with pytest.raises(HemmaError, match="brådskande"):
            services.visit_done(staff=team["usk1"], unit=home_health, visit=visit, concern="Orolig")
        with pytest.raises(HemmaError, match="brådskande"):
            services.visit_done(
                staff=team["usk1"], unit=home_health, visit=visit, concern="x", concern_level="?"
            )
    visit.refresh_from_db()
    assert visit.status == Visit.Status.ASSIGNED and not Alert.objects.exists()
    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.NOT_DONE)


def test_the_page_shows_field_errors_and_changes_nothing(client, team, home_health, planned):
    visit, moment = first_visit(planned)
    url = reverse("visits:document", args=[visit.pk])
    with frozen(moment):
        as_usk = client_for(client, team["usk1"])
        page = as_usk.get(url)
        assert page.status_code == 200 and "Registrera vitalparametrar" in page.content.decode()
        response = as_usk.post(url, {"outcome": "not_done", "reason": "", "note": "x"})
        body = response.content.decode()
        assert response.status_code == 200
        assert "Ange varför besöket inte blev av." in body
        response = as_usk.post(url, {"outcome": "done", "concern": "Ont i bröstet"})
        assert "Välj hur brådskande oron är." in response.content.decode()
        response = as_usk.post(url, {"outcome": "sideways"})
        assert response.status_code == 200 and "errorlist" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.ASSIGNED and not Alert.objects.exists()


def test_not_done_with_a_concern_from_the_page(client, team, home_health, planned):
    visit, moment = first_visit(planned)
    with frozen(moment):
        as_usk = client_for(client, team["usk1"])
        response = as_usk.post(
            reverse("visits:document", args=[visit.pk]),
            {
                "outcome": "not_done",
                "reason": "Patienten åkte in med ambulans",
                "concern": "Grannen säger att hon föll i natt",
                "concern_level": "high",
            },
            follow=True,
        )
    body = response.content.decode()
    assert "Besöket är dokumenterat som ej utfört." in body
    assert "Oron är skickad till avdelningen som ett larm." in body
    visit.refresh_from_db()
    assert visit.status == Visit.Status.NOT_DONE
    assert visit.not_done_reason == "Patienten åkte in med ambulans"
    assert visit.concern_alert.level == "high"
    # Documented once: a second post is refused with the reason, nothing changes.
    with frozen(moment):
        again = as_usk.post(
            reverse("visits:document", args=[visit.pk]), {"outcome": "done"}, follow=True
        )
    assert "Besöket är redan dokumenterat." in again.content.decode()
    assert Alert.objects.count() == 1


def test_only_the_staff_on_the_visit_documents_it(
    client, team, home_health, planned, ward_nurse, outsider
):
    visit, moment = first_visit(planned)
    url = reverse("visits:document", args=[visit.pk])
    data = {"outcome": "done", "concern": "x", "concern_level": "high"}
    colleague = next(  # of the same unit, not on this visit
        s for s in (team["usk2"], team["nurse"]) if not visit.assignments.filter(staff=s).exists()
    )
    with frozen(moment):
        for someone in (colleague, ward_nurse, outsider):  # a colleague, the ward, outside
            as_other = client_for(client, someone)
            assert as_other.get(url).status_code == 404
            assert as_other.post(url, data).status_code == 404
            client.logout()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.ASSIGNED and not Alert.objects.exists()
    assert AccessLogEntry.objects.filter(
        outcome=AccessLogEntry.Outcome.DENIED, detail__contains=f"visit id={visit.pk} document"
    ).exists()


def test_a_visit_note_is_on_the_episode_page_the_same_day(
    client, team, home_health, planned, ward_nurse
):
    visit, moment = first_visit(planned)
    with frozen(moment):
        services.visit_done(
            staff=team["usk1"],
            unit=home_health,
            visit=visit,
            note="Mår bättre, äter själv.",
            concern="Lite svullet vid infarten",
            concern_level="low",
        )
        page = client_for(client, ward_nurse).get(
            reverse("episodes:detail", args=[visit.episode_id])
        )
    body = page.content.decode()
    assert page.status_code == 200
    assert f'id="visit-note-{visit.pk}"' in body
    assert "Mår bättre, äter själv." in body and "Lite svullet vid infarten" in body


def test_the_rounds_visit_notes_for_many_episodes_in_a_fixed_number_of_queries(
    team, home_health, planned, home_patients, ward, ward_nurse
):
    with frozen(planned[0].planned_start):
        for assignment in planned:
            services.visit_done(
                staff=team["usk1"], unit=home_health, visit=assignment.visit, note="Klart"
            )
    ids = [e.pk for e in home_patients]

    def count(episode_ids):
        with CaptureQueriesContext(connection) as queries:
            notes = selectors.visit_notes_for_episodes(ward_nurse, ward, episode_ids, DAY)
        return len(queries), notes

    one, _ = count(ids[:1])
    both, notes = count(ids)
    assert one == both == 2
    done = [v for visits in notes.values() for v in visits]
    assert {v.pk for v in done} == {a.visit_id for a in planned}
    assert all(v.note == "Klart" for v in done)
    # The round gets them through the flow's round panels, per episode.
    extra = hooks.round_panels_context(ward_nurse, ward, home_patients, DAY)
    assert sum(len(row["visit_notes"]) for row in extra.values()) == len(done)
    # Another day's round shows none of them.
    assert selectors.visit_notes_for_episodes(ward_nurse, ward, ids, DAY + timedelta(1)) == {}


def test_a_block_of_the_visiting_unit_hides_its_notes_from_the_ward(
    client, team, home_health, planned, home_patients, ward, ward_nurse
):
    visit, moment = first_visit(planned)
    with frozen(moment):
        services.visit_done(staff=team["usk1"], unit=home_health, visit=visit, note="Hemligt")
    Block.objects.create(
        patient=visit.episode.patient,
        blocked_unit=home_health,
        note="Vill inte att sjukhuset läser hemsjukvårdens anteckningar",
        created_by=ward_nurse,
        created_unit=ward,
    )
    notes = selectors.visit_notes_for_episodes(ward_nurse, ward, [visit.episode_id], DAY)
    assert notes == {}
    with frozen(moment):
        body = (
            client_for(client, ward_nurse)
            .get(reverse("episodes:detail", args=[visit.episode_id]))
            .content.decode()
        )
    assert "Hemligt" not in body
    assert "Det finns spärrad information från en annan vårdgivare" in body
    # The visiting unit itself still reads its own note.
    own = selectors.visit_notes_for_episodes(team["usk1"], home_health, [visit.episode_id], DAY)
    assert [v.note for v in own[visit.episode_id]] == ["Hemligt"]


def test_replanning_keeps_a_visit_not_done(team, home_health, planned):
    visit, moment = first_visit(planned)
    with frozen(moment):
        services.visit_not_done(
            staff=team["usk1"], unit=home_health, visit=visit, reason="Patienten avböjde"
        )
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.NOT_DONE and visit.not_done_reason == "Patienten avböjde"


def test_the_round_page_shows_the_day_s_visit_note(
    client, team, home_health, planned, ward, ward_nurse
):
    visit, moment = first_visit(planned)
    with frozen(moment):
        services.visit_done(
            staff=team["usk1"],
            unit=home_health,
            visit=visit,
            note="Åt frukost, pigg.",
            concern="Ny hosta",
            concern_level="low_medium",
        )
    # The round lists patients at home and about to go home (these fixtures stop at agreed).
    Episode.objects.filter(pk=visit.episode_id).update(state="preparing")
    browser = client_for(client, ward_nurse)
    response = browser.get(reverse("monitoring:round"), {"day": DAY.isoformat()})
    body = response.content.decode()
    assert "Åt frukost, pigg." in body and "Ny hosta" in body
    other = browser.get(reverse("monitoring:round"), {"day": (DAY + timedelta(1)).isoformat()})
    assert "Åt frukost, pigg." not in other.content.decode()
