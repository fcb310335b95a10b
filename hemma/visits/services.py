"""Home visits: every change of state goes through here, in a transaction, with its
access-log entry. The planning itself is `hemma.routing` (no Django): this module turns the
day's shifts and visits into a routing problem and the plan back into assignments.

Planning is the visiting unit's: only a home health unit plans, and only its own shifts
and visits; a visit is planned, moved or cancelled under the policy's `plan_visits` and
marked arrived or done under `record_visit` (`policy.EPISODE_ACTIONS`, the visiting team's
actions). Patients whose health record the unit may no longer list (a revoked sharing
consent) are left out of generation and planning."""

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from hemma.accounts.models import Membership, Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record, access_log_record_many
from hemma.careplans.models import AgreementVersion
from hemma.episodes.models import Episode
from hemma.errors import HemmaError, NotAllowed
from hemma.patients.policy import health_record_patients_visible_to, require_action
from hemma.routing import check as routing_check
from hemma.routing import solve as routing_solve
from hemma.routing.model import Gap, Plan, Problem, Stop, Worker
from hemma.routing.model import Visit as RoutingVisit
from hemma.routing.osrm import travel_matrix
from hemma.routing.visits import needs_two_staff, visit_skill, visit_windows

from .models import SKILLS, Assignment, PlanRun, Shift, TravelMode, Visit

DAY_STARTS_AT = 6  # a planning day runs 06:00–06:00: the night belongs to the evening
PLANNED_STATES = (Episode.State.AGREED, Episode.State.PREPARING, Episode.State.AT_HOME)
MAX_SECONDS = 60
DEFAULT_SKILLS = {
    Staff.Profession.NURSE: [Staff.Profession.NURSE],
    Staff.Profession.ASSISTANT_NURSE: [Staff.Profession.ASSISTANT_NURSE],
    Staff.Profession.PHYSIOTHERAPIST: [Staff.Profession.PHYSIOTHERAPIST],
    Staff.Profession.OCCUPATIONAL_THERAPIST: [Staff.Profession.OCCUPATIONAL_THERAPIST],
}
REASONS = {
    routing_solve.NO_QUALIFIED_STAFF: gettext_lazy("Ingen i tjänst har rätt kompetens"),
    routing_solve.OUTSIDE_EVERY_SHIFT: gettext_lazy("Tidsfönstret ligger utanför alla arbetspass"),
    routing_solve.DID_NOT_FIT: gettext_lazy("Fick inte plats i dagens turer"),
    routing_solve.NOT_TOGETHER: gettext_lazy("Två personal kunde inte samordnas"),
    routing_solve.GAP_NOT_MET: gettext_lazy(
        "Tidsavståndet till föregående besök gick inte att hålla"
    ),
    "no_address": gettext_lazy("Patienten saknar koordinater för adressen"),
}


def reason_label(code: str) -> str:
    return str(REASONS.get(code, code))


# --- Clock ---------------------------------------------------------------------------------


def planning_day(now: datetime) -> date:
    """The planning day a moment belongs to: 03:00 is still last night's shift."""
    return (timezone.localtime(now) - timedelta(hours=DAY_STARTS_AT)).date()


def day_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(
        datetime.combine(day, datetime.min.time()).replace(hour=DAY_STARTS_AT)
    )
    following = timezone.make_aware(
        datetime.combine(day + timedelta(days=1), datetime.min.time()).replace(hour=DAY_STARTS_AT)
    )
    return start, following


def to_minutes(moment: datetime, day: date) -> int:
    """Real minutes since the day's local midnight (right across clock changes)."""
    return round((moment - day_midnight(day)).total_seconds() / 60)


def from_minutes(minutes: int, day: date) -> datetime:
    return timezone.localtime(day_midnight(day) + timedelta(minutes=minutes))


# --- Guards --------------------------------------------------------------------------------


