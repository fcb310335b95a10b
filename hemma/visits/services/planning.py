"""Planning the day: the planner's click queues a job (`plan_day_request`), the worker
runs `plan_day` (`hemma.visits.jobs`) in three steps – read the day, solve outside any
transaction, store the plan in one short transaction after checking that the day is still
what was solved."""

import time
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record_many
from hemma.errors import HemmaError
from hemma.jobs.models import Job
from hemma.jobs.services import job_enqueue
from hemma.patients.policy import health_record_patients_visible_to
from hemma.routing import check as routing_check
from hemma.routing import solve as routing_solve
from hemma.routing.model import Plan

from ..models import Assignment, PlanRun, Shift, Visit
from .common import from_minutes, require_visiting_unit, to_minutes
from .problem import DayProblem, build_problem, current_plan, explain, store_plan

MAX_SECONDS = 60
NO_SHIFTS = gettext_lazy("Inga arbetspass den dagen: lägg in personalens pass först.")


def _check_time_limit(seconds: float) -> None:
    if not 0.5 <= seconds <= MAX_SECONDS:
        raise HemmaError(
            _("Välj en tidsgräns mellan 1 och %(max)s sekunder.") % {"max": MAX_SECONDS}
        )


def plan_day_request(*, staff: Staff, unit: Unit, day: date, seconds: float = 5.0):
    """Hand the planning of the day to the worker (`hemma monitor`): the request answers at
    once and the page polls the job. What can be checked at once is checked here; a
    second click while the day is being planned returns the job already running."""

    require_visiting_unit(staff, unit)
    _check_time_limit(seconds)
    if not Shift.objects.filter(unit=unit, day=day).exists():
        raise HemmaError(str(NO_SHIFTS))
    return job_enqueue(
        staff=staff,
        unit=unit,
        kind=Job.Kind.PLAN_DAY,
        params={"day": day.isoformat(), "seconds": seconds},
    )


@dataclass
class DayInputs:
    """What a plan is computed from, read before the solve (outside any transaction)."""

    day_problem: DayProblem
    locked: set[str]  # visits arrived at or done: they stay where they are
    stored: Plan | None  # during the day: the plan as it stands, to replan from
    now: int
    state: dict  # the rows the plan depends on, compared again before it is stored


def plan_day(
    *, staff: Staff, unit: Unit, day: date, seconds: float = 5.0, progress=None, stage=None
) -> PlanRun:
    """Plan (or replan) the day. Visits already arrived at or done stay where they are, and
    during the day everything started by now is kept; the rest is planned again.

    Three steps, so that the database is never held while the solver works (up to a
    minute): read the day, solve outside any transaction, then store the plan in one short
    transaction that first checks that the day is still what was solved – a visit or shift
    changed meanwhile means nothing is stored and the planner is asked to plan again.
    `progress(round, rounds)` follows the solver; `stage(text)` each step (the job's page)."""
    require_visiting_unit(staff, unit)
    _check_time_limit(seconds)
    if stage:
        stage(_("Läser dagens besök och arbetspass…"))
    inputs = _plan_inputs(staff, unit, day)
    if stage:
        stage(_("Söker de bästa turerna (högst %(s)s s)…") % {"s": seconds})
    plan, took = _plan_solve(inputs, seconds, progress)
    if stage:
        stage(_("Sparar planen…"))
    return _plan_apply(staff, unit, day, inputs, plan, took)


def _plan_inputs(staff: Staff, unit: Unit, day: date) -> DayInputs:
    patients = health_record_patients_visible_to(staff, unit)
    # The state first: a change made while the problem is read then shows up as a change.
    state = _day_state(unit, day, patients)
    day_problem = build_problem(unit, day, patients=patients)
    if not day_problem.shifts:
        raise HemmaError(str(NO_SHIFTS))
    locked = {
        key
        for key, v in day_problem.visits.items()
        if v.status in (Visit.Status.ARRIVED, Visit.Status.DONE, Visit.Status.NOT_DONE)
    }
    now = to_minutes(timezone.now(), day)
    replanning = locked or any(
        w.shift_start <= now <= w.shift_end for w in day_problem.problem.workers
    )
    stored = current_plan(day_problem, day, unit) if replanning else None
    return DayInputs(day_problem, locked, stored, now, state)


def _plan_solve(inputs: DayInputs, seconds: float, progress=None) -> tuple[Plan, float]:
    """The solver: pure computation, no database."""
    problem = inputs.day_problem.problem
    started_at = time.monotonic()
    if inputs.stored is not None:
        plan = routing_solve.replan(
            problem, inputs.stored, inputs.now, seconds=seconds, keep=frozenset(inputs.locked)
        )
    else:
        plan = routing_solve.solve(problem, seconds=seconds, progress=progress)
    return plan, time.monotonic() - started_at


