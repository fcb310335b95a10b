"""Today as a working day at whatever clock time the demo is loaded (issue 19): the home
health unit's visits of the day planned (as the planner did the afternoon before), those
whose planned time has passed documented done by the staff who had them, and the doses due
before now recorded as given by whoever gave them. Idempotent: only what is still open is
touched, so loading again later in the day only catches up with the clock."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record_many
from hemma.medication import services as medication
from hemma.medication.models import DoseAdministration
from hemma.patients.policy import health_record_patients_visible_to
from hemma.routing import check as routing_check
from hemma.routing import solve as routing_solve
from hemma.visits import services as visits
from hemma.visits.models import Assignment, PlanRun, Shift, Visit
from hemma.visits.services.problem import explain, store_plan

PLANNED_THE_DAY_BEFORE = time(15, 0)  # when the planner planned the day
SOLVE_SECONDS = 1.0
DONE_NOTE = "Utfört enligt planen, inget att anmärka."


def today_ensure(units: dict, now: datetime) -> None:
    unit = units["home_health"]
    planner = Staff.objects.get(user__username="karin.hsv")
    day = visits.planning_day(now)
    _plan_day(planner, unit, day)
    _document_past_visits(unit, day, now)
    _record_past_doses(unit, now)


def _plan_day(planner: Staff, unit: Unit, day: date) -> None:
    """Plan the day once, as the planner's click the afternoon before would have: a fresh
    solve (not a replan from now, which would leave the morning's visits out)."""
    open_visits = Visit.objects.filter(unit=unit, day=day).exclude(status=Visit.Status.CANCELLED)
    if (
        not open_visits.filter(status=Visit.Status.PLANNED).exists()
        or open_visits.exclude(status__in=(Visit.Status.PLANNED, Visit.Status.ASSIGNED)).exists()
    ):
        return  # planned already, or the day has been worked: left as it is
    day_problem = visits.build_problem(
        unit, day, patients=health_record_patients_visible_to(planner, unit)
    )
    if not day_problem.shifts:
        return
    plan = routing_solve.solve(day_problem.problem, seconds=SOLVE_SECONDS)
    store_plan(day_problem, plan, day, keep=set())
    warnings = day_problem.warnings + explain(
        routing_check.findings(day_problem.problem, plan), day_problem, day
    )
    run = PlanRun.objects.create(
        unit=unit,
        day=day,
        by=planner,
        seconds=SOLVE_SECONDS,
        solver=plan.solver,
        travel_minutes=plan.travel_minutes,
        planned=sum(1 for key in day_problem.visits if key not in plan.unassigned),
        unassigned=len(plan.unassigned) + len(day_problem.no_address),
        warnings=warnings,
        breaks={key: visits.from_minutes(b[1], day).isoformat() for key, b in plan.breaks.items()},
    )
    planned_at = timezone.make_aware(
        datetime.combine(day - timedelta(days=1), PLANNED_THE_DAY_BEFORE)
    )
    PlanRun.objects.filter(pk=run.pk).update(created_at=planned_at)
    access_log_record_many(
        staff=planner,
        unit=unit,
        patients=[visit.episode.patient for visit in day_problem.all_visits],
        action=AccessLogEntry.Action.LIST_PATIENTS,
        detail=f"visits planned for {day} (demo): {run.planned} planned, {run.unassigned} not",
    )


def _document_past_visits(unit: Unit, day: date, now: datetime) -> None:
    """Each planned visit whose planned time is over: arrived and done on the run sheet by
    the staff member who had it, at the planned times (the services stamp the load)."""
    assignments = (
        Assignment.objects.filter(
            visit__unit=unit, visit__day=day, visit__status=Visit.Status.ASSIGNED
        )
        .select_related("visit", "staff")
        .order_by("planned_start", "visit_id", "staff_id")
    )
    seen = set()
    for assignment in assignments:
        visit = assignment.visit
        ends = assignment.planned_start + timedelta(minutes=visit.duration_minutes)
        if visit.pk in seen or ends > now:
            continue
        seen.add(visit.pk)
        visits.visit_arrive(staff=assignment.staff, unit=unit, visit=visit)
        visits.visit_done(staff=assignment.staff, unit=unit, visit=visit, note=DONE_NOTE)
        Visit.objects.filter(pk=visit.pk).update(
            arrived_at=min(assignment.planned_start, now), done_at=min(ends, now)
        )


def _record_past_doses(unit: Unit, now: datetime) -> None:
    """The doses due before now, recorded as given a few minutes after their time: by the
    patient (a pump they run) or by the staff member who visited then."""
    due = DoseAdministration.objects.filter(
        status=DoseAdministration.Status.PLANNED,
        due_at__lt=now,
        episode__state__in=medication.SCHEDULED_STATES,
    ).select_related("episode")
    for dose in due.order_by("due_at", "pk"):
        given_at = min(dose.due_at + timedelta(minutes=3 + dose.pk % 9), now)
        recorded_at = min(given_at + timedelta(minutes=2), now)
        if dose.self_administered:
            medication.dose_record_by_patient(
                episode=dose.episode,
                dose_id=dose.pk,
                outcome=DoseAdministration.Status.GIVEN,
                given_at=given_at,
                now=recorded_at,
            )
            continue
        giver_unit = dose.episode.home_health_unit or unit
        medication.dose_record(
            staff=_giver(dose, giver_unit),
            unit=giver_unit,
            dose=dose,
            outcome=DoseAdministration.Status.GIVEN,
            given_at=given_at,
            now=recorded_at,
        )


def _giver(dose: DoseAdministration, unit: Unit) -> Staff:
    """Who gave the dose: the staff member planned for the patient's visit at its time, else
    a nurse whose shift covers it, else the unit's first nurse."""
    visit = (
        Visit.objects.filter(
            episode=dose.episode, window_start__lte=dose.due_at, window_end__gte=dose.due_at
        )
        .exclude(assignments=None)
        .first()
    )
    if visit is not None:
        return visit.assignments.order_by("staff_id").first().staff
    shift = Shift.objects.filter(
        unit=unit,
        starts_at__lte=dose.due_at,
        ends_at__gte=dose.due_at,
        staff__profession=Staff.Profession.NURSE,
    ).first()
    if shift is not None:
        return shift.staff
    return Staff.objects.get(user__username="karin.hsv")
