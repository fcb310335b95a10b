"""Issue 19, the mechanism (web/form_retry.py and run_form_action): a failed form is kept
in the session for its action's page – without the CSRF and submission tokens, without
fields the form does not have, only when small – and given back bound once; a refusal is
the form's own error; a page that does not draw it again gets the errors by label."""

import time
import uuid

import pytest
from django import forms
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import QueryDict
from django.test import RequestFactory

from hemma.errors import HemmaError
from hemma.web import form_retry
from hemma.web.actions import run_form_action
from hemma.web.form_retry import SESSION_KEY, error_summary, retry_form
from tests.form_pages import flashed

pytestmark = pytest.mark.django_db

ACTION = "/monitoring/episode/1/record/"


class ReadingForm(forms.Form):
    pulse = forms.IntegerField(label="Puls", min_value=20, max_value=250)
    note = forms.CharField(label="Kommentar", required=False, max_length=50_000)
    kind = forms.ChoiceField(label="Sätt", choices=[("a", "A")], required=False)
    client_id = forms.CharField(widget=forms.HiddenInput, required=False)


def post(data, path=ACTION):
    body = QueryDict(mutable=True)
    for key, value in data.items():
        body.setlist(key, value if isinstance(value, list) else [value])
    request = RequestFactory().post(path)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request, body


def get(request, path=ACTION):
    """A next request in the same session."""
    following = RequestFactory().get("/page/")
    following.session = request.session
    return following


def test_a_failed_form_comes_back_bound_once_with_its_values_and_errors():
    request, data = post(
        {
            "pulse": "400",
            "note": "Trött",
            "csrfmiddlewaretoken": "secret",
            "submission_token": str(uuid.uuid4()),
            "not_a_field": "x",
        }
    )
    assert not run_form_action(request, ReadingForm(data), lambda d: None, retry=True)
    assert flashed(request) == ["Inget sparades: rätta de markerade fälten."]
    kept = request.session[SESSION_KEY]["data"]
    assert set(kept) == {"pulse", "note"}  # no tokens, nothing the form does not have

    page = get(request)
    form = retry_form(page, ReadingForm, action=ACTION)
    assert form.is_bound and form["note"].value() == "Trött"
    assert "mindre än eller lika med 250" in str(form.errors["pulse"])
    assert not retry_form(page, ReadingForm, action=ACTION).is_bound  # once


def test_it_comes_back_only_for_the_same_action_and_form():
    request, data = post({"pulse": "abc"})
    run_form_action(request, ReadingForm(data), lambda d: None, retry=True)
    page = get(request)
    other = retry_form(page, ReadingForm, action="/monitoring/episode/2/record/", initial={})
    assert not other.is_bound
    assert not retry_form(page, forms.Form, action=ACTION).is_bound
    assert retry_form(page, ReadingForm, action=ACTION).is_bound


def test_an_old_kept_form_is_not_shown():
    request, data = post({"pulse": "abc"})
    run_form_action(request, ReadingForm(data), lambda d: None, retry=True)
    entry = request.session[SESSION_KEY]
    entry["at"] = int(time.time()) - form_retry.MAX_AGE_SECONDS - 5
    request.session[SESSION_KEY] = entry
    assert not retry_form(get(request), ReadingForm, action=ACTION).is_bound


def test_a_refusal_is_the_forms_own_error_and_still_said():
    request, data = post({"pulse": "80", "note": "Bra"})

    def refuse(_data):
        raise HemmaError("Episoden är avslutad.")

    assert not run_form_action(request, ReadingForm(data), refuse, retry=True)
    assert flashed(request) == ["Episoden är avslutad."]
    form = retry_form(get(request), ReadingForm, action=ACTION)
    assert form.non_field_errors() == ["Episoden är avslutad."]
    assert form["note"].value() == "Bra"


