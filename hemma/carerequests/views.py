"""Care request pages: the unit's inbox (received and sent), writing a request, reading
and answering it, and the episode's logistics orders."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from hemma.accounts.models import Unit
from hemma.audit.models import AccessLogEntry
from hemma.careplans.selectors import agreement_for_episode
from hemma.errors import HemmaError
from hemma.patients.policy import allowed_actions, may_do
from hemma.patients.selectors import blocks_for_page, deny, object_or_deny
from hemma.web.actions import run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_form
from hemma.web.idempotency import AlreadySubmitted, already_saved, submit_once
from hemma.web.listing import ListFilter, filtered_page

from . import forms, selectors, services
from .models import LogisticsOrder

# The status filters, in the order of the page's tabs (the queries: selectors.INBOX_FILTERS).
# The empty list's text depends on the box: the template words it.
INBOX_FILTERS = (
    ListFilter("current", gettext_lazy("Aktuella")),
    ListFilter("unread", gettext_lazy("Olästa")),
    ListFilter("open", gettext_lazy("Öppna")),
    ListFilter("answered", gettext_lazy("Besvarade")),
    ListFilter("historic", gettext_lazy("Historik")),
)
INBOX_BOX_LABELS = {"received": gettext_lazy("Inkomna"), "sent": gettext_lazy("Skickade")}


@staff_required
def inbox(request):
    """One box (received; a ward also has its sent box, shown first) under one status
    filter, a page at a time, with the count of each filter. Unknown parameters fall back
    to the defaults."""
    staff, unit = request.hemma.staff, request.hemma.unit
    # A ward mostly sends requests (its sent box first); the municipality receives them.
    boxes = ("sent", "received") if unit.kind == Unit.Kind.WARD else ("received",)
    box = request.GET.get("box", "")
    box = box if box in boxes else boxes[0]
    listed = filtered_page(
        request,
        INBOX_FILTERS,
        lambda status: selectors.inbox_page_requests(staff, unit, box, status),
        counts=selectors.inbox_counts(staff, unit, box),
        patients_of=lambda care_request: care_request.episode.patient,
        log_detail="care request inbox",
    )
    return render(
        request,
        "carerequests/inbox.html",
        {
            "page": listed.page,
            "box": box,
            "boxes": [(name, INBOX_BOX_LABELS[name]) for name in boxes],
            "status": listed.status,
            "query": urlencode({"box": box, "status": listed.status}),  # kept by the pager
            "filters": listed.tabs,
            "sent": box == "sent",
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def new(request, episode_id):
    # Sending a care request is the owning ward's action (policy.EPISODE_ACTIONS): a
    # crafted POST from anyone else is refused and logged; others see no form.
    episode = selectors.get_episode_for_action(
        staff=request.hemma.staff,
        unit=request.hemma.unit,
        episode_id=episode_id,
        episode_action="send_care_request" if request.method == "POST" else None,
        action=AccessLogEntry.Action.EDIT_PATIENT
        if request.method == "POST"
        else AccessLogEntry.Action.VIEW_PATIENT,
        detail=f"care request form, episode {episode_id}",
    )
    may_send = may_do(
        staff=request.hemma.staff,
        unit=request.hemma.unit,
        action="send_care_request",
        episode=episode,
    )
    if request.method == "POST":
        form = forms.CareRequestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                care_request = services.care_request_send(
                    staff=request.hemma.staff,
                    unit=request.hemma.unit,
                    episode=episode,
                    kind=data["kind"],
                    to_unit=data["to_unit"],
                    reason=data["reason"],
                    start_at=data["start_at"],
                    interventions=data["interventions"],
                    medications=data["medications"],
                    ends_on=data.get("ends_on"),
                )
            except HemmaError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Vårdbegäran är skickad till %(unit)s.") % {"unit": care_request.to_unit},
                )
                return redirect("episodes:detail", episode_id=episode.pk)
    else:
        initial = {"start_at": timezone.localtime().replace(second=0, microsecond=0)}
        initial["to_unit"] = episode.home_health_unit_id or _home_health_of(episode.patient)
        if episode.flag_reason:
            initial["reason"] = episode.flag_reason
        agreement = agreement_for_episode(episode)
        if agreement:
            activities = agreement.versions.get(number=agreement.current_number).activities
            initial["interventions"] = "\n".join(
                f"{a['what']} – {a['when']}" for a in activities if "Hemsjukvård" in a["who"]
            )
        form = forms.CareRequestForm(initial=initial)
    return render(
        request,
        "carerequests/new.html",
        {
            "form": form if may_send else None,
            "episode": episode,
            "patient": episode.patient,
            "may_send": may_send,
        },
    )


def _home_health_of(patient) -> int | None:
    """The home health care unit of the patient's municipality, when there is only one."""
    units = list(
        Unit.objects.filter(
            organisation=patient.home_municipality_id, kind=Unit.Kind.HOME_HEALTH_CARE
        ).values_list("pk", flat=True)[:2]
    )
    return units[0] if len(units) == 1 else None


