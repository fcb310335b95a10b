"""Home visits: the home health unit's planner and each staff member's run sheet.

Through the access policy: the planner, its map and the run sheet show only the unit's
own visits of patients it may list, and log one entry per patient shown. A visit is
acted on only by its own unit (anyone else: a denied entry and 404, like an unknown id),
after the policy's see question on its episode and `may_do` (`plan_visits` to add, move
or cancel, `record_visit` to mark arrived or done; refused: a denied entry and 403)."""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.accounts.models import Staff
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import HemmaError, NotAllowed
from hemma.jobs import selectors as job_selectors
from hemma.jobs import services as job_services
from hemma.jobs.models import Job
from hemma.patients.policy import allowed_actions, require_action
from hemma.patients.selectors import deny
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required

from . import forms, selectors, services
from .models import Shift, Visit

# Where a unit's first shift starts (units have no address in Hemma yet): Falun centre.
BASE = (Decimal("60.606600"), Decimal("15.631000"))


def _day(request) -> date:
    value = request.GET.get("day") or request.POST.get("day") or ""
    try:
        day = parse_date(value) if value else None
    except ValueError:  # well formed but impossible (2026-02-30): not a 500
        day = None
    return day or services.planning_day(timezone.now())


def _back(day: date, anchor: str = "") -> str:
    return f"{reverse('visits:planner')}?day={day:%Y-%m-%d}{anchor}"


EDIT = AccessLogEntry.Action.EDIT_PATIENT


def _home_health_only(request):
    try:
        services.require_visiting_unit(request.hemma.staff, request.hemma.unit)
    except NotAllowed:
        return render(request, "visits/not_here.html", status=403)
    return None


def _denied_403(request, what: str, message: str, patient=None) -> HttpResponse:
    """A refused action: a denied entry naming the object, the reason, 403; nothing changed."""
    access_log_record(
        staff=request.hemma.staff,
        unit=request.hemma.unit,
        patient=patient,
        action=EDIT,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.DENIED,
        detail=what,
    )
    messages.error(request, message)
    return render(request, "web/error.html", {"status": 403}, status=403)


def _unit_refused(request, what: str) -> HttpResponse | None:
    """The unit-wide planning (shifts, generating, planning the day) is a home health
    unit's: anyone else gets a denied entry and 403."""
    try:
        services.require_visiting_unit(request.hemma.staff, request.hemma.unit)
    except NotAllowed as error:
        return _denied_403(request, f"{what}: refused", error.message)
    return None


def _visit_refused(request, visit: Visit, action: str, what: str) -> HttpResponse | None:
    """The see question on the visit's episode (home care and a revoked consent: a denied
    entry and 404), then `may_do` (refused: a denied entry and 403)."""
    staff, unit = request.hemma.staff, request.hemma.unit
    access = get_episode_for_user(
        staff=staff, acting_unit=unit, episode_id=visit.episode_id, detail=what
    )
    if not access.access.decision.health_record:
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"{what}: not the health record (home care)",
            patient=access.episode.patient,
            action=EDIT,
        )
    try:
        require_action(staff=staff, unit=unit, action=action, episode=access.episode)
    except NotAllowed as error:
        return _denied_403(
            request, f"{what}: {action} refused", error.message, access.episode.patient
        )
    return None


@staff_required
def planner(request):
    refused = _home_health_only(request)
    if refused:
        return refused
    staff, unit, day = request.hemma.staff, request.hemma.unit, _day(request)
    board = selectors.planner_board(staff, unit, day)
    for visit in board["visits"]:
        visit.allowed = allowed_actions(staff=staff, unit=unit, episode=visit.episode)
    episodes = selectors.planning_episodes(staff, unit)
    # The board, its map and the new-visit form's patient choice: one entry per patient.
    shown = [visit.episode.patient for visit in board["visits"]]
    log_list(request, f"visit planner {day}", shown + [e.patient for e in episodes])
    staff_on_shift = [route.shift.staff for route in board["routes"]]
    return render(
        request,
        "visits/planner.html",
        {
            "day": day,
            "previous": date.fromordinal(day.toordinal() - 1),
            "next": date.fromordinal(day.toordinal() + 1),
            "board": board,
            "plan_form": forms.PlanForm(),
            "shift_form": forms.ShiftForm(unit=unit),
            "visit_form": forms.VisitForm(
                episodes=episodes, visits=[v for v in board["visits"] if v.is_open]
            ),
            "staff_on_shift": staff_on_shift,
            "reasons": services.REASONS,
            "job": _plan_job(request, unit, day),
        },
    )


