"""Coordination pages: the discharge coordinator's worklist, the receiving units' inbox,
one page per case with its messages, receipts, deadlines and actions."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hemma.accounts.models import Unit
from hemma.audit.models import AccessLogEntry
from hemma.errors import HemmaError
from hemma.patients.policy import decide_unit_access
from hemma.patients.selectors import deny, get_patient_for_user
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required
from hemma.web.idempotency import AlreadySubmitted, already_saved, submit_once

from . import care_coordinator, directory, forms, meetings, screening, selectors, services
from .models import DirectoryEntry, MeetingItem, MessageReceipt, Task


def _task_patients(tasks) -> list:
    return [t.patient or t.episode.patient for t in tasks if t.patient_id or t.episode_id]


@staff_required
def worklist(request):
    """Only patients the unit may list (policy.patients_visible_to); each one shown is
    logged."""
    staff, unit = request.hemma.staff, request.hemma.unit
    now = timezone.now()
    tasks = list(meetings.tasks_for_unit(unit, staff)[:100])
    if unit.kind == Unit.Kind.WARD:
        cases = list(selectors.ward_cases(unit, staff))
        agreements = selectors.payment_agreements()
        rows = [(case, selectors.clock(case, now, agreements)) for case in cases]
        log_list(
            request, "coordination worklist", [c.patient for c in cases] + _task_patients(tasks)
        )
        return render(
            request,
            "coordination/ward.html",
            {"rows": rows, "now": now, "today": timezone.localdate(), "tasks": tasks},
        )
    cases = list(selectors.cases_for_unit(unit, staff))
    agreements = selectors.payment_agreements()
    receipts = list(selectors.inbox(unit, staff)[:100])
    coordinator_rows = (
        care_coordinator.worklist(unit, staff) if unit.kind == Unit.Kind.PRIMARY_CARE else None
    )
    shown = [c.patient for c in cases] + [r.message.case.patient for r in receipts]
    shown += [row.patient for row in coordinator_rows or []] + _task_patients(tasks)
    log_list(request, "coordination worklist", shown)
    return render(
        request,
        "coordination/inbox.html",
        {
            "receipts": receipts,
            "cases": [(case, selectors.clock(case, now, agreements)) for case in cases],
            "now": now,
            "tasks": tasks,
            "today": timezone.localdate(),
            "coordinator_rows": coordinator_rows,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def open_case(request, patient_id):
    patient = _health_record_patient(
        request, patient_id, AccessLogEntry.Action.VIEW_PATIENT, "admission notice form"
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
    unit = request.hemma.unit
    access = selectors.get_case_for_user(staff=request.hemma.staff, unit=unit, case_id=case_id)
    case = access.case
    services.receipt_read(staff=request.hemma.staff, unit=unit, case=case)
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
            # The SIP is not home care's (SoL): neither its meetings nor its plan.
            "sees_sip": access.sees_sip,
            "sip_meetings": case.sip_meetings.all() if access.sees_sip else [],
            "my_receipts": {
                r.message_id: r
                for r in MessageReceipt.objects.filter(message__case=case, unit=unit)
            },
            "allowed": access.allowed(request.hemma.staff),
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
        refused = (
            refused
            or not MessageReceipt.objects.filter(
                pk=_int_or_none(request.POST.get("receipt")), message__case=case, unit=unit
            ).exists()
        )
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
    run_form_action(request, form, lambda data: perform(request, case, data))
    return redirect("coordination:case", case_id=case.pk)


def _health_record_patient(request, patient_id, action, detail):
    """A patient whose health record the acting unit reads (HSL): admission notices and
    frailty screenings are health care, not home care's (SoL)."""
    staff, unit = request.hemma.staff, request.hemma.unit
    if unit.kind == Unit.Kind.HOME_CARE:
        deny(
            staff=staff, acting_unit=unit, what=f"{detail} {patient_id} (home care)", action=action
        )
    access = get_patient_for_user(
        staff=staff, acting_unit=unit, patient_id=patient_id, action=action, detail=detail
    )
    if not access.decision.health_record:
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"{detail} (home care)",
            patient=access.patient,
            action=action,
        )
    return access.patient


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@staff_required
@require_POST
def frailty(request, patient_id):
    patient = _health_record_patient(
        request, patient_id, AccessLogEntry.Action.EDIT_PATIENT, "frailty screening"
    )
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
            "meetings": meetings.meetings_for_unit(unit)[:50],
        },
    )


