"""Monitoring pages: the episode's values and trends, the ward's live alerts, the daily
digital round, and the patient's own page on a tablet or phone (device token, no account).

Every page and action goes through the access policy: one episode is read with
`get_episode_for_user` and needs the health record (home care gets a 404 and a denied
entry); an action needs `may_do` with its name in `policy.EPISODE_ACTIONS` (refused: a
denied entry, 403, nothing changed); lists show only `health_record_patients_visible_to`
and log one entry per patient shown."""

import json
import uuid
from datetime import timedelta

import segno
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hemma.accounts.models import Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.careplans.selectors import agreement_for_episode, current_version
from hemma.episodes.models import Episode
from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.policy import allowed_actions, require_action
from hemma.patients.selectors import object_or_deny
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

Action = AccessLogEntry.Action

DEVICE_COOKIE = "hemma_device"
RED_LEVELS = (Level.MEDIUM, Level.HIGH, Level.LOW_MEDIUM)


def _day(value: str | None):
    """The day asked for, or today (a malformed or impossible date is not a 500)."""
    try:
        return parse_date(value or "") or timezone.localdate()
    except ValueError:
        return timezone.localdate()


def labels() -> dict:
    return {name: services.parameter_label(name) for name in selectors.TREND_PARAMETERS}


# --- The policy, once for every view ---------------------------------------------------


def health_record_episode(request, episode_id, detail: str) -> Episode:
    """The episode, read through the access policy (logged), when the acting unit may read
    the health record: vitals and NEWS2 are not home care's (SoL) to read – refused with a
    denied entry and a 404 like any refusal."""
    staff, unit = request.hemma.staff, request.hemma.unit
    access = get_episode_for_user(
        staff=staff, acting_unit=unit, episode_id=episode_id, detail=detail, health_record=True
    )
    return access.episode


def refused(request, episode: Episode, action: str, what: str) -> HttpResponse | None:
    """None when the policy lets the acting unit do `action`; otherwise a denied entry
    naming the object, the reason as a message and 403 – nothing is changed."""
    staff, unit = request.hemma.staff, request.hemma.unit
    try:
        require_action(staff=staff, unit=unit, action=action, episode=episode)
    except NotAllowed as error:
        access_log_record(
            staff=staff,
            unit=unit,
            patient=episode.patient,
            action=Action.EDIT_PATIENT,
            purpose=AccessLogEntry.Purpose.CARE,
            outcome=AccessLogEntry.Outcome.DENIED,
            detail=f"{what}: {action} refused",
        )
        messages.error(request, error.message)
        return render(request, "web/error.html", {"status": 403}, status=403)
    return None


# --- Staff: one episode -------------------------------------------------------------------


@staff_required
def episode(request, episode_id):
    episode = health_record_episode(request, episode_id, f"monitoring of episode {episode_id}")
    observations = list(episode.observations.order_by("measured_at").prefetch_related("readings"))
    for observation in observations:
        # Readings whose device clock was wrong: their time was corrected, staff see it.
        observation.clock_minutes = [
            max(1, round(abs(r.clock_offset_seconds) / 60))
            for r in observation.readings.all()
            if r.clock_offset_seconds
        ]
    alerts = list(episode.alerts.select_related("acknowledged_by__user", "resolved_by__user"))
    alert_ids = {a.observation_id for a in alerts if a.observation_id}
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
            "thresholds": PersonalThreshold.objects.filter(
                patient=episode.patient, ended_at__isnull=True
            ).select_related("set_by__user"),
            "scale": services.spo2_scale_of(episode.patient),
            "plan": plan,
            "devices": episode.devices.all(),
            "allowed": allowed,
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
    run_form_action(request, form, lambda _data: perform(request, episode, form))
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


# --- Staff: the ward's alerts ----------------------------------------------------------


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


# --- Staff: the daily digital round ----------------------------------------------------


@staff_required
def round_view(request):
    staff, unit = request.hemma.staff, request.hemma.unit
    day = _day(request.GET.get("day"))
    if unit.kind != Unit.Kind.WARD:
        # Home health care reads the ward's protocol for the patients it visits.
        entries = selectors.round_protocol(staff, unit, day)
        log_list(request, f"round protocol {day}", [e.episode.patient for e in entries])
        return render(request, "monitoring/round_protocol.html", {"day": day, "entries": entries})
    rows = selectors.round_list(staff, unit, day, labels())
    for row in rows:
        allowed = allowed_actions(staff=staff, unit=unit, episode=row["episode"])
        entry = row["entry"]
        row["allowed"] = allowed
        # A physician's decision is changed only by whoever may decide it.
        row["may_record"] = "round" in allowed and (
            entry is None or services.round_action(entry.decision) in allowed
        )
    log_list(request, f"digital round {day}", [row["episode"].patient for row in rows])
    return render(
        request,
        "monitoring/round.html",
        {
            "day": day,
            "rows": rows,
            "form": forms.RoundForm(),
            "previous": day.fromordinal(day.toordinal() - 1),
            "next": day.fromordinal(day.toordinal() + 1),
        },
    )