def require_visiting_unit(staff: Staff, unit: Unit) -> None:
    """The unit-wide planning (shifts, generating and planning the day) is a home health
    unit's, by its own staff."""
    if unit is None or unit.kind != Unit.Kind.HOME_HEALTH_CARE:
        raise NotAllowed(_("Besöksplaneringen görs av hemsjukvården."))
    if not Membership.objects.filter(staff=staff, unit=unit).exists():
        raise NotAllowed(_("Du arbetar inte på %(unit)s.") % {"unit": unit.name})


def _log(staff: Staff, unit: Unit, visit: Visit, detail: str) -> None:
    access_log_record(
        staff=staff,
        unit=unit,
        patient=visit.episode.patient,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED,
        detail=f"visit {visit.pk}: {detail}",
    )


# --- Shifts --------------------------------------------------------------------------------


@transaction.atomic
def shift_save(
    *,
    by: Staff,
    unit: Unit,
    staff: Staff,
    day: date,
    starts: datetime,
    ends: datetime,
    latitude,
    longitude,
    skills: list[str] | None = None,
    travel_mode: str = TravelMode.CAR,
    break_from: datetime | None = None,
    break_until: datetime | None = None,
    break_minutes: int = 30,
    max_work_minutes: int | None = None,
) -> Shift:
    require_visiting_unit(by, unit)
    if not Membership.objects.filter(staff=staff, unit=unit).exists():
        raise HemmaError(_("%(name)s arbetar inte på enheten.") % {"name": staff.display_name})
    if ends <= starts:
        raise HemmaError(_("Passet måste sluta efter att det börjar."))
    if (break_from is None) != (break_until is None) or (
        break_from and not starts <= break_from <= break_until <= ends
    ):
        raise HemmaError(_("Lunchfönstret måste ligga inom passet."))
    skills = skills if skills is not None else DEFAULT_SKILLS.get(staff.profession, [])
    unknown = set(skills) - {s.value for s in SKILLS}
    if unknown:
        raise HemmaError(_("Okänd kompetens: %(skills)s") % {"skills": ", ".join(sorted(unknown))})
    shift, _created = Shift.objects.update_or_create(
        staff=staff,
        day=day,
        defaults={
            "unit": unit,
            "starts_at": starts,
            "ends_at": ends,
            "skills": list(skills),
            "travel_mode": travel_mode,
            "start_latitude": latitude,
            "start_longitude": longitude,
            "break_from": break_from,
            "break_until": break_until,
            "break_minutes": break_minutes,
            "max_work_minutes": max_work_minutes,
        },
    )
    return shift


@transaction.atomic
def shift_remove(*, by: Staff, unit: Unit, shift: Shift) -> None:
    require_visiting_unit(by, unit)
    if shift.unit_id != unit.pk:
        raise NotAllowed(_("Passet hör till en annan enhet."))
    Assignment.objects.filter(
        staff=shift.staff,
        visit__unit=unit,
        visit__day=shift.day,
        visit__status=Visit.Status.ASSIGNED,
    ).delete()
    _reopen_unassigned(unit, shift.day)
    shift.delete()


def _reopen_unassigned(unit: Unit, day: date) -> None:
    """Visits that lost a staff member go back to 'not planned'."""
    for visit in Visit.objects.filter(unit=unit, day=day, status=Visit.Status.ASSIGNED):
        if visit.assignments.count() < visit.staff_needed:
            visit.assignments.all().delete()
            visit.status = Visit.Status.PLANNED
            visit.save(update_fields=["status"])


# --- Visits from the agreement, and during the day ------------------------------------------------


def _duration(what: str) -> int:
    text = what.casefold()
    return 45 if "antibiotik" in text or "pump" in text else 30


def _day_of_stay(episode: Episode, day: date) -> int:
    if episode.at_home_since is None:
        return 1
    return max(1, (day - timezone.localdate(episode.at_home_since)).days + 1)


