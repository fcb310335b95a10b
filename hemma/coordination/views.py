"""Coordination pages: the discharge coordinator's worklist, the receiving units' inbox,
one page per case with its messages, receipts, deadlines and actions."""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hemma.accounts.models import Membership, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.errors import HemmaError
from hemma.patients.selectors import get_patient_for_user
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required

from . import care_coordinator, directory, forms, meetings, screening, selectors, services
from .models import CoordinationMeeting, DirectoryEntry, MeetingItem, MessageReceipt, Task


@staff_required
def worklist(request):
    unit = request.hemma.unit
    log_list(request, "coordination worklist")
    now = timezone.now()
    if unit.kind == Unit.Kind.WARD:
        cases = list(selectors.ward_cases(unit))
        agreements = selectors.payment_agreements()
        rows = [(case, selectors.clock(case, now, agreements)) for case in cases]
        return render(
            request,
            "coordination/ward.html",
            {
                "rows": rows,
                "now": now,
                "today": timezone.localdate(),
                "tasks": meetings.tasks_for_unit(unit)[:100],
            },
        )
    cases = list(selectors.cases_for_unit(unit))
    agreements = selectors.payment_agreements()
    coordinator_rows = (
        care_coordinator.worklist(unit) if unit.kind == Unit.Kind.PRIMARY_CARE else None
    )
    return render(
        request,
        "coordination/inbox.html",
        {
            "receipts": selectors.inbox(unit)[:100],
            "cases": [(case, selectors.clock(case, now, agreements)) for case in cases],
            "now": now,
            "tasks": meetings.tasks_for_unit(unit)[:100],
            "today": timezone.localdate(),
            "coordinator_rows": coordinator_rows,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def open_case(request, patient_id):
    patient = get_patient_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        patient_id=patient_id,
        detail="admission notice form",
    ).patient
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
    unit = request.hemma.unit
    case = selectors.get_case_for_user(staff=request.hemma.staff, unit=unit, case_id=case_id)
    services.receipt_read(staff=request.hemma.staff, unit=unit, case=case)
    membership = Membership.objects.filter(staff=request.hemma.staff, unit=unit).first()
    timeline = case.messages.select_related("sent_by__user", "from_unit").prefetch_related(
        "receipts__unit"
    )
    return render(
        request,
        "coordination/case.html",
        {
            "case": case,
            "patient": case.patient,
            "timeline": timeline,
            "clock": selectors.clock(case),
            "receivers": case.receivers.all(),
            "sip_meetings": case.sip_meetings.all(),
            "my_receipts": {
                r.message_id: r
                for r in MessageReceipt.objects.filter(message__case=case, unit=unit)
            },
            "is_ward": unit.pk == case.ward_id,
            "is_physician": request.hemma.staff.profession == "physician",
            "is_listed_manager": unit.pk == case.patient.listed_unit_id
            and membership is not None
            and membership.role == Membership.Role.MANAGER,
            "is_fixed_contact": case.fixed_contact_id == request.hemma.staff.pk,
            "estimate_form": forms.EstimateForm(
                initial={
                    "estimated_discharge": case.estimated_discharge,
                    "base_version": case.version,
                }
            ),
            "contact_form": forms.FixedContactForm(unit=unit),
            "sip_form": forms.SipForm(),
        },
    )


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


def _receipt_of(case, receipt_id):
    receipt = MessageReceipt.objects.filter(pk=receipt_id, message__case=case).first()
    if receipt is None:
        raise HemmaError(_("Meddelandet finns inte."))
    return receipt


@staff_required
@require_POST
def act(request, case_id, action):
    if action not in ACTIONS and action != "contact":
        raise Http404("No such action")
    unit = request.hemma.unit
    case = selectors.get_case_for_user(
        staff=request.hemma.staff,
        unit=unit,
        case_id=case_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
    )
    if action == "contact":
        form = forms.FixedContactForm(request.POST, unit=unit)
        perform = lambda r, c, d: services.fixed_contact_appoint(  # noqa: E731
            staff=r.hemma.staff, unit=r.hemma.unit, case=c, **d
        )
    else:
        form_class, perform = ACTIONS[action]
        form = form_class(request.POST)
    run_form_action(request, form, lambda data: perform(request, case, data))
    return redirect("coordination:case", case_id=case.pk)


@staff_required
@require_POST
def frailty(request, patient_id):
    patient = get_patient_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        patient_id=patient_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail="frailty screening",
    ).patient
    run_form_action(
        request,
        forms.FrailtyForm(request.POST),
        lambda data: screening.frailty_record(
            staff=request.hemma.staff, unit=request.hemma.unit, patient=patient, **data
        ),
        _("Skörhetsbedömningen är sparad."),
    )
    return redirect("patients:detail", patient_id=patient.pk)


