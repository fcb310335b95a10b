"""Monitoring pages: the episode's values and trends, the ward's live alerts, the daily
digital round, and the patient's own page on a tablet or phone (device token, no account)."""

import json
import uuid
from datetime import date

import segno
from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hemma.accounts.models import Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.careplans.selectors import agreement_for_episode, current_version
from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import HemmaError
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required

from . import forms, selectors, services
from .models import (
    Alert,
    DeviceEnrolment,
    DutyPhysician,
    Level,
    MonitoringPlan,
    ObservationSet,
    PersonalThreshold,
)

DEVICE_COOKIE = "hemma_device"
RED_LEVELS = (Level.MEDIUM, Level.HIGH, Level.LOW_MEDIUM)


def labels() -> dict:
    return {name: services.parameter_label(name) for name in selectors.TREND_PARAMETERS}


# --- Staff: one episode -------------------------------------------------------------------


@staff_required
def episode(request, episode_id):
    episode = get_episode_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        episode_id=episode_id,
        detail=f"monitoring of episode {episode_id}",
    ).episode
    observations = list(episode.observations.order_by("measured_at"))
    alerts = list(episode.alerts.select_related("acknowledged_by__user", "resolved_by__user"))
    alert_ids = {a.observation_id for a in alerts if a.observation_id}
    is_physician = request.hemma.staff.profession == "physician"
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
            "thresholds": PersonalThreshold.objects.filter(
                patient=episode.patient, ended_at__isnull=True
            ).select_related("set_by__user"),
            "scale": services.spo2_scale_of(episode.patient),
            "plan": plan,
            "devices": episode.devices.all(),
            "is_physician": is_physician,
            "observation_form": forms.ObservationForm(initial={"client_id": uuid.uuid4()}),
            "threshold_form": forms.ThresholdForm(),
            "scale_form": forms.ScaleForm(),
            "plan_form": forms.PlanForm(
                initial={"interval_hours": plan.interval_hours if plan else 8}
            ),
            "resolve_form": forms.ResolveForm(),
            "new_code": request.session.pop("device_code", None),
        },
    )


def _source_for(unit: Unit) -> str:
    if unit.kind == Unit.Kind.HOME_HEALTH_CARE:
        return ObservationSet.Source.HOME_HEALTH
    return ObservationSet.Source.WARD


def _record(request, episode, form):
    services.observation_record(
        episode=episode,
        values=form.values(),
        source=_source_for(request.hemma.unit),
        method=ObservationSet.Method.MANUAL,
        recorded_by=request.hemma.staff,
        client_id=form.cleaned_data["client_id"],
        note=form.cleaned_data["note"],
    )


def _issue_code(request, episode, form):
    code = services.enrolment_issue(
        staff=request.hemma.staff, unit=request.hemma.unit, episode=episode
    )
    request.session["device_code"] = code


ACTIONS = {
    "record": (forms.ObservationForm, _record),
    "threshold": (
        forms.ThresholdForm,
        lambda r, e, f: services.threshold_set(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **f.cleaned_data
        ),
    ),
    "scale": (
        forms.ScaleForm,
        lambda r, e, f: services.spo2_scale_set(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **f.cleaned_data
        ),
    ),
    "plan": (
        forms.PlanForm,
        lambda r, e, f: services.monitoring_plan_set(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **f.cleaned_data
        ),
    ),
    "issue_code": (forms.forms.Form, _issue_code),
}


@staff_required
@require_POST
def act(request, episode_id, action):
    if action not in ACTIONS:
        raise Http404("No such action")
    episode = get_episode_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        episode_id=episode_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail=f"monitoring {action}, episode {episode_id}",
    ).episode
    form_class, perform = ACTIONS[action]
    form = form_class(request.POST)
    run_form_action(request, form, lambda _data: perform(request, episode, form))
    return redirect("monitoring:episode", episode_id=episode.pk)