@transaction.atomic
def visits_generate(*, by: Staff, unit: Unit, day: date) -> int:
    """The day's visits from the current agreement of every episode the unit has (agreed,
    preparing or at home). Idempotent: an existing visit for the same episode, moment and
    skill is kept as it is (it may have been moved or done). Activities at the same moment
    for the same profession become one visit."""
    require_visiting_unit(by, unit)
    start, end = day_bounds(day)
    episodes = list(
        Episode.objects.filter(home_health_unit=unit, state__in=PLANNED_STATES)
        .filter(patient__in=health_record_patients_visible_to(by, unit))
        .select_related("patient")
    )
    current = AgreementVersion.objects.filter(
        agreement__episode__in=episodes, number=F("agreement__current_number")
    ).select_related("agreement")
    versions = {v.agreement.episode_id: v for v in current}
    created = 0
    for episode in episodes:
        version = versions.get(episode.pk)
        if version is None:
            continue
        merged: dict[tuple, list[str]] = {}
        for activity in version.activities:
            skill = visit_skill(activity.get("who", ""), activity.get("what", ""))
            if skill is None:
                continue
            for offset in (0, 1):
                when_day = day + timedelta(days=offset)
                for window in visit_windows(
                    activity.get("when", ""), when_day, _day_of_stay(episode, when_day)
                ):
                    if start <= window[0] < end:
                        text = activity.get("what", "").strip()
                        key = (window, skill, needs_two_staff(text, activity.get("who", "")))
                        merged.setdefault(key, []).append(text)
        for ((window_start, window_end), skill, double), texts in merged.items():
            key = f"{episode.pk}:{window_start.astimezone(UTC).isoformat()}:{skill}"
            if Visit.objects.filter(source_key=key).exists():
                continue
            what = "; ".join(dict.fromkeys(texts))
            Visit.objects.create(
                unit=unit,
                episode=episode,
                day=day,
                what=what[:500],
                window_start=window_start,
                window_end=window_end,
                duration_minutes=max(_duration(t) for t in texts),
                skill=skill,
                staff_needed=2 if double else 1,
                source=Visit.Source.AGREEMENT,
                source_key=key,
                created_by=by,
            )
            created += 1
    # The agreements of these patients were read: one entry each.
    access_log_record_many(
        staff=by,
        unit=unit,
        patients=[episode.patient for episode in episodes],
        action=AccessLogEntry.Action.LIST_PATIENTS,
        detail=f"visits generated for {day}: {created} new",
    )
    return created


@transaction.atomic
def visit_add(
    *,
    by: Staff,
    unit: Unit,
    episode: Episode,
    day: date,
    what: str,
    window_start: datetime,
    window_end: datetime,
    duration_minutes: int,
    skill: str,
    staff_needed: int = 1,
    priority: int = Visit.Priority.NORMAL,
    follows: Visit | None = None,
    min_gap_minutes: int | None = None,
    max_gap_minutes: int | None = None,
) -> Visit:
    """An ad-hoc visit during the day (after an alert, for a sample, on request)."""
    require_visiting_unit(by, unit)
    require_action(staff=by, unit=unit, action="plan_visits", episode=episode)
    if episode.home_health_unit_id != unit.pk or not episode.is_open:
        raise HemmaError(_("Patienten har inget pågående vårdtillfälle hos enheten."))
    if window_end < window_start:
        raise HemmaError(_("Tidsfönstret slutar innan det börjar."))
    start, end = day_bounds(day)
    if not start <= window_start < end:
        raise HemmaError(_("Tidsfönstret måste börja under planeringsdagen (06–06)."))
    if staff_needed not in (1, 2):
        raise HemmaError(_("Ett besök görs av en eller två personal."))
    if follows is not None:
        if follows.episode_id != episode.pk or follows.day != day:
            raise HemmaError(_("Besöket kan bara följa ett besök hos samma patient samma dag."))
        if min_gap_minutes is None or max_gap_minutes is None or max_gap_minutes < min_gap_minutes:
            raise HemmaError(_("Ange minsta och största tid efter det föregående besöket."))
    visit = Visit.objects.create(
        unit=unit,
        episode=episode,
        day=day,
        what=what,
        window_start=window_start,
        window_end=window_end,
        duration_minutes=duration_minutes,
        skill=skill,
        staff_needed=staff_needed,
        priority=priority,
        source=Visit.Source.AD_HOC,
        follows=follows,
        min_gap_minutes=min_gap_minutes if follows else None,
        max_gap_minutes=max_gap_minutes if follows else None,
        created_by=by,
    )
    _log(by, unit, visit, "ad-hoc visit added")
    return visit


