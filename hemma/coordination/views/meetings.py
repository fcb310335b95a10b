"""The weekly coordination meeting of a primary care centre and home health care (with
guests), its agenda of shared patients, and the shared task list."""

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hemma.audit.models import AccessLogEntry
from hemma.clinical.identifiers import row_id
from hemma.errors import HemmaError
from hemma.patients.selectors import deny
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_form, retry_row

from .. import forms, meetings
from .. import series as recurring


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _meetings_page(request, form, series_form):
    staff, unit = request.hemma.staff, request.hemma.unit
    today = timezone.localdate()
    # The next occurrences of the unit's series (nothing to do once they exist).
    recurring.series_ensure_for_unit(staff, unit, today)
    listed = meetings.meetings_for_unit(unit).select_related("series")
    series = list(recurring.series_for_unit(unit, today))
    # An end whose submit failed: its date and error in its series' row, once.
    ended = retry_row(
        request, forms.SeriesEndForm, prefix=reverse("coordination:meeting_series_end")
    )
    for one in series:
        one.managed = one.primary_care_id == unit.pk or one.home_health_id == unit.pk
        one.end_retry = (
            ended.form if ended and ended.form["series"].value() == str(one.pk) else None
        )
    return render(
        request,
        "coordination/meetings.html",
        {
            "form": form,
            "series_form": series_form,
            "upcoming": listed.filter(held_on__gte=today).order_by("held_on")[:50],
            "meetings": listed.filter(held_on__lt=today)[:50],
            "series": series,
            "end_form": forms.SeriesEndForm(initial={"last_on": today}),
        },
    )


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
    return _meetings_page(request, form, forms.MeetingSeriesForm(unit=unit))


@staff_required
@require_POST
def series_new(request):
    """A recurring meeting of the acting unit and its partner, from the meetings page."""
    unit = request.hemma.unit
    series_form = forms.MeetingSeriesForm(request.POST, unit=unit)
    if series_form.is_valid():
        data = series_form.cleaned_data
        try:
            recurring.series_create(
                staff=request.hemma.staff,
                unit=unit,
                partner=data["partner"],
                weekday=data["weekday"],
                starts_at=data["starts_at"],
                interval_weeks=data["interval_weeks"],
                active_from=data["active_from"],
                active_to=data["active_to"],
                guests=list(data["guests"]),
            )
        except HemmaError as error:
            series_form.add_error(None, error.message)
        else:
            messages.success(request, _("Mötesserien är sparad."))
            return redirect("coordination:meetings")
    return _meetings_page(request, forms.MeetingForm(unit=unit), series_form)


@staff_required
@require_POST
def series_end(request):
    staff, unit = request.hemma.staff, request.hemma.unit
    series = recurring.get_series_for_user(
        staff=staff, unit=unit, series_id=row_id(request.POST.get("series"))
    )
    # A bad date or a refusal comes back in the series' row on the meetings page.
    run_form_action(
        request,
        forms.SeriesEndForm(request.POST),
        lambda data: recurring.series_end(
            staff=staff, unit=unit, series=series, last_on=data["last_on"]
        ),
        lambda removed: (
            _("Mötesserien är avslutad. Borttagna kommande möten: %(removed)s.")
            % {"removed": removed}
        ),
        retry=True,
    )
    return redirect("coordination:meetings")


@staff_required
@require_GET
def meeting(request, meeting_id):
    staff, unit = request.hemma.staff, request.hemma.unit
    meeting = meetings.get_meeting_for_user(staff=staff, unit=unit, meeting_id=meeting_id)
    # Only the agenda rows of patients the unit may list now; each one is logged.
    items = list(meetings.visible_items(meeting, staff, unit))
    log_list(request, f"coordination meeting {meeting.pk}", [item.patient for item in items])
    _row_forms(request, meeting, items)
    task_form = forms.TaskForm(meeting=meeting)
    candidates = []
    if meetings.may_add_to_agenda(staff, unit, meeting):
        candidates = list(meetings.agenda_candidates(meeting, staff, unit)[:300])
        log_list(request, f"coordination meeting {meeting.pk}: agenda candidates", candidates)
    return render(
        request,
        "coordination/meeting.html",
        {
            "meeting": meeting,
            "items": items,
            "candidates": candidates,
            "agenda_form": retry_form(
                request,
                forms.AgendaAddForm,
                action=reverse("coordination:meeting_agenda_add", args=[meeting.pk]),
                auto_id="agenda_%s",
            ),
            "minutes_form": retry_form(
                request,
                forms.MinutesForm,
                action=_act_url(meeting, "close"),
                initial={"minutes": meeting.minutes},
            ),
            "tasks": meetings.meeting_tasks(meeting, staff, unit),
            "task_form": task_form,
            # The owner units once, not one query (and a count) per agenda row.
            "owner_choices": list(task_form.fields["owner_unit"].choices),
        },
    )


