"""Home visits: the home health unit's planner and each staff member's run sheet."""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode
from hemma.errors import HemmaError
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required

from . import forms, selectors, services
from .models import Shift, Visit

# Where a unit's first shift starts (units have no address in Hemma yet): Falun centre.
BASE = (Decimal("60.606600"), Decimal("15.631000"))


def _day(request) -> date:
    value = request.GET.get("day") or request.POST.get("day") or ""
    day = parse_date(value) if value else None
    return day or services.planning_day(timezone.now())


def _back(day: date, anchor: str = "") -> str:
    return f"{reverse('visits:planner')}?day={day:%Y-%m-%d}{anchor}"


def _home_health_only(request):
    if request.hemma.unit.kind != Unit.Kind.HOME_HEALTH_CARE:
        return render(request, "visits/not_here.html", status=403)
    return None


def _episodes(unit):
    return (
        Episode.objects.filter(home_health_unit=unit, state__in=services.PLANNED_STATES)
        .select_related("patient")
        .order_by("patient__last_name")
    )


@staff_required
def planner(request):
    refused = _home_health_only(request)
    if refused:
        return refused
    unit, day = request.hemma.unit, _day(request)
    board = selectors.planner_board(unit, day)
    log_list(request, f"visit planner {day}")
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
                episodes=_episodes(unit), visits=[v for v in board["visits"] if v.is_open]
            ),
            "staff_on_shift": staff_on_shift,
            "reasons": services.REASONS,
        },
    )


@staff_required
@require_POST
def generate(request):
    day = _day(request)
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
    day = _day(request)
    form = forms.PlanForm(request.POST)

    def perform(data):
        run = services.plan_day(
            by=request.hemma.staff, unit=request.hemma.unit, day=day, seconds=data["seconds"]
        )
        if run.warnings:
            for warning in run.warnings:
                messages.warning(request, warning)
        return run

    run_form_action(request, form, perform, _("Dagen är planerad."))
    return redirect(_back(day))


@staff_required
@require_POST
def shift_add(request):
    unit, day = request.hemma.unit, _day(request)
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
    shift = get_object_or_404(Shift, pk=shift_id, unit=request.hemma.unit)
    try:
        services.shift_remove(by=request.hemma.staff, unit=request.hemma.unit, shift=shift)
        messages.success(request, _("Passet är borttaget; dess besök behöver planeras igen."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect(_back(shift.day, "#shifts"))


@staff_required
@require_POST
def add(request):
    unit, day = request.hemma.unit, _day(request)
    episodes = list(_episodes(unit))
    open_visits = list(
        Visit.objects.filter(unit=unit, day=day, status__in=["planned", "assigned"]).select_related(
            "episode__patient"
        )
    )
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


def _unit_visit(request, visit_id) -> Visit:
    visit = Visit.objects.filter(pk=visit_id, unit=request.hemma.unit).first()
    if visit is None:
        raise Http404
    return visit


@staff_required
@require_POST
def move(request, visit_id):
    visit = _unit_visit(request, visit_id)
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
    visit = _unit_visit(request, visit_id)
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
    rows = selectors.run_sheet(request.hemma.staff, request.hemma.unit, day)
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


def _own_visit(request, visit_id) -> Visit:
    visit = Visit.objects.filter(pk=visit_id, assignments__staff=request.hemma.staff).first()
    if visit is None:
        raise Http404
    return visit


def _sheet(visit) -> str:
    return f"{reverse('visits:run_sheet')}?day={visit.day:%Y-%m-%d}#visit-{visit.pk}"


@staff_required
@require_POST
def arrive(request, visit_id):
    visit = _own_visit(request, visit_id)
    try:
        services.visit_arrive(by=request.hemma.staff, unit=request.hemma.unit, visit=visit)
        messages.success(request, _("Ankomst registrerad."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect(_sheet(visit))


@staff_required
@require_POST
def done(request, visit_id):
    visit = _own_visit(request, visit_id)
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