@transaction.atomic
def visit_cancel(*, by: Staff, unit: Unit, visit: Visit, reason: str) -> Visit:
    require_visiting_unit(by, unit)
    visit = Visit.objects.select_for_update().select_related("episode__patient").get(pk=visit.pk)
    if visit.unit_id != unit.pk:
        raise NotAllowed(_("Besöket hör till en annan enhet."))
    require_action(staff=by, unit=unit, action="plan_visits", episode=visit.episode)
    if not visit.is_open:
        raise HemmaError(_("Besöket är redan påbörjat eller avslutat."))
    if not reason.strip():
        raise HemmaError(_("Ange varför besöket ställs in."))
    visit.assignments.all().delete()
    visit.status = Visit.Status.CANCELLED
    visit.note = reason.strip()
    visit.save(update_fields=["status", "note"])
    _log(by, unit, visit, "cancelled")
    return visit


# --- Planning ------------------------------------------------------------------------------


@dataclass
class DayProblem:
    problem: Problem
    visits: dict[str, Visit]  # routing id -> visit
    shifts: dict[str, Shift]  # routing id -> shift
    warnings: list[str]
    no_address: list[Visit]

    @property
    def all_visits(self) -> list[Visit]:
        return [*self.visits.values(), *self.no_address]


def visit_key(pk: int) -> str:
    return f"v{pk}"


def staff_key(pk: int) -> str:
    return f"s{pk}"


def key_pk(key: str) -> int:
    return int(key[1:])


def _location(latitude, longitude) -> tuple[float, float]:
    return (round(float(latitude), 6), round(float(longitude), 6))