def _act_url(meeting, action: str) -> str:
    return reverse("coordination:meeting_act", args=[meeting.pk, action])


def _row_forms(request, meeting, items) -> None:
    """Per agenda row its note form and, when its submit failed, its task form: the failed
    one drawn again once in its own row (errors at the fields, what was typed kept)."""
    note_row, note_form = _row_retry(request, forms.NoteForm, _act_url(meeting, "note"), "note")
    task_row, task_form = _row_retry(
        request, forms.TaskForm, _act_url(meeting, "task"), "task", meeting=meeting
    )
    for item in items:
        if note_row == item.pk:
            item.note_form = note_form
        else:
            item.note_form = forms.NoteForm(
                initial={"item": item.pk, "notes": item.notes}, auto_id=f"note{item.pk}_%s"
            )
        # Only a failed one is a form object: the others are drawn in the template with the
        # owner units listed once (a form per row would query them per row).
        item.task_form = task_form if task_row == item.pk else None


def _row_retry(request, form_class, action: str, name: str, **kwargs):
    """The row (agenda item id) and the form of one whose submit failed, else (None, None)."""
    form = retry_form(request, form_class, action=action, **kwargs)
    row = row_id(form.data.get("item")) if form.is_bound else None
    if row is None:
        return None, None
    form.auto_id = f"{name}{row}_%s"  # one such form per row: ids of the row's own
    return row, form


@staff_required
@require_POST
def meeting_act(request, meeting_id, action):
    staff, unit = request.hemma.staff, request.hemma.unit
    meeting = meetings.get_meeting_for_user(
        staff=staff, unit=unit, meeting_id=meeting_id, action=AccessLogEntry.Action.EDIT_PATIENT
    )
    item_id = row_id(request.POST.get("item"))
    # A failed submit comes back at its fields on the meeting page (retry).
    if action == "note":
        item = meetings.get_item_for_user(staff=staff, unit=unit, meeting=meeting, item_id=item_id)
        run_form_action(
            request,
            forms.NoteForm(request.POST),
            lambda data: meetings.item_note(staff=staff, unit=unit, item=item, notes=data["notes"]),
            retry=True,
        )
    elif action == "task":
        form = forms.TaskForm(request.POST, meeting=meeting)
        # The row is looked up (a denied entry for another) only for a valid form, as before.
        item = (
            meetings.get_item_for_user(staff=staff, unit=unit, meeting=meeting, item_id=item_id)
            if form.is_valid()
            else None
        )

        def add(data):  # once per submission token: a double click adds one task
            meetings.task_add(
                staff=staff,
                unit=unit,
                meeting=meeting,
                patient=item.patient,
                source=f"meeting:{meeting.pk}",
                title=data["title"],
                owner_unit=data["owner_unit"],
                due_on=data["due_on"],
            )

        run_form_action(request, form, add, retry=True)
    elif action == "close":
        run_form_action(
            request,
            forms.MinutesForm(request.POST),
            lambda data: meetings.meeting_close(
                staff=staff, unit=unit, meeting=meeting, minutes=data["minutes"]
            ),
            retry=True,
        )
    else:
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"coordination meeting id={meeting.pk}: {action[:50]}",
            action=AccessLogEntry.Action.EDIT_PATIENT,
        )
    return redirect("coordination:meeting", meeting_id=meeting.pk)


@staff_required
@require_POST
def agenda_add(request, meeting_id):
    """A participant puts a patient it may list on the agenda by hand, with a reason."""
    staff, unit = request.hemma.staff, request.hemma.unit
    meeting = meetings.get_meeting_for_user(
        staff=staff, unit=unit, meeting_id=meeting_id, action=AccessLogEntry.Action.EDIT_PATIENT
    )
    patient = meetings.get_agenda_patient_for_user(
        staff=staff,
        unit=unit,
        meeting=meeting,
        patient_id=_uuid_or_none(request.POST.get("patient")),
    )
    run_form_action(
        request,
        forms.AgendaAddForm(request.POST),
        lambda data: meetings.agenda_add(
            staff=staff, unit=unit, meeting=meeting, patient=patient, reason=data["reason"]
        ),
        _("Patienten är tillagd på dagordningen."),
        retry=True,  # drawn again on the meeting page, the patient still chosen
    )
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
