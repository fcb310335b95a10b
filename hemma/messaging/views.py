"""Secure messages. Staff: the ward's inbox, one episode's thread with the reply form
(message_patient), and the ward's response-time figures. The patient's tablet (the device
cookie of /patient/, no staff account): its thread and the send form. Every thread shown
is access-logged: staff through `get_episode_for_user`, the tablet under the ward."""

import uuid
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hemma.accounts.models import Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import Conflict, HemmaError
from hemma.monitoring.services import device_for_token
from hemma.monitoring.views.patient import DEVICE_COOKIE, ward_phone
from hemma.patients.policy import may_do
from hemma.patients.selectors import blocks_for_page
from hemma.web.decorators import staff_required
from hemma.web.idempotency import AlreadySubmitted, already_saved, submit_once
from hemma.web.listing import ListFilter, filtered_page

from . import figures, selectors, services
from .forms import MessageForm, PatientMessageForm
from .video import video_url

PERIODS = (7, 30, 90)  # days back from now on the figures page

# --- staff ------------------------------------------------------------------------------


# The inbox's filters, in the order of the page's tabs (the queries: selectors.inbox).
INBOX_FILTERS = (
    ListFilter(
        "current", gettext_lazy("Aktuella"), gettext_lazy("Inga meddelanden från patienter.")
    ),
    ListFilter("unread", gettext_lazy("Olästa"), gettext_lazy("Inga olästa meddelanden.")),
    ListFilter(
        "historic", gettext_lazy("Historik"), gettext_lazy("Inga meddelanden i historiken.")
    ),
)