@staff_required
@require_POST
def generate(request):
    day = _day(request)
    if (refusal := _unit_refused(request, f"visits generated for {day}")) is not None:
        return refusal
    try:
        created = services.visits_generate(by=request.hemma.staff, unit=request.hemma.unit, day=day)
        if created:
            messages.success(
                request, _("%(n)s besök skapade från överenskommelserna.") % {"n": created}
            )
        else:
            messages.info(request, _("Inga nya besök: dagens besök finns redan."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect(_back(day))


@staff_required
@require_POST
def plan(request):
    """Queue the planning of the day for the worker and show its progress on the planner
    (polled): the solver never runs inside a request."""
    day = _day(request)
    if (refusal := _unit_refused(request, f"visits planned for {day}")) is not None:
        return refusal
    form = forms.PlanForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("Kontrollera uppgifterna: %(errors)s") % {"errors": errors})
        return redirect(_back(day))
    try:
        job = services.plan_day_request(
            by=request.hemma.staff,
            unit=request.hemma.unit,
            day=day,
            seconds=form.cleaned_data["seconds"],
        )
    except HemmaError as error:
        messages.error(request, error.message)
        return redirect(_back(day))
    if job.reused:
        messages.info(request, _("Dagen planeras redan – följ planeringen nedan."))
    else:
        messages.success(
            request, _("Planeringen är startad. Resultatet visas här när den är klar.")
        )
    return redirect(f"{_back(day)}&job={job.pk}#plan-job")


def _plan_job(request, unit, day):
    """The planning job to show: the one just started (?job=), else one running now."""
    job_id = request.GET.get("job", "")
    if job_id.isdigit():
        job = job_selectors.job_for_unit(unit, int(job_id), kind=Job.Kind.PLAN_DAY)
        if job is not None and job.params.get("day") == f"{day:%Y-%m-%d}":
            return job
    key = job_services.dedupe_key(Job.Kind.PLAN_DAY, unit, {"day": f"{day:%Y-%m-%d}"})
    return job_selectors.active_job(unit, Job.Kind.PLAN_DAY, key)


@staff_required
@require_POST
def shift_add(request):
    unit, day = request.hemma.unit, _day(request)
    if (refusal := _unit_refused(request, f"shift {day}")) is not None:
        return refusal
    form = forms.ShiftForm(request.POST, unit=unit)

    # A new shift starts where the unit's shifts start (its base); the demo base otherwise.
    previous = Shift.objects.filter(unit=unit).order_by("-day").first()
    base = (previous.start_latitude, previous.start_longitude) if previous else BASE

    def perform(data):
        break_from = data.get("break_from")
        break_until = data.get("break_until")
        has_break = bool(break_from and break_until and data["break_minutes"])
        return services.shift_save(
            by=request.hemma.staff,
            unit=unit,
            staff=data["staff"],
            day=day,
            starts=forms.on_day(day, data["starts"]),
            ends=forms.on_day(day, data["ends"]),
            latitude=base[0],
            longitude=base[1],
            travel_mode=data["travel_mode"],
            break_from=forms.on_day(day, break_from) if has_break else None,
            break_until=forms.on_day(day, break_until) if has_break else None,
            break_minutes=data["break_minutes"] or 0,
            max_work_minutes=data.get("max_work_minutes"),
            skills=data.get("skills") or None,
        )

    run_form_action(request, form, perform, _("Passet är sparat."))
    return redirect(_back(day, "#shifts"))


@staff_required
@require_POST
def shift_remove(request, shift_id):
    # Only the unit's own shifts: another unit's is as unknown as a made-up id.
    shift = Shift.objects.filter(pk=shift_id, unit=request.hemma.unit).first()
    if shift is None:
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"shift id={shift_id} remove",
            action=EDIT,
        )
    if (refusal := _unit_refused(request, f"shift {shift.pk} remove")) is not None:
        return refusal
    try:
        services.shift_remove(by=request.hemma.staff, unit=request.hemma.unit, shift=shift)
        messages.success(request, _("Passet är borttaget; dess besök behöver planeras igen."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect(_back(shift.day, "#shifts"))


@staff_required
@require_POST
def add(request):
    staff, unit, day = request.hemma.staff, request.hemma.unit, _day(request)
    if (refusal := _unit_refused(request, f"ad-hoc visit {day}")) is not None:
        return refusal
    episodes = selectors.planning_episodes(staff, unit)
    open_visits = list(
        selectors.visible_visits(staff, unit)
        .filter(day=day, status__in=["planned", "assigned"])
        .select_related("episode__patient")
    )
    _deny_unlisted(request, "episode", {e.pk for e in episodes}, "ad-hoc visit: episode")
    _deny_unlisted(request, "follows", {v.pk for v in open_visits}, "ad-hoc visit: follows visit")
    form = forms.VisitForm(request.POST, episodes=episodes, visits=open_visits)

    def perform(data):
        episode = next(e for e in episodes if e.pk == data["episode"])
        follows = next((v for v in open_visits if v.pk == data.get("follows")), None)
        return services.visit_add(
            by=request.hemma.staff,
            unit=unit,
            episode=episode,
            day=day,
            what=data["what"],
            window_start=forms.on_day(day, data["earliest"]),
            window_end=forms.on_day(day, data["latest"]),
            duration_minutes=data["duration_minutes"],
            skill=data["skill"],
            staff_needed=data["staff_needed"],
            priority=data["priority"],
            follows=follows,
            min_gap_minutes=data.get("min_gap_minutes"),
            max_gap_minutes=data.get("max_gap_minutes"),
        )

    run_form_action(
        request, form, perform, _("Besöket är tillagt. Planera igen för att få in det i turerna.")
    )
    return redirect(_back(day))


def _deny_unlisted(request, field: str, listed: set[int], what: str) -> None:
    """A posted id the page could not have offered (another unit's, a patient the unit
    may not list, made up): a denied entry naming it, and 404."""
    posted = request.POST.get(field, "").strip()
    if posted and (not posted.isdigit() or int(posted) not in listed):
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"{what} id={posted[:20]}",
            action=EDIT,
        )


def _unit_visit(request, visit_id, what: str) -> Visit:
    """One of the acting unit's own visits; any other id: a denied entry and 404."""
    visit = Visit.objects.filter(pk=visit_id).select_related("episode__patient").first()
    if visit is None or visit.unit_id != request.hemma.unit.pk:
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"visit id={visit_id} {what}",
            patient=visit.episode.patient if visit is not None else None,
            action=EDIT,
        )
    return visit


