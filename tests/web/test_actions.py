"""run_form_action (web/actions.py): the success message may be written from the service's
result; a refusal is said once – at the form where the form is drawn again (the message
only points at it), in the message where it is not."""

import pytest
from django import forms
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from hemma.errors import HemmaError
from hemma.web.actions import run_form_action
from hemma.web.form_retry import retry_form
from tests.form_pages import flashed

pytestmark = pytest.mark.django_db

ACTION = "/setup/safety-beds/1/add/"
REFUSAL = "Platsen finns redan."
POINTER = "Inget sparades: se meddelandet vid formuläret."


class LabelForm(forms.Form):
    label = forms.CharField(label="Plats", max_length=40)


def post(data, *, session=True):
    request = RequestFactory().post(ACTION, data)
    if session:
        request.session = SessionStore()
    request._messages = FallbackStorage(request) if session else CookieStorage(request)
    return request


def refuse(_data):
    raise HemmaError(REFUSAL)


def test_done_as_a_callable_gets_what_the_service_returned():
    request = post({"label": "Säng 3"})
    result, given = object(), []

    def done(answer):
        given.append(answer)
        return "Säng 3 är tillagd."

    assert run_form_action(request, LabelForm(request.POST), lambda data: result, done)
    assert given == [result]
    assert flashed(request) == ["Säng 3 är tillagd."]


def test_the_outcome_carries_the_services_result_only_when_it_succeeded():
    result = object()
    request = post({"label": "Säng 3"})
    done = run_form_action(request, LabelForm(request.POST), lambda data: result)
    assert done.ok and done.result is result
    request = post({"label": "Säng 3"})
    refused = run_form_action(request, LabelForm(request.POST), refuse)
    assert not refused and refused.result is None
    request = post({"label": ""})
    invalid = run_form_action(request, LabelForm(request.POST), lambda data: result)
    assert not invalid and invalid.result is None


def test_done_as_a_callable_that_answers_nothing_flashes_nothing():
    request = post({"label": "Säng 3"})
    assert run_form_action(request, LabelForm(request.POST), lambda data: 2, lambda n: "")
    assert flashed(request) == []


def test_done_as_a_callable_is_not_asked_when_the_service_refuses():
    request = post({"label": "Säng 3"})
    given = []
    done = given.append
    assert not run_form_action(request, LabelForm(request.POST), refuse, done)
    assert given == []


def test_a_refusal_kept_for_the_page_after_the_redirect_is_said_in_the_message_too():
    """The page may no longer have the row that draws the form (the alert was resolved,
    the dose recorded meanwhile), so the message says the refusal itself."""
    request = post({"label": "Säng 3"})
    assert not run_form_action(request, LabelForm(request.POST), refuse, retry=True)
    assert flashed(request) == [REFUSAL]
    page = RequestFactory().get("/setup/safety-beds/")
    page.session = request.session
    form = retry_form(page, LabelForm, action=ACTION)
    assert form.non_field_errors() == [REFUSAL]


def test_a_refusal_drawn_again_in_this_response_is_said_once_at_the_form():
    request = post({"label": "Säng 3"})
    form = LabelForm(request.POST)
    assert not run_form_action(request, form, refuse, keep_form=True)
    assert flashed(request) == [POINTER]
    assert form.non_field_errors() == [REFUSAL]


@pytest.mark.parametrize("retry", [False, True])
def test_a_refusal_where_the_form_is_not_drawn_again_is_flashed(retry):
    # Without `retry` nothing draws it; with it, but no session, it could not be kept.
    request = post({"label": "Säng 3"}, session=False)
    assert not run_form_action(request, LabelForm(request.POST), refuse, retry=retry)
    assert flashed(request) == [REFUSAL]