def _day_state(unit: Unit, day: date, patients, lock: bool = False) -> dict:
    """The rows a plan of the day depends on: shifts, open and started visits of patients
    the unit may list (times, needs, address), and the stored assignments."""
    shifts = Shift.objects.filter(unit=unit, day=day)
    visits = (
        Visit.objects.filter(unit=unit, day=day)
        .exclude(status=Visit.Status.CANCELLED)
        .filter(episode__patient__in=patients)
    )
    if lock:  # PostgreSQL: nobody changes them until the plan is stored
        shifts = shifts.select_for_update()
        visits = visits.select_for_update(of=("self",))
    shift_rows = shifts.values_list(
        "staff_id",
        "starts_at",
        "ends_at",
        "skills",
        "travel_mode",
        "start_latitude",
        "start_longitude",
        "break_from",
        "break_until",
        "break_minutes",
        "max_work_minutes",
    )
    visit_rows = visits.values_list(
        "pk",
        "status",
        "window_start",
        "window_end",
        "duration_minutes",
        "skill",
        "staff_needed",
        "priority",
        "follows_id",
        "min_gap_minutes",
        "max_gap_minutes",
        "preferred_staff_id",
        "episode__patient__latitude",
        "episode__patient__longitude",
    )
    assignments = Assignment.objects.filter(visit__unit=unit, visit__day=day).values_list(
        "visit_id", "staff_id", "position", "planned_start"
    )
    return {
        "shifts": {row[0]: row[1:] for row in shift_rows},
        "visits": {row[0]: row[1:] for row in visit_rows},
        "assignments": set(assignments),
    }


def _changes(before: dict, now: dict) -> tuple[list[str], int]:
    """What changed since the day was read: (what makes the plan stale, visits added).
    A visit added meanwhile does not: it simply waits for the next planning."""
    stale = []
    changed = [pk for pk, row in before["visits"].items() if now["visits"].get(pk) != row]
    if changed:
        stale.append(ngettext("%(n)s besök", "%(n)s besök", len(changed)) % {"n": len(changed)})
    if before["shifts"] != now["shifts"]:
        stale.append(_("arbetspassen"))
    if before["assignments"] != now["assignments"]:
        stale.append(_("turerna"))
    return stale, len(set(now["visits"]) - set(before["visits"]))


@transaction.atomic
def _plan_apply(
    staff: Staff, unit: Unit, day: date, inputs: DayInputs, plan: Plan, took: float
) -> PlanRun:
    """Store the plan if the day is still what was solved; one short transaction."""
    require_visiting_unit(staff, unit)
    day_problem = inputs.day_problem
    state = _day_state(unit, day, health_record_patients_visible_to(staff, unit), lock=True)
    stale, added = _changes(inputs.state, state)
    if stale:
        raise HemmaError(
            _(
                "Dagen ändrades medan planen räknades fram (%(what)s). Inget sparades – "
                "planera dagen igen."
            )
            % {"what": ", ".join(stale)}
        )
    warnings = day_problem.warnings + explain(
        routing_check.findings(day_problem.problem, plan), day_problem, day
    )
    if added:
        warnings.append(
            ngettext(
                "%(n)s besök lades till medan planen räknades fram och är inte planerat – "
                "planera igen för att få med det.",
                "%(n)s besök lades till medan planen räknades fram och är inte planerade – "
                "planera igen för att få med dem.",
                added,
            )
            % {"n": added}
        )
    store_plan(day_problem, plan, day, keep=inputs.locked)
    run = PlanRun.objects.create(
        unit=unit,
        day=day,
        by=staff,
        seconds=round(took, 2),
        solver=plan.solver,
        travel_minutes=plan.travel_minutes,
        planned=sum(1 for key in day_problem.visits if key not in plan.unassigned),
        unassigned=len(plan.unassigned) + len(day_problem.no_address),
        warnings=warnings,
        breaks={key: from_minutes(b[1], day).isoformat() for key, b in plan.breaks.items()},
    )
    # Planning read the patients' addresses and visits: one entry each.
    access_log_record_many(
        staff=staff,
        unit=unit,
        patients=[visit.episode.patient for visit in day_problem.all_visits],
        action=AccessLogEntry.Action.LIST_PATIENTS,
        detail=f"visits planned for {day}: {run.planned} planned, {run.unassigned} not",
    )
    return run
