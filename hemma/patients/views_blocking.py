"""Blocking (spärr) on the patient page: record and lift a block on the patient's request,
and open blocked information with the patient's consent. Thin: the services decide."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hemma.audit.models import AccessLogEntry
from hemma.errors import HemmaError, NotAllowed
from hemma.web.actions import run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_form

from . import services
from .blocks import blockable_units
from .forms import BlockForm, BlockOpenForm
from .policy import decide_blocks, may_manage_blocks
from .selectors import get_patient_for_user, refuse


def _health_record_patient(request, patient_id, detail):
    """Blocks are part of the health record: a home-care unit (Scope.SOL) gets a 404."""
    return get_patient_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        patient_id=patient_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail=detail,
        health_record=True,
    ).patient


def block_form(request, patient, care_team) -> BlockForm:
    """The patient page's block form; after a failed one the same form again, once (what
    was chosen and typed, the errors at the fields)."""
    return retry_form(
        request,
        BlockForm,
        action=reverse("patients:block_add", args=[patient.pk]),
        units=[r.unit for r in care_team],
        auto_id="block_%s",
    )


@staff_required
@require_http_methods(["POST"])
def block_add(request, patient_id):
    patient = _health_record_patient(request, patient_id, "block record")
    staff, unit = request.hemma.staff, request.hemma.unit
    form = BlockForm(request.POST, units=list(blockable_units(patient)))
    if not form.is_valid() and not may_manage_blocks(staff=staff, unit=unit, patient=patient):
        # A crafted POST with a bad unit is refused like a good one (the service refuses a
        # valid form and names the unit in its denied entry).
        refuse(staff=staff, acting_unit=unit, what="block record", patient=patient)
    run_form_action(
        request,
        form,
        lambda data: _block_record(staff, unit, patient, data),
        _("Spärren är registrerad."),
        retry=True,  # drawn again in the page's block section
    )
    return redirect("patients:detail", patient_id=patient.pk)


def _block_record(staff, unit, patient, data) -> None:
    try:
        services.block_record(
            staff=staff,
            unit=unit,
            patient=patient,
            blocked_unit=data["blocked_unit"],
            note=data["note"],
        )
    except NotAllowed as error:
        # The service wrote the denied entry; a crafted POST is a 403.
        raise PermissionDenied(error.message) from None


@staff_required
@require_http_methods(["POST"])
def block_lift(request, patient_id, block_id):
    patient = _health_record_patient(request, patient_id, "block lift")
    staff, unit = request.hemma.staff, request.hemma.unit
    try:
        services.block_lift(staff=staff, unit=unit, patient=patient, block_id=block_id)
        messages.success(request, _("Spärren är hävd på patientens begäran."))
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("patients:detail", patient_id=patient.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def block_open(request, patient_id):
    patient = _health_record_patient(request, patient_id, "block open")
    staff, unit = request.hemma.staff, request.hemma.unit
    form = BlockOpenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        valid = form.is_valid()
        consents = bool(form.cleaned_data.get("patient_consents"))
        # Without the patient's consent the service refuses and logs it (the form says why).
        if valid or not consents:
            try:
                services.block_open(
                    staff=staff,
                    unit=unit,
                    patient=patient,
                    reason=form.cleaned_data.get("reason") or "",
                    patient_consents=consents,
                )
            except HemmaError as error:
                if consents:
                    form.add_error(None, error.message)
            else:
                messages.warning(
                    request,
                    _(
                        "Spärrad information visas med patientens samtycke. "
                        "Åtkomsten loggas och granskas i efterhand."
                    ),
                )
                return redirect("patients:detail", patient_id=patient.pk)
    blocked = bool(decide_blocks(staff=staff, acting_unit=unit, patient=patient).hidden)
    return render(
        request, "patients/block_open.html", {"form": form, "patient": patient, "blocked": blocked}
    )