# --- Weekly coordination meetings and tasks ------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def meetings_view(request):
    unit = request.hemma.unit
    form = forms.MeetingForm(request.POST if request.method == "POST" else None, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meetings.meeting_create(
                staff=request.hemma.staff,
                unit=unit,
                partner=form.cleaned_data["partner"],
                held_on=form.cleaned_data["held_on"],
                guests=list(form.cleaned_data["guests"]),
            )
        except HemmaError as error:
            form.add_error(None, error.message)
        else:
            return redirect("coordination:meeting", meeting_id=meeting.pk)
    return render(
        request,
        "coordination/meetings.html",
        {
            "form": form,
            "meetings": CoordinationMeeting.objects.filter(
                Q(primary_care=unit) | Q(home_health=unit) | Q(guests=unit)
            )
            .distinct()
            .select_related("primary_care", "home_health")[:50],
        },
    )


def _meeting_for(request, meeting_id):
    unit = request.hemma.unit
    meeting = (
        CoordinationMeeting.objects.filter(pk=meeting_id)
        .filter(Q(primary_care=unit) | Q(home_health=unit) | Q(guests=unit))
        .distinct()
        .select_related("primary_care", "home_health")
        .first()
    )
    if meeting is None:
        raise Http404("No meeting")
    return meeting


@staff_required
def meeting(request, meeting_id):
    meeting = _meeting_for(request, meeting_id)
    items = list(meeting.items.select_related("patient"))
    for item in items:  # each patient on the agenda is a logged read of shared data
        access_log_record(
            staff=request.hemma.staff,
            unit=request.hemma.unit,
            patient=item.patient,
            action=AccessLogEntry.Action.VIEW_PATIENT,
            purpose=AccessLogEntry.Purpose.CARE,
            outcome=AccessLogEntry.Outcome.GRANTED,
            detail=f"coordination meeting {meeting.pk}",
        )
    tasks = Task.objects.filter(source=f"meeting:{meeting.pk}").select_related(
        "owner_unit", "patient"
    )
    return render(
        request,
        "coordination/meeting.html",
        {
            "meeting": meeting,
            "items": items,
            "tasks": tasks,
            "task_form": forms.TaskForm(meeting=meeting),
        },
    )


@staff_required
@require_POST
def meeting_act(request, meeting_id, action):
    meeting = _meeting_for(request, meeting_id)
    staff, unit = request.hemma.staff, request.hemma.unit
    try:
        if action == "note":
            item = get_object_or_404(MeetingItem, pk=request.POST.get("item"), meeting=meeting)
            meetings.item_note(
                staff=staff, unit=unit, item=item, notes=request.POST.get("notes", "")
            )
        elif action == "task":
            form = forms.TaskForm(request.POST, meeting=meeting)
            if not form.is_valid():
                raise HemmaError(_("Kontrollera uppgiften: titel, ansvarig enhet och datum."))
            item = get_object_or_404(MeetingItem, pk=request.POST.get("item"), meeting=meeting)
            meetings.task_add(
                staff=staff,
                unit=unit,
                meeting=meeting,
                patient=item.patient,
                source=f"meeting:{meeting.pk}",
                **form.cleaned_data,
            )
        elif action == "close":
            meetings.meeting_close(
                staff=staff, unit=unit, meeting=meeting, minutes=request.POST.get("minutes", "")
            )
        else:
            raise Http404("No such action")
        messages.success(request, _("Sparat."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("coordination:meeting", meeting_id=meeting.pk)


@staff_required
@require_POST
def task_done(request, task_id):
    task = get_object_or_404(Task, pk=task_id, owner_unit=request.hemma.unit)
    try:
        meetings.task_done(staff=request.hemma.staff, unit=request.hemma.unit, task=task)
        messages.success(request, _("Uppgiften är klar."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("coordination:worklist")


# --- Doctor-to-doctor directory ------------------------------------------------------


@staff_required
def directory_list(request):
    query = request.GET.get("q", "")[:100]
    directory.record_use(staff=request.hemma.staff)
    return render(
        request,
        "coordination/directory.html",
        {
            "entries": directory.search(query)[:200],
            "query": query,
            "may_maintain": directory.may_maintain(request.hemma.staff, request.hemma.unit),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def directory_entry(request, entry_id):
    entry = get_object_or_404(DirectoryEntry.objects.select_related("unit"), pk=entry_id)
    form = forms.ContactForm(
        request.POST if request.method == "POST" else None,
        initial={"contacted_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            directory.contact_record(
                staff=request.hemma.staff, unit=request.hemma.unit, entry=entry, **form.cleaned_data
            )
            messages.success(request, _("Kontakten är registrerad. Tack!"))
            return redirect("coordination:directory_entry", entry_id=entry.pk)
        except HemmaError as error:
            form.add_error(None, error.message)
    if request.method == "GET":
        directory.record_use(staff=request.hemma.staff, entry=entry)
    return render(request, "coordination/directory_entry.html", {"entry": entry, "form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def directory_edit(request, entry_id=None):
    unit = request.hemma.unit
    entry = get_object_or_404(DirectoryEntry, pk=entry_id) if entry_id else None
    initial = {name: getattr(entry, name) for name in directory.FIELDS} if entry else {}
    form = forms.DirectoryEntryForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = directory.entry_save(
                staff=request.hemma.staff, unit=unit, entry=entry, **form.cleaned_data
            )
            messages.success(request, _("Posten är sparad."))
            return redirect("coordination:directory_entry", entry_id=entry.pk)
        except HemmaError as error:
            form.add_error(None, error.message)
    return render(request, "coordination/directory_edit.html", {"form": form, "entry": entry})


@staff_required
def directory_stats(request):
    today = timezone.localdate()
    form = forms.PeriodForm(
        request.GET or None, initial={"first": today.replace(day=1), "last": today}
    )
    first, last = today.replace(day=1), today
    if request.GET and form.is_valid():
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
    opens, views, rows = directory.statistics(first, last)
    return render(
        request,
        "coordination/directory_stats.html",
        {"form": form, "opens": opens, "views": views, "rows": rows, "first": first, "last": last},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def temporary_visit(request):
    form = forms.TemporaryVisitForm(
        request.POST if request.method == "POST" else None,
        initial={"visited_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            screening.temporary_visit_record(
                staff=request.hemma.staff, unit=request.hemma.unit, **form.cleaned_data
            )
            messages.success(request, _("Det tillfälliga besöket är registrerat."))
            return redirect("coordination:worklist")
        except HemmaError as error:
            form.add_error(None, error.message)
    return render(request, "coordination/temporary_visit.html", {"form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def sip_plan(request, case_id):
    unit = request.hemma.unit
    case = selectors.get_case_for_user(
        staff=request.hemma.staff,
        unit=unit,
        case_id=case_id,
        action=AccessLogEntry.Action.EDIT_PATIENT
        if request.method == "POST"
        else AccessLogEntry.Action.VIEW_PATIENT,
    )
    plans = list(case.sip_plans.select_related("created_by__user"))
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
        initial = {"base_number": latest.number if latest else 0}
        if latest:
            initial.update(
                needs=latest.needs,
                goals=latest.goals,
                actions="\n".join(
                    f"{a['who']} | {a['what']} | {a['when']}" for a in latest.actions
                ),
                follow_up_on=latest.follow_up_on,
                evaluation=latest.evaluation,
            )
        form = forms.SipPlanForm(initial=initial)
    template = (
        "coordination/sip_print.html" if request.GET.get("print") else "coordination/sip_plan.html"
    )
    return render(
        request,
        template,
        {"case": case, "patient": case.patient, "plans": plans, "latest": latest, "form": form},
    )