def test_a_page_that_does_not_draw_the_form_again_gets_the_errors_by_label():
    request, data = post({"pulse": "abc", "kind": "zz", "client_id": "x" * 5})
    run_form_action(request, ReadingForm(data), lambda d: None)
    (message,) = flashed(request)
    assert message.startswith("Inget sparades: Puls: Fyll i ett heltal.")
    assert "Sätt: " in message
    assert "pulse" not in message and "kind" not in message
    assert SESSION_KEY not in request.session


def test_error_summary_never_names_internal_fields():
    form = ReadingForm({"pulse": "", "client_id": "x"})
    form.is_valid()
    form.add_error("client_id", "Formuläret är inaktuellt.")
    form.add_error(None, "Något annat.")
    summary = error_summary(form)
    assert "Puls: " in summary and "Formuläret är inaktuellt." in summary
    assert "client_id" not in summary and "Client id" not in summary
    assert "Något annat." in summary


def test_too_much_is_not_kept_and_the_message_names_the_fields():
    request, data = post({"pulse": "abc", "note": "x" * 30_000})
    run_form_action(request, ReadingForm(data), lambda d: None, retry=True)
    assert SESSION_KEY not in request.session
    assert flashed(request) == ["Inget sparades: Puls: Fyll i ett heltal."]
    assert not retry_form(get(request), ReadingForm, action=ACTION).is_bound


def test_lone_surrogates_and_odd_values_are_kept_as_safe_text():
    request, data = post({"pulse": "\ud800", "note": ["a\udfffb", "second"], "kind": "\ud800"})
    run_form_action(request, ReadingForm(data), lambda d: None, retry=True)
    request.session.save()  # serialisable
    form = retry_form(get(request), ReadingForm, action=ACTION)
    assert form.data.getlist("note") == ["a\ufffdb", "second"] and "pulse" in form.errors
    form.as_div().encode("utf-8")  # no lone surrogate left to break the page
    error_summary(form).encode("utf-8")


def test_only_text_values_are_kept():
    request, _data = post({})
    form = ReadingForm({"pulse": {"deep": [1, {"x": 2}]}, "note": ["a"], "kind": 5})
    form.is_valid()
    assert form_retry.remember(request, form, action=ACTION)
    kept = request.session[SESSION_KEY]["data"]
    assert all(isinstance(v, str) for values in kept.values() for v in values)


def test_without_a_session_nothing_is_kept_and_the_fields_are_named():
    request = RequestFactory().post(ACTION)
    request._messages = CookieStorage(request)
    run_form_action(request, ReadingForm({"pulse": "1"}), lambda d: None, retry=True)
    assert flashed(request) == [
        "Inget sparades: Puls: Kontrollera att detta värde är större än eller lika med 20."
    ]


def test_a_huge_typed_value_does_not_make_a_huge_message():
    request, data = post({"pulse": "1", "kind": "z" * 100_000})
    run_form_action(request, ReadingForm(data), lambda d: None, retry=True)
    (message,) = flashed(request)
    assert message.startswith("Inget sparades: Puls: ")
    assert len(message) <= 1100 and SESSION_KEY not in request.session


def test_a_request_without_a_session_cookie_does_not_load_a_session():
    """The patient's tablet and the FHIR API carry no session cookie: looking for a kept
    form must not cost them a session load."""
    request = RequestFactory().get("/fhir/Observation")
    request.session = SessionStore()
    form_retry.forget_after_redirect(request)
    assert not request.session.accessed


def test_the_next_full_page_drops_a_kept_form_and_a_fragment_does_not(settings):
    request, data = post({"pulse": "abc"})
    run_form_action(request, ReadingForm(data), lambda d: None, retry=True)
    form_retry.forget_after_redirect(request)  # the POST's own response keeps it
    assert SESSION_KEY in request.session

    fragment = get(request)
    fragment.COOKIES[settings.SESSION_COOKIE_NAME] = "x"
    fragment.META["HTTP_HX_REQUEST"] = "true"
    form_retry.forget_after_redirect(fragment)
    assert SESSION_KEY in request.session

    page = get(request)
    page.COOKIES[settings.SESSION_COOKIE_NAME] = "x"
    form_retry.forget_after_redirect(page)
    assert SESSION_KEY not in request.session
