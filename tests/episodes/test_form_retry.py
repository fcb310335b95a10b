"""Issue 19 on the episode page: the direct admission, the return home, the cancellation and
the checklist's rows come back once after a failed submit, the errors at their fields in
Swedish, the typed values kept, and nothing changed; a refusal is the form's own error."""

import pytest
from django.urls import reverse

from hemma.episodes import services
from hemma.episodes.models import ChecklistItem, Episode, SafetyBedReservation
from hemma.errors import Conflict
from tests.form_pages import form_at, page_text

pytestmark = pytest.mark.django_db


def detail(episode):
    return reverse("episodes:detail", kwargs={"episode_id": episode.pk})


def act(episode, action):
    return reverse("episodes:act", kwargs={"episode_id": episode.pk, "action": action})


def page_of(client, episode) -> str:
    return page_text(client, detail(episode))


def state_of(episode) -> str:
    return Episode.objects.get(pk=episode.pk).state


@pytest.fixture
def at_home_with_bed(make_episode, kim, safety_bed, ward_nurse):
    episode = make_episode(kim, "at_home")
    SafetyBedReservation.objects.create(bed=safety_bed, episode=episode, reserved_by=ward_nurse)
    return episode


def test_a_readmission_without_a_reason_is_marked_at_its_field(as_ward_nurse, at_home_with_bed):
    episode = at_home_with_bed
    assert as_ward_nurse.post(act(episode, "readmit"), {"reason": ""}).status_code == 302
    body = page_of(as_ward_nurse, episode)
    form = form_at(body, act(episode, "readmit"))
    assert 'id="readmit_reason_error"' in form and "Detta fält måste fyllas i." in form
    assert 'aria-invalid="true"' in form and 'aria-describedby="readmit_reason_error"' in form
    assert "Direktinläggning – orsak" in form
    assert "Inget sparades: rätta de markerade fälten." in body
    assert state_of(episode) == "at_home"
    assert 'id="readmit_reason_error"' not in page_of(as_ward_nurse, episode)


def test_a_refused_readmission_keeps_the_reason_and_shows_why(as_ward_nurse, make_episode, kim):
    episode = make_episode(kim, "at_home")  # no safety place reserved
    as_ward_nurse.post(act(episode, "readmit"), {"reason": "Feber 39"})
    form = form_at(page_of(as_ward_nurse, episode), act(episode, "readmit"))
    assert "Patienten har ingen reserverad trygghetsplats." in form
    assert 'value="Feber 39"' in form
    assert state_of(episode) == "at_home"


def test_a_too_long_comment_on_return_home_is_kept_and_marked(
    as_ward_nurse, make_episode, kim, safety_bed, ward_nurse
):
    episode = make_episode(kim, "readmitted")
    SafetyBedReservation.objects.create(bed=safety_bed, episode=episode, reserved_by=ward_nurse)
    long = "å" * 1001
    as_ward_nurse.post(act(episode, "return_home"), {"reason": long})
    form = form_at(page_of(as_ward_nurse, episode), act(episode, "return_home"))
    assert f'value="{long}"' in form and 'id="return_home_reason_error"' in form
    assert "som mest 1000 tecken" in form and "Kommentar" in form
    assert state_of(episode) == "readmitted"


def test_a_refused_return_home_is_the_forms_own_error(
    as_ward_nurse, make_episode, kim, monkeypatch
):
    episode = make_episode(kim, "readmitted")

    def refuse(**_kwargs):
        raise Conflict("Vårdtillfället har ändrats av någon annan.")

    monkeypatch.setattr(services, "episode_return_home", refuse)
    as_ward_nurse.post(act(episode, "return_home"), {"reason": "Mår bättre"})
    form = form_at(page_of(as_ward_nurse, episode), act(episode, "return_home"))
    assert "Vårdtillfället har ändrats av någon annan." in form and 'value="Mår bättre"' in form
    assert state_of(episode) == "readmitted"