def build_problem(unit: Unit, day: date, visits=None, patients=None) -> DayProblem:
    """The routing problem of the day: shifts as workers, open visits as visits. A planner
    passes `patients`, the policy's list of patients the unit may list: the visits of
    anyone else stay out of the plan (and out of its warnings)."""
    shifts = {
        staff_key(s.staff_id): s
        for s in Shift.objects.filter(unit=unit, day=day).select_related("staff__user")
    }
    if visits is None:
        visits = Visit.objects.filter(unit=unit, day=day).exclude(status=Visit.Status.CANCELLED)
        if patients is not None:
            visits = visits.filter(episode__patient__in=patients)
        visits = list(visits.select_related("episode__patient"))
    workers = []
    for key, shift in shifts.items():
        lunch = shift.break_from is not None
        workers.append(
            Worker(
                id=key,
                start=_location(shift.start_latitude, shift.start_longitude),
                end=_location(shift.start_latitude, shift.start_longitude),
                shift_start=to_minutes(shift.starts_at, day),
                shift_end=to_minutes(shift.ends_at, day),
                skills=frozenset(shift.skills),
                mode=shift.travel_mode,
                break_earliest=to_minutes(shift.break_from, day) if lunch else None,
                break_latest=to_minutes(shift.break_until, day) if lunch else None,
                break_minutes=shift.break_minutes if lunch else 0,
                max_work=shift.max_work_minutes,
            )
        )
    routed, no_address = {}, []
    for visit in visits:
        patient = visit.episode.patient
        if patient.latitude is None or patient.longitude is None:
            no_address.append(visit)
            continue
        routed[visit_key(visit.pk)] = visit
    known = _last_visitor(routed.values())
    routing_visits = [
        RoutingVisit(
            id=key,
            location=_location(v.episode.patient.latitude, v.episode.patient.longitude),
            earliest=to_minutes(v.window_start, day),
            latest=to_minutes(v.window_end, day),
            duration=v.duration_minutes,
            skills=frozenset({v.skill}),
            staff=v.staff_needed,
            priority=v.priority,
            preferred=staff_key(v.preferred_staff_id or known.get(v.episode_id) or 0),
        )
        for key, v in routed.items()
    ]
    gaps = [
        Gap(visit_key(v.follows_id), key, v.min_gap_minutes, v.max_gap_minutes)
        for key, v in routed.items()
        if v.follows_id and visit_key(v.follows_id) in routed
    ]
    problem = Problem(routing_visits, workers, gaps=gaps)
    warnings = []
    keys = problem.keys()
    towns = settings.HEMMA_URBAN_AREAS
    problem.travel, warning = travel_matrix(keys, settings.HEMMA_OSRM_URL, "car", towns)
    if warning:
        warnings.append(_("Vägnätet kunde inte nås (%(error)s).") % {"error": warning})
    for mode in {w.mode for w in workers} - {TravelMode.CAR}:
        problem.mode_travel[mode], _warning = travel_matrix(keys, "", mode, towns)
    return DayProblem(problem, routed, shifts, [str(w) for w in warnings], no_address)


def _last_visitor(visits) -> dict[int, int]:
    """Continuity: per episode, the staff member who last did a visit there (one query)."""
    episodes = {v.episode_id for v in visits}
    last: dict[int, int] = {}
    done = (
        Visit.objects.filter(episode_id__in=episodes, status=Visit.Status.DONE)
        .exclude(done_by=None)
        .order_by("episode_id", "-done_at")
        .values_list("episode_id", "done_by_id")
    )
    for episode_id, staff_id in done:
        last.setdefault(episode_id, staff_id)
    return last


def _current_plan(day_problem: DayProblem, day: date, unit: Unit | None = None) -> Plan:
    """The plan as stored (assignments and the last run's breaks), in routing terms."""
    routes: dict[str, list[Stop]] = {key: [] for key in day_problem.shifts}
    for assignment in Assignment.objects.filter(
        visit__in=list(day_problem.visits.values())
    ).order_by("staff_id", "position"):
        key = staff_key(assignment.staff_id)
        if key in routes:
            routes[key].append(
                Stop(
                    visit_key(assignment.visit_id),
                    to_minutes(assignment.planned_arrival, day),
                    to_minutes(assignment.planned_start, day),
                )
            )
    breaks = {}
    latest = PlanRun.objects.filter(unit=unit, day=day).first() if unit else None
    for key, value in (latest.breaks if latest else {}).items():
        if key in routes:
            start = to_minutes(datetime.fromisoformat(value), day)
            # the break comes after the visits that start before it
            breaks[key] = (sum(1 for stop in routes[key] if stop.start < start), start)
    return Plan(routes=routes, unassigned={}, breaks=breaks)


NO_SHIFTS = gettext_lazy("Inga arbetspass den dagen: lägg in personalens pass först.")


def _check_time_limit(seconds: float) -> None:
    if not 0.5 <= seconds <= MAX_SECONDS:
        raise HemmaError(
            _("Välj en tidsgräns mellan 1 och %(max)s sekunder.") % {"max": MAX_SECONDS}
        )


