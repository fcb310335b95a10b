"""A form that failed in a POST-then-redirect action comes back on the page, once.

`run_form_action` (web/actions.py) answers invalid input, or a service's refusal, by
keeping what was typed in the session under the form's class and the action's URL. The
GET view that draws the form asks for it with

    form = retry_form(request, forms.ObservationForm, action=url, initial={...})

and gets the bound form again – its errors at their fields, the typed values kept, a
refusal as the form's own error – the first time, on the page of the same object (the
action URL names it); every other time an unbound form. Only the latest failed form is
kept, and no longer than the redirect: `FormRetryMiddleware` drops it after the first
page (a GET that is not an htmx fragment) that follows the failed POST, and on any request
once it is older than `MAX_AGE_SECONDS`, so typed clinical values never stay in the session
until logout. The CSRF and submission tokens are never kept (the page gives fresh ones),
nor a field the form does not have, nor anything when it is larger than `MAX_BYTES`.

`error_summary(form)` names the errors by the fields' labels, for pages that cannot
draw the form again ("Puls: Ange ett värde mellan 20 och 250.").
"""

import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _

from .idempotency import FIELD as SUBMISSION_FIELD

SESSION_KEY = "hemma_form_retry"
MAX_BYTES = 20_000
MAX_AGE_SECONDS = 120  # the redirect's GET follows at once
SUMMARY_CHARS = 1000
_NEVER_KEPT = {"csrfmiddlewaretoken", SUBMISSION_FIELD}


def form_key(form_class) -> str:
    return f"{form_class.__module__}.{form_class.__qualname__}"


def clean_text(value) -> str:
    """Text safe to keep and to show: a lone surrogate (no UTF-8 for it) becomes U+FFFD."""
    text = str(value)
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


def error_summary(form) -> str:
    """The form's errors, each after its field's label (the form's own errors alone)."""
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        # Never the internal name: a field without a label (a hidden one) gives its errors.
        label = str(field.label) if field is not None and field.label else ""
        text = " ".join(clean_text(e) for e in errors)
        parts.append(f"{clean_text(label)}: {text}" if label else text)
    summary = " ".join(parts)
    # An error may repeat what was typed (a choice's value): a message stays short.
    return summary if len(summary) <= SUMMARY_CHARS else summary[: SUMMARY_CHARS - 1] + "…"


def not_saved_message(form, *, with_fields: bool = True) -> str:
    """ "Inget sparades: …" – the errors by the fields' labels when the page will not mark
    them at the fields (`with_fields`), else a pointer to the marked fields."""
    summary = error_summary(form) if with_fields else ""
    if not summary:
        return _("Inget sparades: rätta de markerade fälten.")
    return _("Inget sparades: %(errors)s") % {"errors": summary}


def _kept_data(form) -> dict[str, list[str]]:
    names = {form.add_prefix(name) for name in form.fields}
    data = form.data
    getlist = data.getlist if hasattr(data, "getlist") else lambda k: [data.get(k)]
    kept = {}
    for key in data:
        if key in _NEVER_KEPT or key not in names:
            continue
        values = [v for v in getlist(key) if isinstance(v, str)]
        kept[key] = [clean_text(v) for v in values]
    return kept


def remember(request, form, *, action: str, refusal: str = "") -> bool:
    """Keep the submitted form for the GET page of `action`; False when it was not kept
    (no session, or too large) – the caller then names the errors in its message."""
    session = getattr(request, "session", None)
    if session is None:
        return False
    entry = {
        "form": form_key(type(form)),
        "action": str(action),
        "data": _kept_data(form),
        "refusal": clean_text(refusal),
        "at": int(time.time()),
    }
    if len(json.dumps(entry)) > MAX_BYTES:
        session.pop(SESSION_KEY, None)
        return False
    session[SESSION_KEY] = entry
    request._form_retry_kept = True  # not dropped by this request's own response
    return True


def forget_after_redirect(request) -> None:
    """Drop the kept form once its page was drawn (the first full GET after the POST that
    kept it) or once it is too old, on any request."""
    session = getattr(request, "session", None)
    if session is None or getattr(request, "_form_retry_kept", False):
        return
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return  # no session to look in: left untouched (no "Vary: Cookie" on API answers)
    entry = session.get(SESSION_KEY)
    if entry is None:
        return
    expired = not isinstance(entry, dict) or time.time() - entry.get("at", 0) > MAX_AGE_SECONDS
    page_drawn = request.method == "GET" and not request.headers.get("HX-Request")
    if expired or page_drawn:
        session.pop(SESSION_KEY, None)


def retry_form(request, form_class, *, action: str, initial=None, **kwargs):
    """The form kept for this form class and action – bound, validated, once – else a new
    unbound form with `initial`."""
    session = getattr(request, "session", None)
    entry = session.get(SESSION_KEY) if session is not None else None
    if (
        isinstance(entry, dict)
        and entry.get("form") == form_key(form_class)
        and entry.get("action") == str(action)  # not another object's (or action's) form
    ):
        session.pop(SESSION_KEY, None)
        if time.time() - entry.get("at", 0) <= MAX_AGE_SECONDS:
            return _bound(form_class, entry, initial, kwargs)
    return form_class(initial=initial, **kwargs)


def _bound(form_class, entry, initial, kwargs):
    data = QueryDict(mutable=True)
    for key, values in (entry.get("data") or {}).items():
        data.setlist(key, [clean_text(v) for v in values if isinstance(v, str)])
    form = form_class(data, initial=initial, **kwargs)
    form.is_valid()  # the errors, at their fields
    if entry.get("refusal"):
        form.add_error(None, entry["refusal"])
    return form


def retry_instance(request, form, *, action: str):
    """`retry_form` for a form another app put in the page's context (a panel's form): the
    same form again, or the kept one bound in its place."""
    kwargs = {"auto_id": form.auto_id, "prefix": form.prefix}
    return retry_form(request, type(form), action=action, initial=form.initial, **kwargs)


@dataclass(frozen=True)
class Retried:
    """A kept form and the action it was sent to, for a page with one such form per row:
    the template shows it in the row whose form has this action."""

    action: str
    form: object


def retry_row(request, form_class, *, prefix: str = "/") -> Retried | None:
    """The kept form of `form_class` sent to an action under `prefix` (bound, once), or None."""
    session = getattr(request, "session", None)
    entry = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(entry, dict) or entry.get("form") != form_key(form_class):
        return None
    action = entry.get("action")
    if not isinstance(action, str) or not action.startswith(prefix):
        return None
    form = retry_form(request, form_class, action=action)
    return Retried(action, form) if form.is_bound else None