def test_a_cancellation_with_a_null_character_is_marked_not_saved(as_ward_nurse, make_episode, kim):
    episode = make_episode(kim, "candidate")
    body = "reason=Vill%00vara%20kvar"
    response = as_ward_nurse.post(
        act(episode, "cancel"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302
    form = form_at(page_of(as_ward_nurse, episode), act(episode, "cancel"))
    assert 'id="cancel_reason_error"' in form and "Null-tecken är inte tillåtna." in form
    assert 'aria-describedby="cancel_reason_error"' in form
    assert state_of(episode) == "candidate"


def test_a_cancellation_with_undecodable_bytes_is_no_500(as_ward_nurse, make_episode, kim):
    """A lone surrogate's bytes (%ED%A0%80) reach the form as U+FFFD: readable text."""
    episode = make_episode(kim, "candidate")
    body = "reason=" + "%ED%A0%80" * 400  # 1200 characters: too long
    response = as_ward_nurse.post(
        act(episode, "cancel"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302
    form = form_at(page_of(as_ward_nurse, episode), act(episode, "cancel"))
    assert 'id="cancel_reason_error"' in form and "\ufffd" in form
    assert state_of(episode) == "candidate"


def test_a_refused_cancellation_is_the_forms_own_error(
    as_ward_nurse, make_episode, kim, monkeypatch
):
    episode = make_episode(kim, "candidate")

    def refuse(**_kwargs):
        raise Conflict("Vårdtillfället har ändrats av någon annan.")

    monkeypatch.setattr(services, "episode_cancel", refuse)
    as_ward_nurse.post(act(episode, "cancel"), {"reason": "Vill vara kvar"})
    form = form_at(page_of(as_ward_nurse, episode), act(episode, "cancel"))
    assert "Vårdtillfället har ändrats av någon annan." in form
    assert 'value="Vill vara kvar"' in form
    assert state_of(episode) == "candidate"


@pytest.fixture
def agreed(make_episode, kim):
    episode = make_episode(kim, "agreed")
    ChecklistItem.objects.create(episode=episode, key="iv_access")
    ChecklistItem.objects.create(episode=episode, key="transport")
    return episode


def test_a_bad_checklist_row_comes_back_in_its_row(as_ward_nurse, agreed):
    data = {"key": "transport", "status": "klar", "note": "x" * 501}
    assert as_ward_nurse.post(act(agreed, "checklist"), data).status_code == 302
    body = page_of(as_ward_nurse, agreed)
    first, second = (
        form_at(body, act(agreed, "checklist")),
        form_at(body, act(agreed, "checklist"), 1),
    )
    assert 'value="transport"' in second and 'value="iv_access"' in first
    assert 'id="checklist_status_error"' in second and 'id="checklist_note_error"' in second
    assert 'value="' + "x" * 501 + '"' in second and 'aria-invalid="true"' in second
    assert "Välj ett giltigt alternativ." in second and "Status" in second
    assert "Kommentar" in second and ">note<" not in second
    assert "error" not in first
    assert set(ChecklistItem.objects.values_list("status", flat=True)) == {"open"}


def test_a_refused_checklist_row_shows_why_in_its_row(as_ward_nurse, agreed):
    data = {"key": "iv_access", "status": "not_applicable", "note": ""}
    as_ward_nurse.post(act(agreed, "checklist"), data)
    form = form_at(page_of(as_ward_nurse, agreed), act(agreed, "checklist"))
    assert "Ange varför punkten inte är aktuell." in form
    assert '<option value="not_applicable" selected>' in form
    assert set(ChecklistItem.objects.values_list("status", flat=True)) == {"open"}


def test_a_crafted_checklist_key_says_the_form_is_stale(as_ward_nurse, agreed):
    as_ward_nurse.post(act(agreed, "checklist"), {"key": "nope", "status": "done"})
    body = page_of(as_ward_nurse, agreed)
    assert "Formuläret är inaktuellt – ladda om sidan och försök igen." in body
    assert set(ChecklistItem.objects.values_list("status", flat=True)) == {"open"}


# --- coordination's task on the episode page ("Klar", registered by coordination) ---------


@pytest.fixture
def two_tasks(make_episode, kim, ward):
    from django.utils import timezone

    from hemma.coordination.models import Task

    episode = make_episode(kim, "at_home", at_home_since=timezone.now())
    return [
        Task.objects.create(
            title=title,
            owner_unit=ward,
            episode=episode,
            patient=kim,
            due_on=timezone.localdate(),
        )
        for title in ("Ring patienten", "Skicka remiss")
    ]


def test_a_too_long_task_note_is_marked_in_its_row(as_ward_nurse, two_tasks):
    task, other = two_tasks
    episode = task.episode
    note = "Ringt. " + "x" * 2000
    response = as_ward_nurse.post(act(episode, "task_done"), {"task": task.pk, "note": note})
    assert response.status_code == 302
    body = page_of(as_ward_nurse, episode)
    forms = [form_at(body, act(episode, "task_done"), n) for n in (0, 1)]
    form = next(f for f in forms if f'value="{task.pk}"' in f)
    untouched = next(f for f in forms if f'value="{other.pk}"' in f)
    assert f'id="task-{task.pk}-note_error"' in form and "som mest 2000 tecken" in form
    assert f'aria-describedby="task-{task.pk}-note_error"' in form
    assert f'value="{note}"' in form and 'maxlength="2000"' in form
    assert "error" not in untouched and "Ringt." not in untouched
    assert "Inget sparades: rätta de markerade fälten." in body
    assert body.count("som mest 2000 tecken") == 1
    task.refresh_from_db()
    assert task.done_at is None
    assert "som mest 2000 tecken" not in page_of(as_ward_nurse, episode)


def test_a_refused_task_is_the_forms_own_error_in_its_row(as_ward_nurse, two_tasks, monkeypatch):
    from hemma.coordination import episode_hooks

    def refuse(**kwargs):
        raise Conflict("Uppgiften är låst.")

    monkeypatch.setattr(episode_hooks, "episode_task_complete", refuse)
    task = two_tasks[0]
    as_ward_nurse.post(act(task.episode, "task_done"), {"task": task.pk, "note": "Ringt"})
    body = page_of(as_ward_nurse, task.episode)
    form = form_at(body, act(task.episode, "task_done"))
    assert f'value="{task.pk}"' in form
    assert "Uppgiften är låst." in form and 'value="Ringt"' in form
    task.refresh_from_db()
    assert task.done_at is None


def test_a_crafted_task_id_says_the_form_is_stale(as_ward_nurse, two_tasks):
    episode = two_tasks[0].episode
    as_ward_nurse.post(act(episode, "task_done"), {"task": "x", "note": "Ringt"})
    body = page_of(as_ward_nurse, episode)
    assert "Formuläret är inaktuellt – ladda om sidan och försök igen." in body
    assert not any(t.done_at for t in type(two_tasks[0]).objects.all())
