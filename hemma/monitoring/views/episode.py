"""Staff: one episode's monitoring page (values, trends, alerts, plan, devices) and its
actions – record a reading, set a threshold, the SpO2 scale or the plan, issue a device
code (and draw it as a QR code), revoke a device."""

import uuid

import segno
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hemma.accounts.models import Unit
from hemma.errors import HemmaError
from hemma.patients.policy import allowed_actions
from hemma.patients.selectors import blocks_for_page, object_or_deny
from hemma.web.actions import run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_form

from .. import forms, selectors, services
from ..alert_sources import mark_hidden
from ..models import DeviceEnrolment, MonitoringPlan, ObservationSet, PersonalThreshold
from .policy import health_record_episode, labels, refused


@staff_required
def episode(request, episode_id):
    episode = health_record_episode(request, episode_id, f"monitoring of episode {episode_id}")
    observations = list(episode.observations.order_by("measured_at").prefetch_related("readings"))
    # Blocking (spärr): readings of a unit the patient has blocked from this care provider.
    blocks = blocks_for_page(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        patient=episode.patient,
        where=f"monitoring of episode {episode.pk}",
    )
    shown = selectors.without_blocked(observations, episode, blocks.hidden)
    blocked_ids = {o.pk for o in observations} - {o.pk for o in shown}
    observations = shown
    for observation in observations:
        # Readings whose device clock was wrong: their time was corrected, staff see it.
        observation.clock_minutes = [
            max(1, round(abs(r.clock_offset_seconds) / 60))
            for r in observation.readings.all()
            if r.clock_offset_seconds
        ]
    alerts = [
        alert
        for alert in episode.alerts.select_related(
            "acknowledged_by__user", "resolved_by__user", "observation"
        ).prefetch_related("events__to_staff__user")
        if alert.observation_id not in blocked_ids
    ]
    # A concern raised at a blocked unit's visit stays listed, its words withheld.
    mark_hidden(alerts, blocks.hidden)
    # Red points in the trends: the sets whose values alerted (not the patient's concern).
    alert_ids = {a.observation_id for a in alerts if a.observation_id and a.kind == a.Kind.VITALS}
    allowed = allowed_actions(staff=request.hemma.staff, unit=request.hemma.unit, episode=episode)
    plan = MonitoringPlan.objects.filter(episode=episode).first()
    return render(
        request,
        "monitoring/episode.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "latest": observations[-1] if observations else None,
            "recent": list(reversed(observations))[:20],
            "trends": selectors.trends(observations, alert_ids, labels()),
            "alerts": alerts,
            "blocked": bool(blocked_ids),
            "thresholds": PersonalThreshold.objects.filter(
                patient=episode.patient, ended_at__isnull=True
            ).select_related("set_by__user"),
            "scale": services.spo2_scale_of(episode.patient),
            "plan": plan,
            "devices": episode.devices.all(),
            "allowed": allowed,
            # A form whose submit failed comes back once, its errors at the fields.
            "observation_form": _form(
                request, episode, "record", initial={"client_id": uuid.uuid4()}
            ),
            "threshold_form": _form(request, episode, "threshold"),
            "scale_form": _form(request, episode, "scale"),
            "plan_form": _form(
                request,
                episode,
                "plan",
                initial={"interval_hours": plan.interval_hours if plan else 8},
            ),
            "resolve_form": forms.ResolveForm(),
            "new_code": request.session.pop("device_code", None),
        },
    )


def _form(request, episode, action, initial=None):
    action_url = reverse("monitoring:act", args=[episode.pk, action])
    return retry_form(request, ACTIONS[action][0], action=action_url, initial=initial)


def _source_for(unit: Unit) -> str:
    if unit.kind in Unit.VISITING_KINDS:  # measured at the visit
        return ObservationSet.Source.HOME_HEALTH
    return ObservationSet.Source.WARD


def _record(request, episode, form):
    services.observation_record(
        episode=episode,
        values=form.values(),
        source=_source_for(request.hemma.unit),
        method=ObservationSet.Method.MANUAL,
        recorded_by=request.hemma.staff,
        unit=request.hemma.unit,
        client_id=form.cleaned_data["client_id"],
        note=form.cleaned_data["note"],
    )


def _issue_code(request, episode, form):
    code = services.enrolment_issue(
        staff=request.hemma.staff, unit=request.hemma.unit, episode=episode
    )
    request.session["device_code"] = code


# form, what it does, the policy's name for it
ACTIONS = {
    "record": (forms.ObservationForm, _record, "record_reading"),
    "threshold": (
        forms.ThresholdForm,
        lambda r, e, f: services.threshold_set(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **f.cleaned_data
        ),
        "set_monitoring_plan",
    ),
    "scale": (
        forms.ScaleForm,
        lambda r, e, f: services.spo2_scale_set(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **f.cleaned_data
        ),
        "set_monitoring_plan",
    ),
    "plan": (
        forms.PlanForm,
        lambda r, e, f: services.monitoring_plan_set(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **f.cleaned_data
        ),
        "set_monitoring_plan",
    ),
    "issue_code": (forms.forms.Form, _issue_code, "enrol_device"),
}


@staff_required
@require_POST
def act(request, episode_id, action):
    if action not in ACTIONS:
        raise Http404("No such action")
    what = f"monitoring {action}, episode {episode_id}"
    episode = health_record_episode(request, episode_id, what)
    form_class, perform, policy_action = ACTIONS[action]
    if (refusal := refused(request, episode, policy_action, what)) is not None:
        return refusal
    form = form_class(request.POST)
    run_form_action(request, form, lambda _data: perform(request, episode, form), retry=True)
    return redirect("monitoring:episode", episode_id=episode.pk)


@staff_required
@require_POST
def device_revoke(request, device_id):
    device = object_or_deny(request, DeviceEnrolment.objects, device_id, what="device")
    what = f"device {device.pk} revoke, episode {device.episode_id}"
    episode = health_record_episode(request, device.episode_id, what)
    if (refusal := refused(request, episode, "enrol_device", what)) is not None:
        return refusal
    try:
        services.enrolment_revoke(
            staff=request.hemma.staff, unit=request.hemma.unit, enrolment=device
        )
        messages.success(request, _("Enheten är bortkopplad."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("monitoring:episode", episode_id=device.episode_id)


@staff_required
@require_GET
def device_qr(request, episode_id):
    """The enrolment link as a QR code (segno, SVG) for the code just issued."""
    # Draws the code given in the URL: nothing to refuse beyond reading the episode.
    health_record_episode(request, episode_id, f"device code QR, episode {episode_id}")
    code = "".join(c for c in request.GET.get("code", "")[:20] if c in services.CODE_ALPHABET)
    url = request.build_absolute_uri(reverse("monitoring:patient_start") + f"?code={code}")
    svg = segno.make(url, error="m").svg_inline(scale=4, title=_("Kod för patientens surfplatta"))
    # segno draws the modules itself; the only text in the SVG is our own title.
    svg = mark_safe(svg)  # noqa: S308
    return render(request, "monitoring/qr.html", {"svg": svg, "code": code, "url": url})
