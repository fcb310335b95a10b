"""Discharge cases (lag 2017:612): the ward's worklist or the receiving unit's inbox, the
admission notice, one page per case with its messages, receipts and deadlines, and the
case's actions."""

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
from hemma.clinical.identifiers import row_id
from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import HemmaError
from hemma.patients.selectors import deny
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_form
from hemma.web.listing import ListFilter, filtered_page, page_of

from .. import care_coordinator, episode_case, forms, selectors, services, task_list


def _task_patient(task):
    return task.patient or task.episode.patient if task.patient_id or task.episode_id else None


# The inbox's status filters, in the order of the page's tabs (the queries:
# selectors.inbox_filters).
INBOX_FILTERS = (
    ListFilter("current", gettext_lazy("Aktuella"), gettext_lazy("Inga aktuella meddelanden.")),
    ListFilter("unread", gettext_lazy("Olästa"), gettext_lazy("Inga olästa meddelanden.")),
    ListFilter("open", gettext_lazy("Okvitterade"), gettext_lazy("Inga meddelanden att kvittera.")),
    ListFilter(
        "historic", gettext_lazy("Historik"), gettext_lazy("Inga meddelanden i historiken.")
    ),
)


def _tasks(request, staff, unit, today) -> tuple[dict, list]:
    """The unit's tasks under one filter (`task_status`), a page at a time (`task_page`),
    with the counts of what needs action, and the shown tasks' patients (the worklist logs
    them with its other lists). Unknown parameters fall back to the defaults (the open
    tasks, the first or the last page)."""
    tasks = filtered_page(
        request,
        task_list.TASK_FILTERS,
        lambda status: task_list.task_page_tasks(unit, staff, status, today),
        counts=task_list.task_counts(unit, staff, today),
        patients_of=_task_patient,
        log_detail=None,
        param="task_status",
        page_param="task_page",
    )
    # The task list's state, kept by the other lists' pagers when it is not the default.
    state = {"task_status": tasks.status} if tasks.status != "open" else {}
    if tasks.page.number != 1:
        state["task_page"] = tasks.page.number
    context = {
        "tasks": tasks.page,
        "task_status": tasks.status,
        "task_filters": tasks.tabs,
        "tasks_empty": tasks.empty,
        "task_state": state,
    }
    return context, tasks.patients


def _inbox(request, staff, unit, task_state=None) -> tuple[dict, list]:
    """The unit's messages under one status filter, a page at a time, with the count of
    each filter, and its open cases a page at a time (`case_page`). Unknown parameters fall
    back to the defaults (the current filter, the first or the last page). `task_state`:
    the task list's parameters the pagers keep. The worklist logs the shown messages'
    patients (returned with the context) with its other lists."""
    task_state = task_state or {}
    receipts = filtered_page(
        request,
        INBOX_FILTERS,
        lambda status: selectors.inbox_page_receipts(staff, unit, status),
        counts=selectors.inbox_counts(staff, unit),
        patients_of=lambda receipt: receipt.message.case.patient,
        log_detail=None,
    )
    status = receipts.status
    cases_query = selectors.ward_cases if unit.kind == Unit.Kind.WARD else selectors.cases_for_unit
    cases = page_of(request, cases_query(unit, staff), param="case_page")
    now = timezone.now()
    agreements = selectors.payment_agreements()
    context = {
        "receipts": receipts.page,
        "status": status,
        "filters": receipts.tabs,
        "empty": receipts.empty,
        "receipts_query": urlencode({"status": status, "case_page": cases.number} | task_state),
        "cases_page": cases,
        "cases_query": urlencode({"status": status, "page": receipts.page.number} | task_state),
        "cases": [(case, selectors.clock(case, now, agreements)) for case in cases],
        "now": now,
        "today": timezone.localdate(),
    }
    return context, receipts.patients


