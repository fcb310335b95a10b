"""The patient's consent to the ambulance being informed: recorded or revoked from the
patient page by the ward of the episode (services.ambulance_consent_record / _revoke)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.audit.models import AccessLogEntry
from hemma.errors import HemmaError, NotAllowed
from hemma.web.decorators import staff_required

from . import services
from .selectors import get_patient_for_user


@staff_required
@require_POST
def ambulance_consent(request, patient_id, action):
    if action not in ("give", "revoke"):
        raise Http404("No such action")
    staff, unit = request.hemma.staff, request.hemma.unit
    patient = get_patient_for_user(
        staff=staff,
        acting_unit=unit,
        patient_id=patient_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail=f"ambulance consent {action}",
        health_record=True,
    ).patient
    try:
        if action == "give":
            services.ambulance_consent_record(staff=staff, unit=unit, patient=patient)
            messages.success(request, _("Samtycket till att ambulansen informeras är registrerat."))
        else:
            services.ambulance_consent_revoke(staff=staff, unit=unit, patient=patient)
            messages.success(request, _("Samtycket är återkallat: ambulansen ser inte patienten."))
    except NotAllowed as error:
        # The service wrote the denied entry; a crafted POST is a 403.
        raise PermissionDenied(error.message) from None
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("patients:detail", patient_id=patient.pk)
