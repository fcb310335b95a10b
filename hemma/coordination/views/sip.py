"""The discharge case's SIP plan (samordnad individuell plan) and its print."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hemma.audit.models import AccessLogEntry
from hemma.errors import HemmaError
from hemma.web.decorators import staff_required

from .. import forms, selectors, services


def _initial(latest) -> dict:
    """The form starts from the latest version (base_number guards a concurrent save)."""
    initial = {"base_number": latest.number if latest else 0}
    if latest:
        initial.update(
            needs=latest.needs,
            goals=latest.goals,
            actions="\n".join(f"{a['who']} | {a['what']} | {a['when']}" for a in latest.actions),
            follow_up_on=latest.follow_up_on,
            evaluation=latest.evaluation,
        )
    return initial


@staff_required
@require_http_methods(["GET", "POST"])
def sip_plan(request, case_id):
    unit = request.hemma.unit
    # The SIP plan and its print follow the case and the patient's record; not home care's.
    case = selectors.get_sip_case_for_user(
        staff=request.hemma.staff,
        unit=unit,
        case_id=case_id,
        action=AccessLogEntry.Action.EDIT_PATIENT
        if request.method == "POST"
        else AccessLogEntry.Action.VIEW_PATIENT,
    ).case
    plans = selectors.sip_plans(case)
    latest = plans[0] if plans else None
    if request.method == "POST":
        form = forms.SipPlanForm(request.POST)
        if form.is_valid():
            try:
                services.sip_plan_save(
                    staff=request.hemma.staff, unit=unit, case=case, **form.cleaned_data
                )
                messages.success(request, _("SIP-planen är sparad."))
                return redirect("coordination:sip_plan", case_id=case.pk)
            except HemmaError as error:
                form.add_error(None, error.message)
    else:
        form = forms.SipPlanForm(initial=_initial(latest))
    template = (
        "coordination/sip_print.html" if request.GET.get("print") else "coordination/sip_plan.html"
    )
    return render(
        request,
        template,
        {"case": case, "patient": case.patient, "plans": plans, "latest": latest, "form": form},
    )
