"""Issue 19 on the coordination meeting pages: a note, a task, the minutes, an agenda
patient or a series' end that fails comes back once in its own row or form, the errors at
the fields in Swedish, what was typed kept, a refusal as the form's own error, and nothing
saved."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.coordination import meetings
from hemma.coordination import series as recurring
from hemma.coordination.models import MeetingItem, MeetingSeries, Task
from hemma.errors import Conflict
from tests.conftest import client_for
from tests.coordination.test_recurring import meeting, shared  # noqa: F401 - fixtures
from tests.form_pages import form_at, page_text, part_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_centre(client, coordinator):
    return client_for(client, coordinator)


@pytest.fixture
def item(meeting):  # noqa: F811
    return meeting.items.get()


def _meeting_url(meeting):  # noqa: F811
    return reverse("coordination:meeting", args=[meeting.pk])


def _act(meeting, action):  # noqa: F811
    return reverse("coordination:meeting_act", args=[meeting.pk, action])


def test_a_bad_task_comes_back_in_its_row_once(as_centre, meeting, item, home_health):  # noqa: F811
    url = _act(meeting, "task")
    data = {
        "item": item.pk,
        "title": "x" * 301,
        "owner_unit": home_health.pk,
        "due_on": "2026-02-31",
    }
    assert as_centre.post(url, data).status_code == 302
    body = page_text(as_centre, _meeting_url(meeting))
    form = form_at(body, url)
    prefix = f"task{item.pk}_"
    assert f'id="{prefix}title_error"' in form and f'id="{prefix}due_on_error"' in form
    assert f'aria-describedby="{prefix}title_error"' in form and 'aria-invalid="true"' in form
    assert "som mest 300 tecken" in form and "Fyll i ett giltigt datum." in form
    assert 'value="' + "x" * 301 + '"' in form and 'value="2026-02-31"' in form
    assert f'<option value="{home_health.pk}" selected>' in form
    assert f'id="{prefix}owner_unit_error"' not in form
    assert "Inget sparades: rätta de markerade fälten." in body
    assert not Task.objects.exists()
    assert 'aria-invalid="true"' not in page_text(as_centre, _meeting_url(meeting))


def test_a_refused_task_is_the_forms_own_error(as_centre, meeting, item, home_health, monkeypatch):  # noqa: F811
    def refuse(**_kwargs):
        raise Conflict("Ansvarig enhet ska delta i mötet.")

    monkeypatch.setattr(meetings, "task_add", refuse)
    url = _act(meeting, "task")
    due = timezone.localdate().isoformat()
    data = {"item": item.pk, "title": "Ring dottern", "owner_unit": home_health.pk, "due_on": due}
    as_centre.post(url, data)
    form = form_at(page_text(as_centre, _meeting_url(meeting)), url)
    assert "Ansvarig enhet ska delta i mötet." in form
    assert 'value="Ring dottern"' in form and f'value="{due}"' in form
    assert not Task.objects.exists()


def test_a_too_long_note_is_kept_and_marked_at_its_field(as_centre, meeting, item):  # noqa: F811
    url = _act(meeting, "note")
    text = "Fallit " * 600  # over 4000 characters
    assert as_centre.post(url, {"item": item.pk, "notes": text}).status_code == 302
    form = form_at(page_text(as_centre, _meeting_url(meeting)), url)
    assert f'id="note{item.pk}_notes_error"' in form and "som mest 4000 tecken" in form
    assert text.strip() in form and "Anteckningar" in form
    item.refresh_from_db()
    assert item.notes == ""


def test_a_refused_note_keeps_the_typed_text(as_centre, meeting, item, monkeypatch):  # noqa: F811
    def refuse(**_kwargs):
        raise Conflict("Protokollet är justerat och kan inte ändras.")

    monkeypatch.setattr(meetings, "item_note", refuse)
    url = _act(meeting, "note")
    as_centre.post(url, {"item": item.pk, "notes": "Dottern ringer i morgon"})
    form = form_at(page_text(as_centre, _meeting_url(meeting)), url)
    assert "Protokollet är justerat och kan inte ändras." in form
    assert "Dottern ringer i morgon" in form


def test_a_note_is_saved_and_drawn_with_its_label(as_centre, meeting, item):  # noqa: F811
    url = _act(meeting, "note")
    as_centre.post(url, {"item": item.pk, "notes": "  Ny plan  "})
    item.refresh_from_db()
    assert item.notes == "Ny plan"
    form = form_at(page_text(as_centre, _meeting_url(meeting)), url)
    assert f'id="note{item.pk}_notes"' in form and "Ny plan" in form
    assert f'name="item" value="{item.pk}"' in form


def test_too_long_minutes_are_kept_and_the_meeting_not_closed(as_centre, meeting):  # noqa: F811
    url = _act(meeting, "close")
    text = "Beslut " * 1200  # over 8000 characters
    assert as_centre.post(url, {"minutes": text}).status_code == 302
    form = form_at(page_text(as_centre, _meeting_url(meeting)), url)
    assert 'id="id_minutes_error"' in form and "som mest 8000 tecken" in form
    assert text.strip() in form and "Sammanfattning" in form
    meeting.refresh_from_db()
    assert meeting.closed_at is None and meeting.minutes == ""


def test_refused_minutes_are_the_forms_own_error(as_centre, meeting, monkeypatch):  # noqa: F811
    def refuse(**_kwargs):
        raise Conflict("Din enhet deltar inte i mötet.")

    monkeypatch.setattr(meetings, "meeting_close", refuse)
    url = _act(meeting, "close")
    as_centre.post(url, {"minutes": "Alla uppgifter fördelade"})
    form = form_at(page_text(as_centre, _meeting_url(meeting)), url)
    assert "Din enhet deltar inte i mötet." in form and "Alla uppgifter fördelade" in form


def test_an_agenda_patient_without_a_reason_keeps_the_choice(as_centre, meeting, shared):  # noqa: F811
    idle = shared[2]
    url = reverse("coordination:meeting_agenda_add", args=[meeting.pk])
    assert as_centre.post(url, {"patient": str(idle.pk), "reason": "  "}).status_code == 302
    form = form_at(page_text(as_centre, _meeting_url(meeting)), url)
    assert 'id="agenda_reason_error"' in form and "Detta fält måste fyllas i." in form
    assert 'aria-describedby="agenda_reason_error"' in form
    assert f'<option value="{idle.pk}" selected>' in form
    assert not meeting.items.filter(patient=idle).exists()
    again = form_at(page_text(as_centre, _meeting_url(meeting)), url)
    assert "agenda_reason_error" not in again and " selected>" not in again


def test_a_refused_agenda_patient_is_the_forms_own_error(
    as_centre,
    meeting,  # noqa: F811
    shared,  # noqa: F811
    monkeypatch,
):
    def refuse(**_kwargs):
        raise Conflict("Patienten finns redan på dagordningen.")

    monkeypatch.setattr(meetings, "agenda_add", refuse)
    idle = shared[2]
    url = reverse("coordination:meeting_agenda_add", args=[meeting.pk])
    as_centre.post(url, {"patient": str(idle.pk), "reason": "Fallit"})
    form = form_at(page_text(as_centre, _meeting_url(meeting)), url)
    assert "Patienten finns redan på dagordningen." in form and 'value="Fallit"' in form
    assert f'<option value="{idle.pk}" selected>' in form
    assert not MeetingItem.objects.filter(meeting=meeting, patient=idle).exists()


@pytest.fixture
def two_series(coordinator, primary_care, home_health):
    today = timezone.localdate()
    made = []
    for weekday in (MeetingSeries.Weekday.MONDAY, MeetingSeries.Weekday.THURSDAY):
        made.append(
            recurring.series_create(
                staff=coordinator,
                unit=primary_care,
                partner=home_health,
                weekday=weekday,
                starts_at=time(13, 0),
                interval_weeks=1,
                active_from=today,
                today=today,
            )
        )
    return made


def _series_row(body: str, series) -> str:
    return part_at(body, f'id="last-on-{series.pk}"')


def test_an_out_of_range_last_day_comes_back_in_its_series_row(as_centre, two_series):
    first, second = two_series
    url = reverse("coordination:meeting_series_end")
    assert as_centre.post(url, {"series": first.pk, "last_on": "3026-01-01"}).status_code == 302
    body = page_text(as_centre, reverse("coordination:meetings"))
    row = _series_row(body, first)
    assert 'value="3026-01-01"' in row and "Kontrollera årtalet." in row
    assert f'aria-describedby="last-on-{first.pk}_error"' in row
    assert f'id="last-on-{first.pk}_error"' in row
    assert "Kontrollera årtalet." not in _series_row(body, second)
    first.refresh_from_db()
    assert first.active_to is None
    assert "Kontrollera årtalet." not in page_text(as_centre, reverse("coordination:meetings"))


def test_a_refused_end_is_the_rows_own_error(as_centre, two_series, monkeypatch):
    def refuse(**_kwargs):
        raise Conflict("Sista mötesdagen ligger före seriens start.")

    monkeypatch.setattr(recurring, "series_end", refuse)
    first = two_series[0]
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    url = reverse("coordination:meeting_series_end")
    as_centre.post(url, {"series": first.pk, "last_on": day})
    row = _series_row(page_text(as_centre, reverse("coordination:meetings")), first)
    assert "Sista mötesdagen ligger före seriens start." in row and f'value="{day}"' in row


def test_a_series_end_says_how_many_meetings_were_removed(as_centre, two_series):
    first = two_series[0]
    url = reverse("coordination:meeting_series_end")
    today = timezone.localdate().isoformat()
    page = as_centre.post(url, {"series": first.pk, "last_on": today}, follow=True)
    assert "Mötesserien är avslutad. Borttagna kommande möten:" in page.content.decode()