@staff_required
@require_POST
def device_revoke(request, device_id):
    device = get_object_or_404(DeviceEnrolment, pk=device_id)
    get_episode_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        episode_id=device.episode_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
    )
    try:
        services.enrolment_revoke(
            staff=request.hemma.staff, unit=request.hemma.unit, enrolment=device
        )
        messages.success(request, _("Enheten är bortkopplad."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("monitoring:episode", episode_id=device.episode_id)


@staff_required
def device_qr(request, episode_id):
    """The enrolment link as a QR code (segno, SVG) for the code just issued."""
    get_episode_for_user(
        staff=request.hemma.staff, acting_unit=request.hemma.unit, episode_id=episode_id
    )
    code = "".join(c for c in request.GET.get("code", "")[:20] if c in services.CODE_ALPHABET)
    url = request.build_absolute_uri(reverse("monitoring:patient_start") + f"?code={code}")
    svg = segno.make(url, error="m").svg_inline(scale=4, title=_("Kod för patientens surfplatta"))
    # segno draws the modules itself; the only text in the SVG is our own title.
    svg = mark_safe(svg)  # noqa: S308
    return render(request, "monitoring/qr.html", {"svg": svg, "code": code, "url": url})


# --- Staff: the ward's alerts ----------------------------------------------------------


def _alert_context(request):
    unit = request.hemma.unit
    alerts = list(selectors.open_alerts_for_unit(unit)[:100])
    duty = DutyPhysician.objects.filter(ward=unit).select_related("staff__user").first()
    return {
        "alerts": alerts,
        "alert_ids": ",".join(str(a.pk) for a in alerts if a.status == Alert.Status.OPEN),
        "duty": duty,
        "resolve_form": forms.ResolveForm(),
        "is_physician": request.hemma.staff.profession == "physician",
        "is_ward": unit.kind == Unit.Kind.WARD,
    }


def _log_alert_list(request):
    log_list(request, "alert list")


@staff_required
def alerts(request):
    _log_alert_list(request)
    return render(request, "monitoring/alerts.html", _alert_context(request))


@staff_required
def alerts_panel(request):
    """The live part of the alert list, polled by htmx every 10 seconds."""
    _log_alert_list(request)
    return render(request, "monitoring/_alerts_panel.html", _alert_context(request))


@staff_required
@require_POST
def alert_act(request, alert_id, action):
    alert = get_object_or_404(Alert, pk=alert_id, unit=request.hemma.unit)
    get_episode_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        episode_id=alert.episode_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail=f"alert {alert.pk} {action}",
    )
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
        else:
            raise Http404("No such action")
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


# --- Staff: the daily digital round ----------------------------------------------------


@staff_required
def round_view(request):
    unit = request.hemma.unit
    day = parse_date(request.GET.get("day") or "") or timezone.localdate()
    if unit.kind != Unit.Kind.WARD:
        # Home health care reads the ward's protocol for its patients.
        return render(request, "monitoring/round_protocol.html", _protocol(unit, day))
    access_log_record(
        staff=request.hemma.staff,
        unit=unit,
        action=AccessLogEntry.Action.LIST_PATIENTS,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED,
        detail=f"digital round {day}",
    )
    return render(
        request,
        "monitoring/round.html",
        {
            "day": day,
            "rows": selectors.round_list(unit, day, labels()),
            "form": forms.RoundForm(),
            "previous": day.fromordinal(day.toordinal() - 1),
            "next": day.fromordinal(day.toordinal() + 1),
        },
    )


def _protocol(unit, day: date) -> dict:
    from .models import RoundEntry

    return {
        "day": day,
        "entries": RoundEntry.objects.filter(episode__home_health_unit=unit, day=day)
        .select_related("episode__patient", "ward", "recorded_by__user")
        .order_by("episode__patient__last_name"),
    }


@staff_required
@require_POST
def round_record(request, episode_id):
    episode = get_episode_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        episode_id=episode_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail=f"round entry, episode {episode_id}",
    ).episode
    day = parse_date(request.POST.get("day") or "") or timezone.localdate()
    form = forms.RoundForm(request.POST)
    back = reverse("monitoring:round") + f"?day={day.isoformat()}"
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("Kontrollera uppgifterna: %(errors)s") % {"errors": errors})
        return redirect(back)
    try:
        entry = services.round_record(
            staff=request.hemma.staff,
            unit=request.hemma.unit,
            episode=episode,
            day=day,
            decision=form.cleaned_data["decision"],
            participants=form.participant_list(),
            note=form.cleaned_data["note"],
            video_link=form.cleaned_data["video_link"],
        )
    except HemmaError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(
        request, _("Ronden är sparad för %(name)s.") % {"name": episode.patient.full_name}
    )
    # Decisions feed the flow: a revision opens the agreement, discharge the episode page.
    if entry.decision == entry.Decision.REVISE:
        return redirect("careplans:revise", episode_id=episode.pk)
    if entry.decision == entry.Decision.DISCHARGE:
        return redirect("episodes:detail", episode_id=episode.pk)
    return redirect(back)


