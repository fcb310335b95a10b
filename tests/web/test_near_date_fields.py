"""Clinical dates far from today are typing errors, refused at the field in Swedish."""

from datetime import timedelta

import pytest
from django import forms
from django.utils import timezone

from hemma.coordination.forms import EpisodeNoticeForm, PeriodForm, SipForm, TaskForm
from hemma.episodes.forms import NoticeForm
from hemma.web.fields import NearDateField, NearDateTimeField


class Event(forms.Form):
    at = NearDateTimeField(past_days=365, future_days=0, input_formats=["%Y-%m-%dT%H:%M"])
    on = NearDateField(past_days=30, future_days=10, required=False)


def test_a_date_within_the_bounds_is_accepted():
    today = timezone.localdate()
    form = Event({"at": f"{today:%Y-%m-%d}T08:00", "on": f"{today + timedelta(days=10)}"})
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"at": "1900-01-01T08:00"}, "at", "Datumet ligger för långt bakåt"),
        ({"at": "2999-01-01T08:00"}, "at", "Datumet kan inte ligga i framtiden"),
        ({"at": "", "on": "1800-05-05"}, "on", "för långt bakåt"),
    ],
)
def test_an_absurd_date_is_an_error_at_its_field(data, field, message):
    form = Event(
        {"at": f"{timezone.localdate():%Y-%m-%d}T08:00", **{k: v for k, v in data.items() if v}}
    )
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_the_error_names_the_first_allowed_day():
    form = Event({"at": "1900-01-01T08:00"})
    form.is_valid()
    first = timezone.localdate() - timedelta(days=365)
    assert f"tidigast {first:%Y-%m-%d}" in form.errors["at"][0]


@pytest.mark.parametrize(
    ("form_class", "data", "field"),
    [
        (NoticeForm, {"notice": "admission", "at": "1900-01-01T08:00"}, "at"),
        (
            EpisodeNoticeForm,
            {"notice": "admission", "admitted_at": "1900-01-01T08:00"},
            "admitted_at",
        ),
        (SipForm, {"meeting_at": "2999-01-01T10:00"}, "meeting_at"),
        (PeriodForm, {"first": "1800-01-01", "last": "2026-01-01"}, "first"),
    ],
)
def test_clinical_forms_refuse_absurd_dates(form_class, data, field):
    form = form_class(data)
    assert not form.is_valid()
    assert field in form.errors
    assert "Kontrollera årtalet" in " ".join(form.errors[field])


def test_a_task_due_in_2999_is_refused():
    form = TaskForm({"title": "Ring", "due_on": "2999-01-01"})
    form.is_valid()
    assert "för långt fram" in " ".join(form.errors.get("due_on", []))


def test_a_care_request_starting_2999_is_refused_at_its_field():
    from hemma.carerequests.forms import CareRequestForm

    form = CareRequestForm({"kind": "home_health_care", "start_at": "2999-01-01T08:00"})
    form.is_valid()
    assert "för långt fram" in " ".join(form.errors["start_at"])