@staff_required
@require_POST
def round_record(request, episode_id):
    day = _day(request.POST.get("day"))
    what = f"round {day}, episode {episode_id}"
    episode = health_record_episode(request, episode_id, what)
    action = services.round_action(request.POST.get("decision", ""))
    if (refusal := refused(request, episode, "round", what)) is not None:
        return refusal
    if (refusal := refused(request, episode, action, what)) is not None:
        return refusal
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
    """The patient's own device reads the record of its episode: logged under the ward
    that holds the episode (and enrolled the device), so the ward's log review sees it."""
    access_log_record(
        staff=None,
        unit=device.episode.ward,
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


def _json_error(message, status=400, reason="malformed", retry=False):
    """A refusal the page can act on without reading the text: `retry` false means this
    reading will never be stored as it is (the page moves it to its visible "not saved"
    list with `error`); true means keep it and try again. `reason`: "malformed" (400),
    "values" (422, the reading's values or time), "conflict" (409, its id was stored with
    other values), "episode" (409, the episode takes no readings), "device" (401)."""
    return JsonResponse(
        {"ok": False, "error": str(message), "reason": reason, "retry": retry}, status=status
    )


def _moment(value):
    """An ISO 8601 moment from the device (aware), or None when it cannot be read: an
    impossible date (month 13, offset +99:00) is the device's error, never a 500."""
    try:
        moment = parse_datetime(str(value))
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment
    except (ValueError, OverflowError):
        return None


def _clock_offset(sent_at) -> int | None:
    """How far the device's clock is off (server minus device, whole seconds) when that is
    more than HEMMA_CLOCK_SKEW_SECONDS; None when it is right."""
    offset = round((timezone.now() - sent_at).total_seconds())
    return offset if abs(offset) > settings.HEMMA_CLOCK_SKEW_SECONDS else None


@require_GET
@never_cache
def patient_csrf(request):
    """A fresh CSRF token for the enrolled device's page: its token goes stale when the
    CSRF cookie is rotated or cleared, and a queued reading must still reach the server."""
    if _device(request) is None:
        return _json_error(
            _("Enheten är inte kopplad eller vårdtillfället är avslutat."), 401, "device", True
        )
    return JsonResponse({"csrf": get_token(request)})


@require_POST
def patient_submit(request):
    """One reading from the patient's page (JSON). Idempotent by its client id, so the
    page can retry after a dropped network without ever storing a reading twice.

    The page sends `measured_at` and `sent_at`, both by the device's clock: when that
    clock is off by more than HEMMA_CLOCK_SKEW_SECONDS, the measuring time is corrected by
    the offset and the reading is flagged with it (`clock_offset_seconds`). Every refusal
    says whether to retry (see `_json_error`)."""
    device = _device(request)
    if device is None:
        # The reading is fine: the page keeps it until the device is enrolled again.
        return _json_error(
            _("Enheten är inte kopplad eller vårdtillfället är avslutat."), 401, "device", True
        )
    try:
        data = json.loads(request.body or b"{}")
        if not isinstance(data, dict) or not isinstance(data.get("values"), dict):
            raise ValueError
    except (ValueError, RecursionError):
        return _json_error(_("Felaktig begäran."))
    measured_at, offset = timezone.now(), None
    if data.get("measured_at"):
        measured_at = _moment(data["measured_at"])
        if measured_at is None:
            return _json_error(_("Mättiden är ogiltig."))
        if data.get("sent_at"):
            sent_at = _moment(data["sent_at"])
            if sent_at is None:
                return _json_error(_("Sändtiden är ogiltig."))
            offset = _clock_offset(sent_at)
            if offset is not None:
                try:
                    measured_at += timedelta(seconds=offset)
                except OverflowError:
                    return _json_error(_("Mättiden är ogiltig."))
    source = data.get("source") or ObservationSet.Source.PATIENT
    if source not in (ObservationSet.Source.PATIENT, ObservationSet.Source.NEXT_OF_KIN):
        return _json_error(_("Felaktig begäran."))
    client_id = str(data.get("client_id") or "").strip()
    if not services.client_id_valid(client_id):
        return _json_error(_("Mätningen saknar ett giltigt id."))
    values = {k: v for k, v in data["values"].items() if v not in (None, "")}
    try:
        recorded = services.observation_record(
            episode=device.episode,
            values=values,
            source=source,
            client_id=client_id,
            measured_at=measured_at,
            note=str(data.get("note") or "")[:2000],
            feeling=str(data.get("feeling") or "")[:20],
            clock_offset_seconds=offset,
        )
    except NotAllowed as error:  # the episode takes no readings now (not at home)
        return _json_error(error.message, 409, "episode")
    except Conflict as error:  # other values under a stored client id
        return _json_error(error.message, 409, "conflict")
    except HemmaError as error:  # the values, the text or the (corrected) time
        return _json_error(error.message, 422, "values")
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
            "clock_offset_seconds": offset,
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
