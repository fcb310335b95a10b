"""The frailty screening on the patient page: the panel (Clinical Frailty Scale, frequent
attender) and the form's view. The patient page does not import this app: the panel is
registered in hemma/patients/hooks.py from CoordinationConfig.ready(), the form posts
here and the view redirects back to the patient page."""

from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.patients.selectors import PatientAccess
from hemma.web.actions import run_form_action
from hemma.web.decorators import staff_required

from .forms import FrailtyForm
from .screening import flags_for, frailty_record
from .selectors import get_health_record_patient_for_user


def patient_panel(staff: Staff, unit: Unit, access: PatientAccess) -> dict:
    """The latest CFS, the frequent-attender flag and the form – health record only."""
    if not access.decision.health_record:
        return {"screening": None, "frailty_form": None}
    patient = access.patient
    return {
        "screening": flags_for([patient.pk])[patient.pk],
        "frailty_form": FrailtyForm(initial={"assessed_on": timezone.localdate()}),
    }


@staff_required
@require_POST
def frailty(request, patient_id):
    """Record a CFS screening from the patient page and go back there."""
    patient = get_health_record_patient_for_user(
        staff=request.hemma.staff,
        unit=request.hemma.unit,
        patient_id=patient_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail="frailty screening",
    )
    run_form_action(
        request,
        FrailtyForm(request.POST),
        lambda data: frailty_record(
            staff=request.hemma.staff, unit=request.hemma.unit, patient=patient, **data
        ),
        _("Skörhetsbedömningen är sparad."),
        retry=True,  # drawn again on the patient page (patients/views.py)
    )
    return redirect("patients:detail", patient_id=patient.pk)