@staff_required
@require_GET
def inbox(request):
    """The ward's threads under one filter, unread first, a page at a time, with the count
    of each filter (other units have no inbox: they read a thread from the episode page).
    Unknown parameters fall back to the defaults (current, the first or the last page)."""
    staff, unit = request.hemma.staff, request.hemma.unit
    listed = filtered_page(
        request,
        INBOX_FILTERS,
        lambda status: selectors.inbox(staff, unit, status),
        counts=selectors.inbox_counts(staff, unit),
        patients_of=lambda episode: episode.patient,
        log_detail="patient messages",
    )
    return render(
        request,
        "messaging/inbox.html",
        {
            "threads": listed.page.object_list,
            "page": listed.page,
            "status": listed.status,
            "query": urlencode({"status": listed.status}),
            "filters": listed.tabs,
            "empty": listed.empty,
            "is_ward": unit.kind == Unit.Kind.WARD,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def thread(request, episode_id):
    staff, unit = request.hemma.staff, request.hemma.unit
    posting = request.method == "POST"
    episode = get_episode_for_user(
        staff=staff,
        acting_unit=unit,
        episode_id=episode_id,
        detail=f"messages of episode {episode_id}" + (" (reply)" if posting else ""),
        health_record=True,
        do="message_patient" if posting else "",
    ).episode
    may_write = episode.is_open and may_do(
        staff=staff, unit=unit, action="message_patient", episode=episode
    )
    form = MessageForm(request.POST if posting else None) if may_write else None
    status = 200
    if posting and form is None:  # the policy allows it, but the episode has ended
        closed = _("Vårdtillfället är avslutat.")
        messages.error(request, closed)
        # The typed text stays on the page (to copy elsewhere), the reason as the form's own
        # error; the page offers no "Skicka" for it.
        form = MessageForm(request.POST)
        form.is_valid()
        form.add_error(None, closed)
        status = 409
    if posting and may_write and form.is_valid():
        url = request.path
        try:
            with submit_once(request, result_url=url):
                services.message_to_patient(
                    staff=staff, unit=unit, episode=episode, text=form.cleaned_data["text"]
                )
        except AlreadySubmitted as repeat:
            return already_saved(request, repeat, url)
        except HemmaError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Meddelandet är skickat till patienten."))
            return redirect("messaging:thread", episode_id=episode.pk)
    # The thread is the ward's documentation: a block (spärr) of the ward hides it from
    # other care providers.
    blocks = blocks_for_page(
        staff=staff,
        acting_unit=unit,
        patient=episode.patient,
        where=f"messages of episode {episode.pk}",
    )
    blocked = episode.ward_id in blocks.hidden
    shown = [] if blocked else selectors.thread(episode)  # read first: the new ones stand out
    if not blocked:
        # Opening the thread as the ward is the read receipt (services decide who counts).
        services.messages_read_by_ward(staff=staff, unit=unit, episode=episode)
    return render(
        request,
        "messaging/thread.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "thread": shown,
            "blocked": blocked,
            "form": form,
            "may_write": may_write,
            "video_url": video_url(episode.ward),
        },
        status=400 if status == 200 and posting and form is not None and form.errors else status,
    )


@staff_required
@require_GET
def response_times(request):
    """The ward's response times to patient messages for the last 7, 30 and 90 days:
    aggregates only, none shown below HEMMA_SMALL_NUMBER_THRESHOLD messages."""
    unit = request.hemma.unit
    rows = []
    threshold = settings.HEMMA_SMALL_NUMBER_THRESHOLD
    if unit.kind == Unit.Kind.WARD:
        now = timezone.now()
        for days in PERIODS:
            result = selectors.response_figures(unit, now - timedelta(days=days), now)
            rows.append(
                {
                    "days": days,
                    "figures": result,
                    "shown": figures.shown(result, threshold),
                }
            )
    return render(
        request,
        "messaging/response_times.html",
        {"rows": rows, "is_ward": unit.kind == Unit.Kind.WARD, "threshold": threshold},
    )


# --- the patient's tablet ---------------------------------------------------------------


def _device(request):
    return device_for_token(request.COOKIES.get(DEVICE_COOKIE))


def _log_device_read(device, detail: str) -> None:
    """Logged under the ward that holds the episode, like the tablet's own page."""
    access_log_record(
        staff=None,
        unit=device.episode.ward,
        patient=device.episode.patient,
        action=AccessLogEntry.Action.API_READ,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED,
        detail=f"patient device {device.pk}: {detail}",
    )


def _patient_page(request, device, form, status=200):
    episode = device.episode
    _log_device_read(device, "messages")
    thread = selectors.thread(episode)
    services.messages_read_by_patient(device=device)
    return render(
        request,
        "messaging/patient.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "thread": thread,
            "form": form,
            "ward_phone": ward_phone(episode),
            "video_url": video_url(episode.ward),
        },
        status=status,
    )


def _fresh_form():
    return PatientMessageForm(initial={"client_id": uuid.uuid4().hex})


@require_GET
def patient_thread(request):
    """The tablet: the thread with the ward, newest last, and the send form."""
    device = _device(request)
    if device is None:
        return redirect("monitoring:patient_start")
    return _patient_page(request, device, _fresh_form())


@require_POST
def patient_send(request):
    """The tablet sends one message; a resend with the same client id stores it once."""
    device = _device(request)
    if device is None:
        return redirect("monitoring:patient_start")
    form = PatientMessageForm(request.POST)
    if not form.is_valid():
        if "client_id" in form.errors:  # the page shows the error with an id that works
            form.data = form.data.copy()
            form.data["client_id"] = uuid.uuid4().hex
        return _patient_page(request, device, form, status=400)
    try:
        _message, created = services.message_from_patient(
            device=device,
            text=form.cleaned_data["text"],
            client_id=form.cleaned_data["client_id"],
        )
    except Conflict as error:
        form.add_error(None, error.message)
        return _patient_page(request, device, form, status=409)
    except HemmaError as error:  # the episode ended
        form.add_error(None, error.message)
        return _patient_page(request, device, form, status=409)
    messages.success(
        request,
        _("Tack! Meddelandet är skickat till avdelningen.")
        if created
        else _("Meddelandet var redan skickat."),
    )
    return redirect("messaging:patient_thread")
