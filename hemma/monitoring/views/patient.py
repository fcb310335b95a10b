"""The patient's own pages on a tablet or phone, under /patient/ (device token in a
cookie, no staff account): claim the ward's one-time code, the own page (agreement,
latest values, the fixed care contact), and the JSON endpoints the page's queue uses to
send readings. Every read is logged under the ward that holds the episode."""

import json
from datetime import timedelta

from django.conf import settings
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.careplans.selectors import agreement_for_episode, current_version
from hemma.careplans.shipped import PLACEHOLDER_PHONES
from hemma.coordination.models import DischargeCase
from hemma.errors import Conflict, HemmaError, NotAllowed

from .. import forms, services
from ..models import Level, ObservationSet

DEVICE_COOKIE = "hemma_device"
RED_LEVELS = (Level.MEDIUM, Level.HIGH, Level.LOW_MEDIUM)


def _device(request):
    # The page's own cookie token only: a vendor's API token does not open these pages.
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
            "ward_phone": ward_phone(episode),
        },
    )


def _fixed_contact(patient):
    """The named fixed care contact (lag 2017:612), shown to the patient too."""

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
            # The number to call as a tap-to-call link (the page also shows it as one).
            "tel": f"tel:{ward_phone(device.episode).replace(' ', '').replace('-', '')}"
            if red
            else "",
            "clock_offset_seconds": offset,
        },
        status=201 if recorded.created else 200,
    )


def ward_phone(episode, version=None) -> str:
    """The number to call the ward on: the agreement's first contact (the ward's), unless
    it is still a shipped template's placeholder – then the ward's own (Unit.phone)."""
    if version is None:
        agreement = agreement_for_episode(episode)
        version = current_version(agreement) if agreement else None
    phone = version.contacts[0]["phone"] if version and version.contacts else ""
    if not phone or phone in PLACEHOLDER_PHONES:
        phone = episode.ward.phone or phone
    return phone


def _instruction(episode) -> str:
    """What the agreement says to do now: call the ward (its number), and when to call 112."""
    agreement = agreement_for_episode(episode)
    version = current_version(agreement) if agreement else None
    phone = ward_phone(episode, version)
    text = _("Ring avdelningen nu: %(phone)s.") % {"phone": phone}
    if version and version.call_112:
        text += " " + version.call_112
    return text