@staff_required
def detail(request, request_id):
    access = selectors.get_care_request_for_user(
        staff=request.hemma.staff, unit=request.hemma.unit, request_id=request_id
    )
    care_request = access.care_request
    if access.is_receiver:
        services.care_request_mark_read(
            staff=request.hemma.staff, unit=request.hemma.unit, care_request=care_request
        )
    # Blocking (spärr): the request – its text, the medication list and the agreement as
    # sent, the thread – is a disclosure to the addressee, shown to both sides whatever the
    # patient has blocked. The *current* medication list shown beside it is the shared
    # record (the ward's documentation): withheld when the patient blocked the ward.
    live_blocked = (
        access.shows_medications
        and care_request.episode.ward_id
        in blocks_for_page(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            patient=care_request.episode.patient,
            where=f"care request {care_request.pk}",
        ).hidden
    )
    return render(
        request,
        "carerequests/detail.html",
        {
            "care_request": care_request,
            "patient": care_request.episode.patient,
            "access": access,
            "allowed": access.allowed,
            # The medication list and the agreement are health record (HSL): a home-care
            # unit (SoL) reads only its own request.
            "show_medications": access.shows_medications,
            "medications": care_request.medications.all() if access.shows_medications else [],
            "live_medication_blocked": live_blocked,
            "thread": care_request.messages.select_related("by__user", "unit"),
            "version": care_request.agreement_version if access.health_record else None,
            **_forms(request, care_request),
        },
    )


# action → (context name, the id prefix of its field): the forms drawn again once, with
# their errors at the fields, after a failed submit.
RESTORED = {
    "ask": ("ask_form", "%s"),
    "decline": ("decline_form", "decline-%s"),
    "answer": ("answer_form", "%s"),
    "withdraw": ("withdraw_form", "withdraw-%s"),
}


def _forms(request, care_request) -> dict:
    return {
        name: retry_form(
            request,
            ACTIONS[action][0],
            action=reverse("carerequests:act", args=[care_request.pk, action]),
            auto_id=auto_id,
        )
        for action, (name, auto_id) in RESTORED.items()
    }


# action → (form, which side may do it, service call)
ACTIONS = {
    "accept": (
        forms.EmptyForm,
        lambda r, c, d: services.care_request_accept(
            staff=r.hemma.staff, unit=r.hemma.unit, care_request=c
        ),
        gettext_lazy("Vårdbegäran är accepterad."),
    ),
    "decline": (
        forms.ReasonForm,
        lambda r, c, d: services.care_request_decline(
            staff=r.hemma.staff, unit=r.hemma.unit, care_request=c, **d
        ),
        gettext_lazy("Vårdbegäran är avböjd."),
    ),
    "ask": (
        forms.QuestionForm,
        lambda r, c, d: services.care_request_ask(
            staff=r.hemma.staff, unit=r.hemma.unit, care_request=c, **d
        ),
        gettext_lazy("Frågan är skickad."),
    ),
    "answer": (
        forms.AnswerForm,
        lambda r, c, d: services.care_request_answer(
            staff=r.hemma.staff, unit=r.hemma.unit, care_request=c, **d
        ),
        gettext_lazy("Svaret är skickat."),
    ),
    "withdraw": (
        forms.ReasonForm,
        lambda r, c, d: services.care_request_withdraw(
            staff=r.hemma.staff, unit=r.hemma.unit, care_request=c, **d
        ),
        gettext_lazy("Vårdbegäran är återkallad."),
    ),
}