@staff_required
def worklist(request):
    """Only patients the unit may list (policy.patients_visible_to); each one shown is
    logged. The unit's messages (filtered and paged), open cases (paged), its tasks
    (filtered and paged), and the care coordinator's list for a primary care centre."""
    staff, unit = request.hemma.staff, request.hemma.unit
    tasks, task_patients = _tasks(request, staff, unit, timezone.localdate())
    context, receipt_patients = _inbox(request, staff, unit, tasks["task_state"])
    context |= tasks
    context["tasks_query"] = urlencode(
        {
            "status": context["status"],
            "page": context["receipts"].number,
            "case_page": context["cases_page"].number,
            "task_status": tasks["task_status"],
        }
    )
    # Each list shows only its page: those pages' patients are logged, in one entry set.
    shown = [case.patient for case, _clock in context["cases"]]
    shown += receipt_patients + task_patients
    if unit.kind == Unit.Kind.WARD:
        log_list(request, "coordination worklist", shown)
        return render(request, "coordination/ward.html", context)
    coordinator_rows = (
        care_coordinator.worklist(unit, staff) if unit.kind == Unit.Kind.PRIMARY_CARE else None
    )
    shown += [row.patient for row in coordinator_rows or []]
    log_list(request, "coordination worklist", shown)
    context["coordinator_rows"] = coordinator_rows
    return render(request, "coordination/inbox.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def open_case(request, patient_id):
    patient = selectors.get_health_record_patient_for_user(
        staff=request.hemma.staff,
        unit=request.hemma.unit,
        patient_id=patient_id,
        action=AccessLogEntry.Action.VIEW_PATIENT,
        detail="admission notice form",
    )
    form = forms.CaseOpenForm(
        request.POST if request.method == "POST" else None,
        initial={"admitted_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                staff=request.hemma.staff,
                unit=request.hemma.unit,
                patient=patient,
                admitted_at=data["admitted_at"],
                support_judged_at=data["support_judged_at"],
                estimated_discharge=data["estimated_discharge"],
                receivers=list(data["receivers"]),
                text=data["text"],
            )
        except HemmaError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Inskrivningsmeddelandet är skickat."))
            return redirect("coordination:case", case_id=case.pk)
    return render(request, "coordination/open.html", {"form": form, "patient": patient})


@staff_required
def case(request, case_id):
    staff, unit = request.hemma.staff, request.hemma.unit
    access = selectors.get_case_for_user(staff=staff, unit=unit, case_id=case_id)
    services.receipt_read(staff=staff, unit=unit, case=access.case)
    context = selectors.case_page(access, staff, unit)
    # A form whose submit failed comes back once, its errors at the fields.
    context.update(
        estimate_form=retry_form(
            request,
            forms.EstimateForm,
            action=_action_url(access.case, "estimate"),
            initial={
                "estimated_discharge": access.case.estimated_discharge,
                "base_version": access.case.version,
            },
        ),
        contact_form=retry_form(
            request, forms.FixedContactForm, action=_action_url(access.case, "contact"), unit=unit
        ),
        sip_form=retry_form(request, forms.SipForm, action=_action_url(access.case, "sip")),
        withdraw_form=retry_form(
            request,
            forms.ReasonForm,
            action=_action_url(access.case, "withdraw"),
            auto_id="withdraw_%s",
        ),
    )
    return render(request, "coordination/case.html", context)


def _action_url(case, action: str) -> str:
    return reverse("coordination:act", args=[case.pk, action])


# The case page's forms drawn again after a failed submit (the others are buttons or typed
# in the template; their errors are named in the message).
RESTORED = {"estimate", "contact", "sip", "withdraw"}


def _receipt_of(case, receipt_id):
    receipt = selectors.receipt_of_case(case, receipt_id)
    if receipt is None:
        raise HemmaError(_("Meddelandet finns inte."))
    return receipt


ACTIONS = {
    "estimate": (
        forms.EstimateForm,
        lambda r, c, d: services.case_update_estimate(
            staff=r.hemma.staff, unit=r.hemma.unit, case=c, **d
        ),
    ),
    "ready": (
        forms.EmptyForm,
        lambda r, c, d: services.case_mark_ready(staff=r.hemma.staff, unit=r.hemma.unit, case=c),
    ),
    "withdraw": (
        forms.ReasonForm,
        lambda r, c, d: services.case_withdraw_ready(
            staff=r.hemma.staff, unit=r.hemma.unit, case=c, **d
        ),
    ),
    "consent": (
        forms.EmptyForm,
        lambda r, c, d: services.sip_consent_record(staff=r.hemma.staff, unit=r.hemma.unit, case=c),
    ),
    "sip": (
        forms.SipForm,
        lambda r, c, d: services.sip_call(staff=r.hemma.staff, unit=r.hemma.unit, case=c, **d),
    ),
    "discharge": (
        forms.EmptyForm,
        lambda r, c, d: services.case_discharge(staff=r.hemma.staff, unit=r.hemma.unit, case=c),
    ),
    "acknowledge": (
        forms.ReceiptForm,
        lambda r, c, d: services.receipt_acknowledge(
            staff=r.hemma.staff,
            unit=r.hemma.unit,
            receipt=_receipt_of(c, d["receipt"]),
        ),
    ),
}


def _deny_case_action(request, case_id, action, patient=None):
    deny(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        what=f"discharge case id={case_id}: {action[:50]}",
        patient=patient,
        action=AccessLogEntry.Action.EDIT_PATIENT,
    )


@staff_required
@require_POST
def act(request, case_id, action):
    if action not in ACTIONS and action != "contact":
        _deny_case_action(request, case_id, action)
    unit = request.hemma.unit
    access = selectors.get_case_for_user(
        staff=request.hemma.staff,
        unit=unit,
        case_id=case_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
    )
    case = access.case
    refused = action not in access.allowed(request.hemma.staff)
    if action == "acknowledge":  # only the unit's own receipt
        receipt_id = row_id(request.POST.get("receipt"))
        refused = refused or selectors.receipt_of_case(case, receipt_id, unit=unit) is None
    if refused:
        _deny_case_action(request, case.pk, action, case.patient)
    if action == "contact":
        form = forms.FixedContactForm(request.POST, unit=unit)
        perform = lambda r, c, d: services.fixed_contact_appoint(  # noqa: E731
            staff=r.hemma.staff, unit=r.hemma.unit, case=c, **d
        )
    else:
        form_class, perform = ACTIONS[action]
        form = form_class(request.POST)
    run_form_action(
        request, form, lambda data: perform(request, case, data), retry=action in RESTORED
    )
    return redirect("coordination:case", case_id=case.pk)


@staff_required
@require_POST
def episode_notice(request, episode_id):
    """The episode page's notice (lag 2017:612), sent once as a message of the episode's
    case. The flow's policy first: a unit other than the owning ward (a nurse, for the
    ready notice) gets a 403 and a denied entry naming the episode, and nothing changes."""
    notice = request.POST.get("notice", "")
    staff, unit = request.hemma.staff, request.hemma.unit
    do = episode_case.NOTICE_ACTIONS.get(notice, "notice")
    episode = get_episode_for_user(
        staff=staff,
        acting_unit=unit,
        episode_id=episode_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail=f"episode {episode_id} {do}",
        do=do,
    ).episode
    form = forms.EpisodeNoticeForm(request.POST)
    run_form_action(
        request,
        form,
        lambda data: episode_case.episode_notice_send(
            staff=staff, unit=unit, episode=episode, **data
        ),
        done=_("Meddelandet är skickat i samordningsärendet."),
        retry=True,  # drawn again on the episode page (episodes/views.py)
    )
    return redirect("episodes:detail", episode_id=episode.pk)