def plan_day_request(*, by: Staff, unit: Unit, day: date, seconds: float = 5.0):
    """Hand the planning of the day to the worker (`hemma monitor`): the request answers at
    once and the page polls the job. What can be checked at once is checked here; a
    second click while the day is being planned returns the job already running."""
    from hemma.jobs.models import Job
    from hemma.jobs.services import job_enqueue

    require_visiting_unit(by, unit)
    _check_time_limit(seconds)
    if not Shift.objects.filter(unit=unit, day=day).exists():
        raise HemmaError(str(NO_SHIFTS))
    return job_enqueue(
        staff=by,
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
    *, by: Staff, unit: Unit, day: date, seconds: float = 5.0, progress=None, stage=None
) -> PlanRun:
    """Plan (or replan) the day. Visits already arrived at or done stay where they are, and
    during the day everything started by now is kept; the rest is planned again.

    Three steps, so that the database is never held while the solver works (up to a
    minute): read the day, solve outside any transaction, then store the plan in one short
    transaction that first checks that the day is still what was solved – a visit or shift
    changed meanwhile means nothing is stored and the planner is asked to plan again.
    `progress(round, rounds)` follows the solver; `stage(text)` each step (the job's page)."""
    require_visiting_unit(by, unit)
    _check_time_limit(seconds)
    if stage:
        stage(_("Läser dagens besök och arbetspass…"))
    inputs = _plan_inputs(by, unit, day)
    if stage:
        stage(_("Söker de bästa turerna (högst %(s)s s)…") % {"s": seconds})
    plan, took = _plan_solve(inputs, seconds, progress)
    if stage:
        stage(_("Sparar planen…"))
    return _plan_apply(by, unit, day, inputs, plan, took)


def _plan_inputs(by: Staff, unit: Unit, day: date) -> DayInputs:
    patients = health_record_patients_visible_to(by, unit)
    # The state first: a change made while the problem is read then shows up as a change.
    state = _day_state(unit, day, patients)
    day_problem = build_problem(unit, day, patients=patients)
    if not day_problem.shifts:
        raise HemmaError(str(NO_SHIFTS))
    locked = {
        key
        for key, v in day_problem.visits.items()
        if v.status in (Visit.Status.ARRIVED, Visit.Status.DONE)
    }
    now = to_minutes(timezone.now(), day)
    replanning = locked or any(
        w.shift_start <= now <= w.shift_end for w in day_problem.problem.workers
    )
    stored = _current_plan(day_problem, day, unit) if replanning else None
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
    by: Staff, unit: Unit, day: date, inputs: DayInputs, plan: Plan, took: float
) -> PlanRun:
    """Store the plan if the day is still what was solved; one short transaction."""
    require_visiting_unit(by, unit)
    day_problem = inputs.day_problem
    state = _day_state(unit, day, health_record_patients_visible_to(by, unit), lock=True)
    stale, added = _changes(inputs.state, state)
    if stale:
        raise HemmaError(
            _(
                "Dagen ändrades medan planen räknades fram (%(what)s). Inget sparades – "
                "planera dagen igen."
            )
            % {"what": ", ".join(stale)}
        )
    warnings = day_problem.warnings + routing_check.violations(day_problem.problem, plan)
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
    _store(day_problem, plan, day, keep=inputs.locked)
    run = PlanRun.objects.create(
        unit=unit,
        day=day,
        by=by,
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
        staff=by,
        unit=unit,
        patients=[visit.episode.patient for visit in day_problem.all_visits],
        action=AccessLogEntry.Action.LIST_PATIENTS,
        detail=f"visits planned for {day}: {run.planned} planned, {run.unassigned} not",
    )
    return run


