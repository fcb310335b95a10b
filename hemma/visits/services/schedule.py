"""The day's schedule as the planner shapes it: staff shifts (`shift_save`,
`shift_remove`), the day's visits from the agreements (`visits_generate`), an ad-hoc visit
(`visit_add`), cancelling a visit (`visit_cancel`) and moving one by hand in a route
(`visit_move`, checked like a plan). Planning the whole day is `planning.py`."""

from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record_many
from hemma.careplans.models import AgreementVersion
from hemma.episodes.models import Episode
from hemma.errors import HemmaError, NotAllowed
from hemma.medication.selectors import doses_between, with_doses
from hemma.patients.policy import health_record_patients_visible_to, require_action
from hemma.routing import check as routing_check
from hemma.routing import solve as routing_solve
from hemma.routing.model import Plan
from hemma.routing.visits import needs_two_staff, visit_skill, visit_windows

from ..models import SKILLS, Assignment, PlanRun, Shift, TravelMode, Visit
from .common import PLANNED_STATES, day_bounds, from_minutes, log_visit, require_visiting_unit
from .problem import build_problem, current_plan, explain, staff_key, store_plan, visit_key

DEFAULT_SKILLS = {
    Staff.Profession.NURSE: [Staff.Profession.NURSE],
    Staff.Profession.ASSISTANT_NURSE: [Staff.Profession.ASSISTANT_NURSE],
    Staff.Profession.PHYSIOTHERAPIST: [Staff.Profession.PHYSIOTHERAPIST],
    Staff.Profession.OCCUPATIONAL_THERAPIST: [Staff.Profession.OCCUPATIONAL_THERAPIST],
    Staff.Profession.SPEECH_THERAPIST: [Staff.Profession.SPEECH_THERAPIST],
}


# --- Shifts --------------------------------------------------------------------------------