# --- The patient's own page (device token, no staff account) -----------------------------


def _device(request):
    return services.device_for_token(request.COOKIES.get(DEVICE_COOKIE))


def _log_device_read(device, detail):
    access_log_record(
        staff=None,
        unit=None,
        patient=device.episode.patient,
        action=AccessLogEntry.Action.API_READ,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED,
        detail=f"patient device {device.pk}: {detail}",
    )


@require_http_methods(["GET", "POST"])
def patient_start(request):
    form = forms.CodeForm(
        request.POST if request.method == "POST" else None,
        initial={"code": request.GET.get("code", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            token = services.enrolment_claim(code=form.cleaned_data["code"])
        except HemmaError as error:
            form.add_error("code", error.message)
        else:
            response = redirect("monitoring:patient_home")
            response.set_cookie(
                DEVICE_COOKIE,
                token,
                max_age=60 * 60 * 24 * 90,
                httponly=True,
                samesite="Strict",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
    return render(request, "monitoring/patient_start.html", {"form": form})


def patient_home(request):
    device = _device(request)
    if device is None:
        return redirect("monitoring:patient_start")
    episode = device.episode
    _log_device_read(device, "own page")
    agreement = agreement_for_episode(episode)
    return render(
        request,
        "monitoring/patient_home.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "version": current_version(agreement) if agreement else None,
            "recent": episode.observations.all()[:10],
            "fixed_contact": _fixed_contact(episode.patient),
        },
    )


def _fixed_contact(patient):
    """The named fixed care contact (lag 2017:612), shown to the patient too."""
    from hemma.coordination.models import DischargeCase

    case = (
        DischargeCase.objects.filter(patient=patient, fixed_contact__isnull=False)
        .select_related("fixed_contact__user", "patient__listed_unit")
        .order_by("-admitted_at")
        .first()
    )
    return case.fixed_contact if case else None


def _json_error(message, status=400):
    return JsonResponse({"ok": False, "error": str(message)}, status=status)


@require_POST
def patient_submit(request):
    """One reading from the patient's page (JSON). Idempotent by its client id, so the
    page can retry after a dropped network without ever storing a reading twice."""
    device = _device(request)
    if device is None:
        return _json_error(_("Enheten är inte kopplad eller vårdtillfället är avslutat."), 401)
    try:
        data = json.loads(request.body or b"{}")
        if not isinstance(data, dict) or not isinstance(data.get("values"), dict):
            raise ValueError
    except ValueError:
        return _json_error(_("Felaktig begäran."))
    measured_at = parse_datetime(str(data.get("measured_at") or "")) or timezone.now()
    if timezone.is_naive(measured_at):
        measured_at = timezone.make_aware(measured_at)
    source = data.get("source") or ObservationSet.Source.PATIENT
    if source not in (ObservationSet.Source.PATIENT, ObservationSet.Source.NEXT_OF_KIN):
        return _json_error(_("Felaktig begäran."))
    values = {k: v for k, v in data["values"].items() if v not in (None, "")}
    try:
        recorded = services.observation_record(
            episode=device.episode,
            values=values,
            source=source,
            client_id=str(data.get("client_id") or ""),
            measured_at=measured_at,
            note=str(data.get("note") or "")[:2000],
            feeling=str(data.get("feeling") or "")[:20],
        )
    except HemmaError as error:
        return _json_error(error.message)
    observation = recorded.observation
    red = observation.news2_level in RED_LEVELS or bool(
        recorded.alert and recorded.alert.level == Level.PERSONAL
    )
    return JsonResponse(
        {
            "ok": True,
            "created": recorded.created,
            "id": observation.pk,
            "red": red,
            "instruction": _instruction(device.episode) if red else "",
        },
        status=201 if recorded.created else 200,
    )


def _instruction(episode) -> str:
    """What the agreement says to do now: call the ward (its number), and when to call 112."""
    agreement = agreement_for_episode(episode)
    version = current_version(agreement) if agreement else None
    phone = version.contacts[0]["phone"] if version and version.contacts else episode.ward.phone
    text = _("Ring avdelningen nu: %(phone)s.") % {"phone": phone}
    if version and version.call_112:
        text += " " + version.call_112
    return text