def _store(day_problem: DayProblem, plan: Plan, day: date, keep: set[str]) -> None:
    visits = day_problem.visits
    Assignment.objects.filter(visit__in=[v for k, v in visits.items() if k not in keep]).delete()
    travel_of = {}
    workers = {w.id: w for w in day_problem.problem.workers}
    locations = {v.id: v.location for v in day_problem.problem.visits}
    for worker_id, stops in plan.routes.items():
        here = workers[worker_id].start
        matrix = day_problem.problem.matrix_for(workers[worker_id])
        for position, stop in enumerate(stops):
            location = locations[stop.visit_id]
            travel_of[(worker_id, stop.visit_id)] = matrix[here][location]
            here = location
            if stop.visit_id in keep:
                Assignment.objects.filter(
                    visit_id=key_pk(stop.visit_id), staff_id=key_pk(worker_id)
                ).update(position=position)
                continue
            Assignment.objects.create(
                visit=visits[stop.visit_id],
                staff_id=key_pk(worker_id),
                position=position,
                planned_arrival=from_minutes(stop.arrival, day),
                planned_start=from_minutes(stop.start, day),
                travel_minutes=travel_of[(worker_id, stop.visit_id)],
            )
    for key, visit in visits.items():
        if key in keep:
            continue
        reason = plan.unassigned.get(key, "")
        visit.status = Visit.Status.PLANNED if reason else Visit.Status.ASSIGNED
        visit.unassigned_reason = reason
        visit.save(update_fields=["status", "unassigned_reason"])
    for visit in day_problem.no_address:
        if visit.is_open:
            visit.assignments.all().delete()
            visit.status = Visit.Status.PLANNED
            visit.unassigned_reason = "no_address"
            visit.save(update_fields=["status", "unassigned_reason"])


@transaction.atomic
def visit_move(
    *, by: Staff, unit: Unit, visit: Visit, from_staff: Staff | None, to_staff: Staff, position: int
) -> list[str]:
    """A manual move: the visit (one staff member's part of it) to another place in a route.
    The new routes are timed again and the whole day checked; what breaks is returned as
    warnings (the planner decides), never silently accepted."""
    require_visiting_unit(by, unit)
    visit = Visit.objects.select_for_update().select_related("episode").get(pk=visit.pk)
    if visit.unit_id != unit.pk:
        raise NotAllowed(_("Besöket hör till en annan enhet."))
    require_action(staff=by, unit=unit, action="plan_visits", episode=visit.episode)
    if not visit.is_open:
        raise HemmaError(_("Besöket är redan påbörjat eller avslutat och kan inte flyttas."))
    day = visit.day
    day_problem = build_problem(unit, day, patients=health_record_patients_visible_to(by, unit))
    to_key = staff_key(to_staff.pk)
    if to_key not in day_problem.shifts:
        raise HemmaError(_("%(name)s har inget pass den dagen.") % {"name": to_staff.display_name})
    plan = _current_plan(day_problem, day, unit)
    routes = {key: [s.visit_id for s in stops] for key, stops in plan.routes.items()}
    key = visit_key(visit.pk)
    if from_staff is not None and key in routes.get(staff_key(from_staff.pk), []):
        routes[staff_key(from_staff.pk)].remove(key)
    elif from_staff is None and visit.staff_needed == 1:
        for ids in routes.values():
            if key in ids:
                ids.remove(key)
    if key in routes[to_key]:
        routes[to_key].remove(key)
    position = max(0, min(position, len(routes[to_key])))
    routes[to_key].insert(position, key)
    problem = day_problem.problem
    workers = {w.id: w for w in problem.workers}
    stops, breaks = {}, {}
    for worker_id, ids in routes.items():
        worker = workers[worker_id]
        after = None
        if worker.needs_break and ids:
            after = routing_solve.place_break(problem, worker, ids)
            if after is None:
                after = len(ids)
        line = routing_check.timeline(problem, worker, ids, after)
        stops[worker_id] = line.stops
        if after is not None:
            breaks[worker_id] = (after, line.break_start)
    assigned = {s.visit_id for route in stops.values() for s in route}
    unassigned = {
        k: v.unassigned_reason or "did_not_fit"
        for k, v in day_problem.visits.items()
        if k not in assigned
    }
    new_plan = Plan(routes=stops, unassigned=unassigned, breaks=breaks)
    new_plan.travel_minutes = routing_check.route_travel(problem, new_plan)
    warnings = _explain(routing_check.violations(problem, new_plan), day_problem)
    keep = {k for k, v in day_problem.visits.items() if not v.is_open}
    _store(day_problem, new_plan, day, keep=keep)
    PlanRun.objects.create(
        unit=unit,
        day=day,
        by=by,
        seconds=0,
        solver="manual",
        travel_minutes=new_plan.travel_minutes,
        planned=len(assigned),
        unassigned=len(unassigned) + len(day_problem.no_address),
        warnings=warnings,
        breaks={k: from_minutes(b[1], day).isoformat() for k, b in breaks.items()},
    )
    _log(by, unit, visit, f"moved to {to_staff.hsa_id} position {position}")
    return warnings