@transaction.atomic
def shift_save(
    *,
    staff: Staff,
    unit: Unit,
    worker: Staff,
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
    """The planner (`staff`) sets the shift of `worker`, a member of the unit, for the day
    (one shift per person and day: saving again updates it)."""
    require_visiting_unit(staff, unit)
    if not Membership.objects.filter(staff=worker, unit=unit).exists():
        raise HemmaError(_("%(name)s arbetar inte på enheten.") % {"name": worker.display_name})
    if ends <= starts:
        raise HemmaError(_("Passet måste sluta efter att det börjar."))
    if (break_from is None) != (break_until is None) or (
        break_from and not starts <= break_from <= break_until <= ends
    ):
        raise HemmaError(_("Lunchfönstret måste ligga inom passet."))
    skills = skills if skills is not None else DEFAULT_SKILLS.get(worker.profession, [])
    unknown = set(skills) - {s.value for s in SKILLS}
    if unknown:
        raise HemmaError(_("Okänd kompetens: %(skills)s") % {"skills": ", ".join(sorted(unknown))})
    shift, _created = Shift.objects.update_or_create(
        staff=worker,
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
def shift_remove(*, staff: Staff, unit: Unit, shift: Shift) -> None:
    require_visiting_unit(staff, unit)
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


# --- Visits from the agreement, and during the day ------------------------------------------


def _duration(what: str) -> int:
    text = what.casefold()
    return 45 if "antibiotik" in text or "pump" in text else 30


def _day_of_stay(episode: Episode, day: date) -> int:
    if episode.at_home_since is None:
        return 1
    return max(1, (day - timezone.localdate(episode.at_home_since)).days + 1)


@transaction.atomic
def visits_generate(*, staff: Staff, unit: Unit, day: date) -> int:
    """The day's visits from the current agreement of every episode the unit has (agreed,
    preparing or at home). Idempotent: an existing visit for the same episode, moment and
    skill is kept as it is (it may have been moved or done). Activities at the same moment
    for the same profession become one visit."""
    require_visiting_unit(staff, unit)
    start, end = day_bounds(day)
    episodes = list(
        Episode.objects.filter(home_health_unit=unit, state__in=PLANNED_STATES)
        .filter(patient__in=health_record_patients_visible_to(staff, unit))
        .select_related("patient")
    )
    current = AgreementVersion.objects.filter(
        agreement__episode__in=episodes, number=F("agreement__current_number")
    ).select_related("agreement")
    versions = {v.agreement.episode_id: v for v in current}
    # A visit at a dose's time names the drug and dose of the current medication list.
    doses = doses_between(episodes, start - timedelta(hours=1), end + timedelta(hours=1))
    created = 0
    for episode in episodes:
        version = versions.get(episode.pk)
        if version is None:
            continue
        merged: dict[tuple, list[str]] = {}
        for activity in version.activities:
            skill = visit_skill(activity.get("who", ""), activity.get("what", ""), unit.kind)
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
            what = with_doses(what, doses.get(episode.pk, []), window_start, window_end)
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
                created_by=staff,
            )
            created += 1
    # The agreements of these patients were read: one entry each.
    access_log_record_many(
        staff=staff,
        unit=unit,
        patients=[episode.patient for episode in episodes],
        action=AccessLogEntry.Action.LIST_PATIENTS,
        detail=f"visits generated for {day}: {created} new",
    )
    return created


@transaction.atomic
def visit_add(
    *,
    staff: Staff,
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
    require_visiting_unit(staff, unit)
    require_action(staff=staff, unit=unit, action="plan_visits", episode=episode)
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
        created_by=staff,
    )
    log_visit(staff, unit, visit, "ad-hoc visit added")
    return visit


@transaction.atomic
def visit_cancel(*, staff: Staff, unit: Unit, visit: Visit, reason: str) -> Visit:
    require_visiting_unit(staff, unit)
    visit = Visit.objects.select_for_update().select_related("episode__patient").get(pk=visit.pk)
    if visit.unit_id != unit.pk:
        raise NotAllowed(_("Besöket hör till en annan enhet."))
    require_action(staff=staff, unit=unit, action="plan_visits", episode=visit.episode)
    if not visit.is_open:
        raise HemmaError(_("Besöket är redan påbörjat eller avslutat."))
    if not reason.strip():
        raise HemmaError(_("Ange varför besöket ställs in."))
    visit.assignments.all().delete()
    visit.status = Visit.Status.CANCELLED
    visit.note = reason.strip()
    visit.save(update_fields=["status", "note"])
    log_visit(staff, unit, visit, "cancelled")
    return visit


# --- A manual move ---------------------------------------------------------------------------


@transaction.atomic
def visit_move(
    *,
    staff: Staff,
    unit: Unit,
    visit: Visit,
    from_staff: Staff | None,
    to_staff: Staff,
    position: int,
) -> list[str]:
    """A manual move: the visit (one staff member's part of it) to another place in a route.
    The new routes are timed again and the whole day checked; what breaks is returned as
    warnings (the planner decides), never silently accepted."""
    require_visiting_unit(staff, unit)
    visit = Visit.objects.select_for_update().select_related("episode").get(pk=visit.pk)
    if visit.unit_id != unit.pk:
        raise NotAllowed(_("Besöket hör till en annan enhet."))
    require_action(staff=staff, unit=unit, action="plan_visits", episode=visit.episode)
    if not visit.is_open:
        raise HemmaError(_("Besöket är redan påbörjat eller avslutat och kan inte flyttas."))
    day = visit.day
    day_problem = build_problem(unit, day, patients=health_record_patients_visible_to(staff, unit))
    to_key = staff_key(to_staff.pk)
    if to_key not in day_problem.shifts:
        raise HemmaError(_("%(name)s har inget pass den dagen.") % {"name": to_staff.display_name})
    plan = current_plan(day_problem, day, unit)
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
    warnings = explain(routing_check.findings(problem, new_plan), day_problem, day)
    keep = {k for k, v in day_problem.visits.items() if not v.is_open}
    store_plan(day_problem, new_plan, day, keep=keep)
    PlanRun.objects.create(
        unit=unit,
        day=day,
        by=staff,
        seconds=0,
        solver="manual",
        travel_minutes=new_plan.travel_minutes,
        planned=len(assigned),
        unassigned=len(unassigned) + len(day_problem.no_address),
        warnings=warnings,
        breaks={k: from_minutes(b[1], day).isoformat() for k, b in breaks.items()},
    )
    log_visit(staff, unit, visit, f"moved to {to_staff.hsa_id} position {position}")
    return warnings