def _meeting_for(request, meeting_id, action=AccessLogEntry.Action.VIEW_PATIENT):
    """A participating unit's meeting; any other (or unknown) id is a 404 with a denied
    entry naming the meeting."""
    meeting = meetings.meeting_for_unit(request.hemma.staff, request.hemma.unit, meeting_id)
    if meeting is None:
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"coordination meeting id={meeting_id}",
            action=action,
        )
    return meeting


def _item_for(request, meeting):
    """An agenda row of a patient the unit may see now; otherwise a 404 and a denied entry."""
    staff, unit = request.hemma.staff, request.hemma.unit
    item_id = _int_or_none(request.POST.get("item"))
    item = MeetingItem.objects.select_related("patient").filter(pk=item_id, meeting=meeting).first()
    if item is None or not decide_unit_access(staff=staff, unit=unit, patient=item.patient).granted:
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"coordination meeting id={meeting.pk} item id={item_id}",
            patient=item.patient if item else None,
            action=AccessLogEntry.Action.EDIT_PATIENT,
        )
    return item


@staff_required
@require_GET
def meeting(request, meeting_id):
    meeting = _meeting_for(request, meeting_id)
    staff, unit = request.hemma.staff, request.hemma.unit
    # Only the agenda rows of patients the unit may list now; each one is logged.
    items = list(meetings.visible_items(meeting, staff, unit))
    log_list(request, f"coordination meeting {meeting.pk}", [item.patient for item in items])
    tasks = meetings.visible_tasks(
        Task.objects.filter(source=f"meeting:{meeting.pk}"), staff, unit
    ).select_related("owner_unit", "patient")
    task_form = forms.TaskForm(meeting=meeting)
    return render(
        request,
        "coordination/meeting.html",
        {
            "meeting": meeting,
            "items": items,
            "tasks": tasks,
            "task_form": task_form,
            # The owner units once, not one query (and a count) per agenda row.
            "owner_choices": list(task_form.fields["owner_unit"].choices),
        },
    )


@staff_required
@require_POST
def meeting_act(request, meeting_id, action):
    meeting = _meeting_for(request, meeting_id, AccessLogEntry.Action.EDIT_PATIENT)
    staff, unit = request.hemma.staff, request.hemma.unit
    try:
        if action == "note":
            item = _item_for(request, meeting)
            meetings.item_note(
                staff=staff, unit=unit, item=item, notes=request.POST.get("notes", "")
            )
        elif action == "task":
            form = forms.TaskForm(request.POST, meeting=meeting)
            if not form.is_valid():
                raise HemmaError(_("Kontrollera uppgiften: titel, ansvarig enhet och datum."))
            item = _item_for(request, meeting)
            done = reverse("coordination:meeting", args=[meeting.pk])
            with submit_once(request, result_url=done):  # a double click adds one task
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
            deny(
                staff=staff,
                acting_unit=unit,
                what=f"coordination meeting id={meeting.pk}: {action[:50]}",
                action=AccessLogEntry.Action.EDIT_PATIENT,
            )
        messages.success(request, _("Sparat."))
    except AlreadySubmitted as repeat:
        return already_saved(request, repeat, reverse("coordination:meeting", args=[meeting.pk]))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("coordination:meeting", meeting_id=meeting.pk)


@staff_required
@require_POST
def task_done(request, task_id):
    task = meetings.get_task_for_user(
        staff=request.hemma.staff, unit=request.hemma.unit, task_id=task_id
    )
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
    # The SIP plan and its print follow the case and the patient's record; not home care's.
    case = selectors.get_sip_case_for_user(
        staff=request.hemma.staff,
        unit=unit,
        case_id=case_id,
        action=AccessLogEntry.Action.EDIT_PATIENT
        if request.method == "POST"
        else AccessLogEntry.Action.VIEW_PATIENT,
    ).case
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