@staff_required
@require_POST
def move(request, visit_id):
    visit = _unit_visit(request, visit_id, "move")
    what = f"visit {visit.pk} move"
    if (refusal := _visit_refused(request, visit, "plan_visits", what)) is not None:
        return refusal
    form = forms.MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Välj personal och plats i turen."))
        return redirect(_back(visit.day))
    data = form.cleaned_data
    to_staff = Staff.objects.filter(pk=data["to_staff"]).first()
    from_staff = Staff.objects.filter(pk=data["from_staff"]).first() if data["from_staff"] else None
    if to_staff is None:
        messages.error(request, _("Välj personal och plats i turen."))
        return redirect(_back(visit.day))
    try:
        warnings = services.visit_move(
            by=request.hemma.staff,
            unit=request.hemma.unit,
            visit=visit,
            from_staff=from_staff,
            to_staff=to_staff,
            position=data["position"] - 1,
        )
    except HemmaError as error:
        messages.error(request, error.message)
        return redirect(_back(visit.day))
    if warnings:
        messages.warning(request, _("Flyttat, men planen håller inte längre:"))
        for warning in warnings:
            messages.warning(request, warning)
    else:
        messages.success(request, _("Flyttat. Planen håller."))
    return redirect(_back(visit.day))


@staff_required
@require_POST
def cancel(request, visit_id):
    visit = _unit_visit(request, visit_id, "cancel")
    what = f"visit {visit.pk} cancel"
    if (refusal := _visit_refused(request, visit, "plan_visits", what)) is not None:
        return refusal
    form = forms.CancelForm(request.POST)
    run_form_action(
        request,
        form,
        lambda data: services.visit_cancel(
            by=request.hemma.staff, unit=request.hemma.unit, visit=visit, reason=data["reason"]
        ),
        _("Besöket är inställt."),
    )
    return redirect(_back(visit.day))


# --- The run sheet -----------------------------------------------------------------------


@staff_required
def run_sheet(request):
    day = _day(request)
    staff, unit = request.hemma.staff, request.hemma.unit
    rows = selectors.run_sheet(staff, unit, day)
    for row in rows:
        row["allowed"] = allowed_actions(staff=staff, unit=unit, episode=row["visit"].episode)
    log_list(request, f"run sheet {day}", [row["patient"] for row in rows])
    return render(
        request,
        "visits/run_sheet.html",
        {
            "day": day,
            "rows": rows,
            "previous": date.fromordinal(day.toordinal() - 1),
            "next": date.fromordinal(day.toordinal() + 1),
            "done_form": forms.DoneForm(),
        },
    )


def _own_visit(request, visit_id, what: str) -> Visit:
    """A visit on the staff member's own run sheet for the acting unit; any other id: a
    denied entry and 404. Then the policy's see and `record_visit`."""
    visit = (
        Visit.objects.filter(pk=visit_id, unit=request.hemma.unit)
        .filter(assignments__staff=request.hemma.staff)
        .first()
    )
    if visit is None:
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"visit id={visit_id} {what}",
            action=EDIT,
        )
    return visit


def _sheet(visit) -> str:
    return f"{reverse('visits:run_sheet')}?day={visit.day:%Y-%m-%d}#visit-{visit.pk}"


@staff_required
@require_POST
def arrive(request, visit_id):
    visit = _own_visit(request, visit_id, "arrive")
    what = f"visit {visit.pk} arrive"
    if (refusal := _visit_refused(request, visit, "record_visit", what)) is not None:
        return refusal
    try:
        services.visit_arrive(by=request.hemma.staff, unit=request.hemma.unit, visit=visit)
        messages.success(request, _("Ankomst registrerad."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect(_sheet(visit))


@staff_required
@require_POST
def done(request, visit_id):
    visit = _own_visit(request, visit_id, "done")
    what = f"visit {visit.pk} done"
    if (refusal := _visit_refused(request, visit, "record_visit", what)) is not None:
        return refusal
    form = forms.DoneForm(request.POST)
    run_form_action(
        request,
        form,
        lambda data: services.visit_done(
            by=request.hemma.staff, unit=request.hemma.unit, visit=visit, note=data["note"]
        ),
        _("Besöket är utfört."),
    )
    return redirect(_sheet(visit))