@staff_required
@require_POST
def act(request, request_id, action):
    if action not in ACTIONS:
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"care request id={request_id}: {action[:50]}",
            action=AccessLogEntry.Action.EDIT_PATIENT,
        )
    access = selectors.get_care_request_for_user(
        staff=request.hemma.staff,
        unit=request.hemma.unit,
        request_id=request_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
    )
    care_request = access.care_request
    if action not in access.allowed:
        # Answering is the receiver's, answering a question and withdrawing the sender's.
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"care request id={care_request.pk}: {action}",
            patient=care_request.episode.patient,
            action=AccessLogEntry.Action.EDIT_PATIENT,
        )
    form_class, perform, done = ACTIONS[action]
    form = form_class(request.POST)
    run_form_action(
        request,
        form,
        lambda data: perform(request, care_request, data),
        done,
        retry=action in RESTORED,
    )
    return redirect("carerequests:detail", request_id=care_request.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def logistics(request, episode_id):
    # The episode team reads and delivers; ordering is the owning ward's action.
    episode = selectors.get_episode_for_action(
        staff=request.hemma.staff,
        unit=request.hemma.unit,
        episode_id=episode_id,
        episode_action="order_logistics" if request.method == "POST" else None,
        action=AccessLogEntry.Action.EDIT_PATIENT
        if request.method == "POST"
        else AccessLogEntry.Action.VIEW_PATIENT,
        detail=f"logistics, episode {episode_id}",
    )
    form = forms.LogisticsForm(request.POST if request.method == "POST" else None, episode=episode)
    if request.method == "POST" and form.is_valid():
        try:
            with submit_once(request, result_url=request.path):  # a double click orders once
                services.logistics_order_add(
                    staff=request.hemma.staff,
                    unit=request.hemma.unit,
                    episode=episode,
                    **form.cleaned_data,
                )
        except AlreadySubmitted as repeat:
            return already_saved(request, repeat, request.path)
        except HemmaError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Beställningen är registrerad."))
            return redirect("carerequests:logistics", episode_id=episode.pk)
    orders = episode.logistics.select_related("responsible_unit", "ordered_by__user")
    return render(
        request,
        "carerequests/logistics.html",
        {
            "allowed": allowed_actions(
                staff=request.hemma.staff, unit=request.hemma.unit, episode=episode
            ),
            "episode": episode,
            "patient": episode.patient,
            "orders": orders,
            "transport": [order for order in orders if order.travels_with_patient],
            "form": form,
        },
    )


@staff_required
@require_POST
def logistics_advance(request, order_id):
    order = object_or_deny(request, LogisticsOrder.objects, order_id, what="logistics order")
    # The episode team delivers; the read goes through the policy and the log like any other.
    selectors.get_episode_for_action(
        staff=request.hemma.staff,
        unit=request.hemma.unit,
        episode_id=order.episode_id,
        episode_action="deliver_logistics",
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail=f"logistics order {order.pk}",
    )
    try:
        order = services.logistics_order_advance(
            staff=request.hemma.staff, unit=request.hemma.unit, order=order
        )
        messages.success(
            request,
            _("%(item)s: %(status)s.") % {"item": order.item, "status": order.get_status_display()},
        )
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("carerequests:logistics", episode_id=order.episode_id)
