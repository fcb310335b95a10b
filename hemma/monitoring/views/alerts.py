"""Staff: the unit's live alerts (the page and its 10-second htmx panel), acknowledging
and resolving an alert, taking the duty as the ward's physician, and the ward's duty
roster with its final escalation step."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.accounts.models import Unit
from hemma.errors import HemmaError
from hemma.patients.policy import allowed_actions
from hemma.patients.selectors import object_or_deny
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import Retried, not_saved_message, retry_row

from .. import forms, selectors, services
from ..alert_sources import mark_blocked_alerts
from ..models import Alert, DutySlot, EscalationFinalStep
from .policy import health_record_episode, refused


def _alert_context(request, retried: Retried | None = None):
    """The unit's open alerts – its own (the ward) and those of the episodes it visits –
    for the patients it may list, each with the actions the policy allows on it. The
    page and the 10-second poll log the patients shown under one detail, so a poll
    within the repeat window writes nothing new. An alert showing what a unit the patient
    has blocked documented stays in the list, its content replaced by the neutral notice
    (`blocked`, alert_sources.mark_blocked_alerts): the ward must still act on it.
    `retried` is a resolve form that was not saved: drawn again in its alert's row."""
    staff, unit = request.hemma.staff, request.hemma.unit
    alerts = mark_blocked_alerts(
        selectors.open_alerts(staff, unit)[:100], staff, unit, where="alert list"
    )
    for alert in alerts:
        alert.allowed = allowed_actions(staff=staff, unit=unit, episode=alert.episode)
        url = reverse("monitoring:alert_act", args=[alert.pk, "resolve"])
        alert.retry = retried.form if retried is not None and retried.action == url else None
    if (
        retried is not None
        and all(a.retry is None for a in alerts)
        and not retried.form.non_field_errors()  # a refusal was said already
    ):
        # Its alert left the list meanwhile: the errors by the fields' labels instead.
        messages.error(request, not_saved_message(retried.form))
    log_list(request, "alert list", [alert.episode.patient for alert in alerts])
    is_ward = unit.kind == Unit.Kind.WARD
    return {
        "alerts": alerts,
        "alert_ids": ",".join(str(a.pk) for a in alerts if a.status == Alert.Status.OPEN),
        "failed": [a for a in alerts if a.escalation_failed and a.status == Alert.Status.OPEN],
        "chain": services.chain_for(unit) if is_ward else None,
        "resolve_form": forms.ResolveForm(),
        "is_physician": staff.profession == "physician",
        "is_ward": is_ward,
    }


@staff_required
def alerts(request):
    # Only the full page draws a failed resolve form again: the 10-second poll keeps the
    # row's form as it is in the browser (hx-preserve), typed values and errors included.
    retried = retry_row(request, forms.ResolveForm, prefix=reverse("monitoring:alerts"))
    return render(request, "monitoring/alerts.html", _alert_context(request, retried))


@staff_required
def alerts_panel(request):
    """The live part of the alert list, polled by htmx every 10 seconds."""
    return render(request, "monitoring/_alerts_panel.html", _alert_context(request))


ALERT_ACTIONS = {"ack": "acknowledge_alert", "resolve": "acknowledge_alert"}


@staff_required
@require_POST
def alert_act(request, alert_id, action):
    if action not in ALERT_ACTIONS:
        raise Http404("No such action")
    alert = object_or_deny(request, Alert.objects, alert_id, what="alert")
    what = f"alert {alert.pk} {action}"
    episode = health_record_episode(request, alert.episode_id, what)
    if (refusal := refused(request, episode, ALERT_ACTIONS[action], what)) is not None:
        return refusal
    if action == "resolve":
        run_form_action(
            request,
            forms.ResolveForm(request.POST),
            lambda data: services.alert_resolve(
                staff=request.hemma.staff, unit=request.hemma.unit, alert=alert, **data
            ),
            _("Larmet är åtgärdat."),
            retry=True,  # drawn again in the alert's row, its errors at the fields
        )
        return redirect("monitoring:alerts")
    try:
        services.alert_acknowledge(staff=request.hemma.staff, unit=request.hemma.unit, alert=alert)
        messages.success(request, _("Larmet är kvitterat."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("monitoring:alerts")


@staff_required
@require_POST
def duty(request):
    try:
        services.duty_physician_set(staff=request.hemma.staff, unit=request.hemma.unit)
        messages.success(
            request, _("Du har jouren för det här passet: eskalerade larm går till dig först.")
        )
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("monitoring:alerts")


def _roster_forms(unit, data=None):
    physicians = services.ward_physicians(unit)
    entries = {e.slot: e for e in unit.duty_roster.all()}
    slots = []
    for slot in DutySlot:
        entry = entries.get(slot.value)
        initial = {"on_call": entry.on_call_id, "deputy": entry.deputy_id} if entry else {}
        form = forms.RosterSlotForm(data, prefix=slot.value, initial=initial, physicians=physicians)
        form.fields["on_call"].widget.attrs["aria-label"] = f"{slot.label}: {_('jourhavande')}"
        form.fields["deputy"].widget.attrs["aria-label"] = f"{slot.label}: {_('ersättare')}"
        slots.append((slot, form))
    final = EscalationFinalStep.objects.filter(ward=unit).first()
    initial = {"physician": final.staff_id, "instruction": final.instruction} if final else {}
    final_form = forms.FinalStepForm(
        data, prefix="final", initial=initial, physicians=services.organisation_physicians(unit)
    )
    return slots, final_form


@staff_required
def roster(request):
    """The ward's duty roster (on-call physician and deputy per slot) and its final step:
    kept by the ward's own staff; any other unit is refused."""
    staff, unit = request.hemma.staff, request.hemma.unit
    if not services.may_edit_roster(staff, unit):
        raise PermissionDenied(_("Bara avdelningens personal ändrar avdelningens jourlista."))
    slots, final_form = _roster_forms(unit, request.POST if request.method == "POST" else None)
    status, refusal = 200, ""
    if request.method == "POST":
        if all(form.is_valid() for _slot, form in slots) and final_form.is_valid():
            try:
                services.duty_roster_save(
                    staff=staff,
                    unit=unit,
                    slots={
                        slot.value: (form.cleaned_data["on_call"], form.cleaned_data["deputy"])
                        for slot, form in slots
                    },
                    final_physician=final_form.cleaned_data["physician"],
                    final_instruction=final_form.cleaned_data["instruction"],
                )
            except HemmaError as error:
                messages.error(request, error.message)
                refusal = error.message  # the roster form's own error, above its fields
                status = 400
            else:
                messages.success(request, _("Jourlistan är sparad."))
                return redirect("monitoring:roster")
        else:
            status = 400
    return render(
        request,
        "monitoring/roster.html",
        {
            "slots": slots,
            "final_form": final_form,
            "chain": services.chain_for(unit),
            "refusal": refusal,
        },
        status=status,
    )
