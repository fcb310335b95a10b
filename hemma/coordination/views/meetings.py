"""The weekly coordination meeting of a primary care centre and home health care (with
guests), its agenda of shared patients, and the shared task list."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hemma.audit.models import AccessLogEntry
from hemma.errors import HemmaError
from hemma.patients.selectors import deny
from hemma.web.actions import log_list
from hemma.web.decorators import staff_required
from hemma.web.idempotency import AlreadySubmitted, already_saved, submit_once

from .. import forms, meetings


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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


@staff_required
@require_GET
def meeting(request, meeting_id):
    staff, unit = request.hemma.staff, request.hemma.unit
    meeting = meetings.get_meeting_for_user(staff=staff, unit=unit, meeting_id=meeting_id)
    # Only the agenda rows of patients the unit may list now; each one is logged.
    items = list(meetings.visible_items(meeting, staff, unit))
    log_list(request, f"coordination meeting {meeting.pk}", [item.patient for item in items])
    task_form = forms.TaskForm(meeting=meeting)
    return render(
        request,
        "coordination/meeting.html",
        {
            "meeting": meeting,
            "items": items,
            "tasks": meetings.meeting_tasks(meeting, staff, unit),
            "task_form": task_form,
            # The owner units once, not one query (and a count) per agenda row.
            "owner_choices": list(task_form.fields["owner_unit"].choices),
        },
    )


@staff_required
@require_POST
def meeting_act(request, meeting_id, action):
    staff, unit = request.hemma.staff, request.hemma.unit
    meeting = meetings.get_meeting_for_user(
        staff=staff, unit=unit, meeting_id=meeting_id, action=AccessLogEntry.Action.EDIT_PATIENT
    )
    item_id = _int_or_none(request.POST.get("item"))
    try:
        if action == "note":
            item = meetings.get_item_for_user(
                staff=staff, unit=unit, meeting=meeting, item_id=item_id
            )
            meetings.item_note(
                staff=staff, unit=unit, item=item, notes=request.POST.get("notes", "")
            )
        elif action == "task":
            form = forms.TaskForm(request.POST, meeting=meeting)
            if not form.is_valid():
                raise HemmaError(_("Kontrollera uppgiften: titel, ansvarig enhet och datum."))
            item = meetings.get_item_for_user(
                staff=staff, unit=unit, meeting=meeting, item_id=item_id
            )
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
