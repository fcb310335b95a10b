"""The staff member's run sheet: their own visits of the day in order, with what each
needs, and marking a visit arrived, done or not done – with a note and a concern for the
ward on the visit's own page (under the policy's `record_visit`)."""

from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hemma.errors import HemmaError
from hemma.patients.policy import allowed_actions
from hemma.patients.selectors import deny
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_row

from .. import forms, selectors, services
from ..models import Visit
from .common import EDIT, day_of, visit_refused


@staff_required
def run_sheet(request):
    day = day_of(request)
    staff, unit = request.hemma.staff, request.hemma.unit
    rows = selectors.run_sheet(staff, unit, day)
    for row in rows:
        row["allowed"] = allowed_actions(staff=staff, unit=unit, episode=row["visit"].episode)
    log_list(request, f"run sheet {day}", [row["patient"] for row in rows])
    return render(
        request,
        "visits/run_sheet.html",
        {
            "day": day,
            "rows": rows,
            "previous": date.fromordinal(day.toordinal() - 1),
            "next": date.fromordinal(day.toordinal() + 1),
            "done_form": forms.DoneForm(),
            # A "done" whose submit failed: its note and error in its visit's row, once.
            "done_retry": retry_row(request, forms.DoneForm),
        },
    )


def _own_visit(request, visit_id, what: str) -> Visit:
    """A visit on the staff member's own run sheet for the acting unit; any other id: a
    denied entry and 404. Then the policy's see and `record_visit`."""
    visit = (
        Visit.objects.filter(pk=visit_id, unit=request.hemma.unit)
        .filter(assignments__staff=request.hemma.staff)
        .select_related("episode__patient", "unit")
        .first()
    )
    if visit is None:
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"visit id={visit_id} {what}",
            action=EDIT,
        )
    return visit


def _sheet(visit) -> str:
    return f"{reverse('visits:run_sheet')}?day={visit.day:%Y-%m-%d}#visit-{visit.pk}"


@staff_required
@require_POST
def arrive(request, visit_id):
    visit = _own_visit(request, visit_id, "arrive")
    what = f"visit {visit.pk} arrive"
    if (refusal := visit_refused(request, visit, "record_visit", what)) is not None:
        return refusal
    try:
        services.visit_arrive(staff=request.hemma.staff, unit=request.hemma.unit, visit=visit)
        messages.success(request, _("Ankomst registrerad."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect(_sheet(visit))


@staff_required
@require_POST
def done(request, visit_id):
    visit = _own_visit(request, visit_id, "done")
    what = f"visit {visit.pk} done"
    if (refusal := visit_refused(request, visit, "record_visit", what)) is not None:
        return refusal
    form = forms.DoneForm(request.POST)
    run_form_action(
        request,
        form,
        lambda data: services.visit_done(
            staff=request.hemma.staff, unit=request.hemma.unit, visit=visit, note=data["note"]
        ),
        _("Besöket är utfört."),
        retry=True,
    )
    return redirect(_sheet(visit))


@staff_required
@require_http_methods(["GET", "POST"])
def document(request, visit_id):
    """The visit's documentation: done or not done (the reason), a note, and a concern the
    ward gets as an alert at the chosen level. Field errors are shown on the form."""
    visit = _own_visit(request, visit_id, "document")
    what = f"visit {visit.pk} document"
    if (refusal := visit_refused(request, visit, "record_visit", what)) is not None:
        return refusal
    staff, unit = request.hemma.staff, request.hemma.unit
    form = forms.DocumentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {
            "staff": staff,
            "unit": unit,
            "visit": visit,
            "note": data["note"],
            "concern": data["concern"],
            "concern_level": data["concern_level"],
        }
        try:
            if data["outcome"] == forms.DocumentForm.NOT_DONE:
                services.visit_not_done(reason=data["reason"], **common)
                messages.success(request, _("Besöket är dokumenterat som ej utfört."))
            else:
                services.visit_done(**common)
                messages.success(request, _("Besöket är utfört."))
        except HemmaError as error:
            form.add_error(None, error.message)
        else:
            if data["concern"]:
                messages.warning(request, _("Oron är skickad till avdelningen som ett larm."))
            return redirect(_sheet(visit))
    allowed = allowed_actions(staff=staff, unit=unit, episode=visit.episode)
    return render(
        request,
        "visits/document.html",
        {
            "visit": visit,
            "patient": visit.episode.patient,
            "form": form,
            "may_record_reading": "record_reading" in allowed,
            "open": visit.status in (Visit.Status.ASSIGNED, Visit.Status.ARRIVED),
        },
    )