def _explain(problems: list[str], day_problem: DayProblem) -> list[str]:
    """The checker's findings with visit and staff ids replaced by what people recognise."""
    names = {
        key: f"{v.episode.patient.full_name} ({v.what[:40]})"
        for key, v in day_problem.visits.items()
    }
    names |= {key: s.staff.display_name for key, s in day_problem.shifts.items()}
    explained = []
    for problem in problems:
        words = [names.get(word.strip(":,'s"), word) for word in problem.split(" ")]
        explained.append(" ".join(words))
    return explained


# --- The run sheet: arrived, done ----------------------------------------------------------------


EARLY_LIMIT = timedelta(hours=12)  # a visit is not begun more than 12 h before its window


def _own_assignment(staff: Staff, visit: Visit) -> Assignment:
    assignment = visit.assignments.filter(staff=staff).first()
    if assignment is None:
        raise NotAllowed(_("Besöket finns inte på din körlista."))
    if visit.window_start - EARLY_LIMIT > timezone.now():
        when = timezone.localtime(visit.window_start).strftime("%Y-%m-%d %H:%M")
        raise HemmaError(_("Besöket är inte förrän %(when)s.") % {"when": when})
    return assignment


def _require_recording(by: Staff, unit: Unit, visit: Visit) -> None:
    if visit.unit_id != unit.pk:
        raise NotAllowed(_("Besöket hör till en annan enhet."))
    require_action(staff=by, unit=unit, action="record_visit", episode=visit.episode)


@transaction.atomic
def visit_arrive(*, by: Staff, unit: Unit, visit: Visit) -> Visit:
    visit = Visit.objects.select_for_update().select_related("episode__patient").get(pk=visit.pk)
    _require_recording(by, unit, visit)
    _own_assignment(by, visit)
    if visit.status not in (Visit.Status.ASSIGNED, Visit.Status.ARRIVED):
        raise HemmaError(_("Besöket är inte planerat eller redan utfört."))
    if visit.status == Visit.Status.ASSIGNED:
        visit.status = Visit.Status.ARRIVED
        visit.arrived_at = timezone.now()
        visit.save(update_fields=["status", "arrived_at"])
        _log(by, unit, visit, "arrived")
    return visit


@transaction.atomic
def visit_done(*, by: Staff, unit: Unit, visit: Visit, note: str = "") -> Visit:
    visit = Visit.objects.select_for_update().select_related("episode__patient").get(pk=visit.pk)
    _require_recording(by, unit, visit)
    _own_assignment(by, visit)
    if visit.status not in (Visit.Status.ASSIGNED, Visit.Status.ARRIVED):
        raise HemmaError(_("Besöket är inte planerat eller redan utfört."))
    now = timezone.now()
    visit.arrived_at = visit.arrived_at or now
    visit.status = Visit.Status.DONE
    visit.done_at = now
    visit.done_by = by
    if note.strip():
        visit.note = note.strip()
    visit.save(update_fields=["status", "arrived_at", "done_at", "done_by", "note"])
    _log(by, unit, visit, "done")
    return visit
