"""Staff: the unit's live alerts (the page and its 10-second htmx panel), acknowledging
and resolving an alert, and taking the duty as the ward's physician."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.accounts.models import Unit
from hemma.errors import HemmaError
from hemma.patients.policy import allowed_actions
from hemma.patients.selectors import object_or_deny
from hemma.web.actions import log_list
from hemma.web.decorators import staff_required

from .. import forms, selectors, services
from ..models import Alert, DutyPhysician
from .policy import health_record_episode, refused


def _alert_context(request):
    """The unit's open alerts – its own (the ward) and those of the episodes it visits –
    for the patients it may list, each with the actions the policy allows on it. The
    page and the 10-second poll log the patients shown under one detail, so a poll
    within the repeat window writes nothing new."""
    staff, unit = request.hemma.staff, request.hemma.unit
    alerts = list(selectors.open_alerts(staff, unit)[:100])
    for alert in alerts:
        alert.allowed = allowed_actions(staff=staff, unit=unit, episode=alert.episode)
    log_list(request, "alert list", [alert.episode.patient for alert in alerts])
    duty = DutyPhysician.objects.filter(ward=unit).select_related("staff__user").first()
    return {
        "alerts": alerts,
        "alert_ids": ",".join(str(a.pk) for a in alerts if a.status == Alert.Status.OPEN),
        "duty": duty,
        "resolve_form": forms.ResolveForm(),
        "is_physician": staff.profession == "physician",
        "is_ward": unit.kind == Unit.Kind.WARD,
    }


@staff_required
def alerts(request):
    return render(request, "monitoring/alerts.html", _alert_context(request))


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
    try:
        if action == "ack":
            services.alert_acknowledge(
                staff=request.hemma.staff, unit=request.hemma.unit, alert=alert
            )
            messages.success(request, _("Larmet är kvitterat."))
        elif action == "resolve":
            form = forms.ResolveForm(request.POST)
            if not form.is_valid():
                raise HemmaError(_("Välj vilken åtgärd som gjorts."))
            services.alert_resolve(
                staff=request.hemma.staff, unit=request.hemma.unit, alert=alert, **form.cleaned_data
            )
            messages.success(request, _("Larmet är åtgärdat."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("monitoring:alerts")


@staff_required
@require_POST
def duty(request):
    try:
        services.duty_physician_set(staff=request.hemma.staff, unit=request.hemma.unit)
        messages.success(request, _("Du har jouren: eskalerade larm går till dig."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("monitoring:alerts")
