"""What every POST action view does the same way: validate the form, call exactly one
service, and tell the user the outcome in Swedish (never a 500 for bad input)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.utils.translation import gettext as _

from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record_many
from hemma.errors import HemmaError

from . import form_retry
from .idempotency import ALREADY_SAVED, AlreadySubmitted, submit_once


@dataclass(frozen=True)
class ActionOutcome:
    """What `run_form_action` did: true when the form was valid and the service succeeded
    (or the same submission had already been carried out); `result` is what the service
    returned this time (None for a repeat or a failure)."""

    ok: bool
    result: object = None

    def __bool__(self) -> bool:
        return self.ok


def run_form_action(
    request,
    form,
    perform: Callable[[dict], object],
    done: str | Callable[[object], str] = "",
    *,
    keep_form: bool = False,
    retry: bool = False,
) -> ActionOutcome:
    """Truthy when the form was valid and the service succeeded, carrying the service's
    result (`ActionOutcome`); messages say what happened.

    `done` is the success message ("Sparat." when empty), or a callable that writes it from
    what `perform` returned (the service's result); a callable that answers "" has told
    the outcome itself (at another level, e.g. a warning). A form with a submission token
    (web/idempotency.py) is carried out once: a repeat is truthy with "Redan sparat." and
    performs nothing. On failure a service's refusal becomes the form's own error, and the
    form is shown again at its fields in one of two places: by the view itself in this
    response (`keep_form`: it renders the bound form), or, with `retry`, by the page the
    view redirects to, which draws it with `retry_form` for this action's URL
    (web/form_retry.py). A refusal is said in the message too, except with `keep_form`
    (the message then only points at the form): after a redirect the row that would draw
    the form may be gone (the alert resolved, the dose recorded meanwhile). Errors at
    fields get a message that points at them; when the form is not shown again, the
    message names each error by its field's label."""
    refusal = ""
    if form.is_valid():
        try:
            with submit_once(request):
                result = perform(dict(form.cleaned_data))
        except AlreadySubmitted:
            messages.info(request, ALREADY_SAVED)
            return ActionOutcome(ok=True)
        except HemmaError as error:
            refusal = error.message
        else:
            if not callable(done):
                messages.success(request, str(done) if done else _("Sparat."))
            elif said := str(done(result)):
                messages.success(request, said)
            return ActionOutcome(ok=True, result=result)
    _report_failure(request, form, refusal, shown_here=keep_form, after_redirect=retry)
    return ActionOutcome(ok=False)


def _report_failure(request, form, refusal: str, *, shown_here: bool, after_redirect: bool):
    if refusal and form.fields:  # the form's own error wherever it is drawn again
        form.add_error(None, refusal)
    at_fields = shown_here or (
        after_redirect
        and bool(form.fields)
        and form_retry.remember(request, form, action=request.path, refusal=refusal)
    )
    if refusal and shown_here:  # said once: as the form's own error, in this response
        messages.error(request, _("Inget sparades: se meddelandet vid formuläret."))
    elif refusal:  # after a redirect the row that drew the form may be gone: said here too
        messages.error(request, refusal)
    elif at_fields:
        messages.error(request, _("Inget sparades: rätta de markerade fälten."))
    else:
        messages.error(request, form_retry.not_saved_message(form))


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
