"""What every POST action view does the same way: validate the form, call exactly one
service, and tell the user the outcome in Swedish (never a 500 for bad input)."""

from collections.abc import Callable, Iterable

from django.contrib import messages
from django.utils.translation import gettext as _

from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record_many
from hemma.errors import HemmaError

from . import form_retry
from .idempotency import ALREADY_SAVED, AlreadySubmitted, submit_once


def run_form_action(
    request,
    form,
    perform: Callable[[dict], object],
    done: str = "",
    *,
    keep_form: bool = False,
    retry: bool = False,
) -> bool:
    """True when the form was valid and the service succeeded; messages say what happened.

    With `keep_form` the view shows the bound form again: its errors stay at their fields
    (a service's refusal becomes the form's own error) and the message only says so.
    A form with a submission token (web/idempotency.py) is carried out once: a repeat is
    True with "Redan sparat." and performs nothing.

    With `retry` the page the view redirects to draws the form with `retry_form` for this
    action's URL (web/form_retry.py): the submitted form is kept for it, so its errors
    show at their fields with the typed values. Otherwise (or when it could not be kept)
    the message names each error by its field's label."""
    if not form.is_valid():
        if keep_form:
            messages.error(request, _("Inget sparades: rätta de markerade fälten."))
        else:
            kept = retry and form_retry.remember(request, form, action=request.path)
            messages.error(request, form_retry.not_saved_message(form, with_fields=not kept))
        return False
    try:
        with submit_once(request):
            perform(dict(form.cleaned_data))
    except AlreadySubmitted:
        messages.info(request, ALREADY_SAVED)
        return True
    except HemmaError as error:
        if keep_form:
            form.add_error(None, error.message)
            messages.error(request, _("Inget sparades: rätta de markerade fälten."))
        else:
            if retry and form.fields:  # shown again as the form's own error
                form_retry.remember(request, form, action=request.path, refusal=error.message)
            messages.error(request, error.message)
        return False
    messages.success(request, str(done) if done else _("Sparat."))
    return True


def log_list(request, detail: str, patients: Iterable) -> None:
    """A list showed these patients to the acting unit: one entry per patient, in one
    insert, so each appears in the patient's extract (an unchanged re-display within the
    repeat window is not logged again)."""
    access_log_record_many(
        staff=request.hemma.staff,
        unit=request.hemma.unit,
        patients=patients,
        action=AccessLogEntry.Action.LIST_PATIENTS,
        detail=detail,
    )
