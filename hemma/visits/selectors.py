"""Reads for the planner, its map and the run sheet, scoped by the access policy: the
acting unit's own visits and shifts (the run sheet: the staff member's own visits) of
patients whose health record the unit may list (`health_record_patients_visible_to`), so
a revoked sharing consent takes a patient off the planner, the map and the run sheet at
once. The views log one entry per patient shown.

The visits' documentation is read by others too: the ward's round and the episode page
(`visit_notes_for_episodes`, `episode_visits`). It is the visiting unit's documentation,
so a block (spärr) of that unit hides it (`without_blocked_visits`)."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode
from hemma.medication.selectors import current_items_by_episode, medication_blocks
from hemma.patients.policy import (
    any_block_applies,
    blocked_documentation,
    health_record_patients_visible_to,
)

from . import maps, services
from .models import Assignment, PlanRun, Shift, Visit
from .services import reason_label

STARTED_OR_DOCUMENTED = (Visit.Status.ARRIVED, Visit.Status.DONE, Visit.Status.NOT_DONE)
DOCUMENTED = (Visit.Status.DONE, Visit.Status.NOT_DONE)
LATE_AFTER = timedelta(minutes=15)  # not arrived 15 min after the planned start: late


@dataclass
class Row:
    visit: Visit
    assignment: Assignment
    late: bool
    slack_minutes: int  # how much later the visit could start and still be in its window
    partners: list[Staff] = field(default_factory=list)  # the other staff on a double visit


@dataclass
class Route:
    shift: Shift
    rows: list[Row]
    travel_minutes: int
    break_start: object = None

    @property
    def visit_count(self) -> int:
        return len(self.rows)


def _is_late(visit: Visit, assignment: Assignment, now) -> bool:
    return visit.status == Visit.Status.ASSIGNED and now > assignment.planned_start + LATE_AFTER


def planning_episodes(staff: Staff | None, unit: Unit) -> list[Episode]:
    """The episodes the unit visits and may add a visit to (the planner's patient choice)."""
    return list(
        Episode.objects.filter(home_health_unit=unit, state__in=services.PLANNED_STATES)
        .filter(patient__in=health_record_patients_visible_to(staff, unit))
        .select_related("patient")
        .order_by("patient__last_name", "patient__first_name")
    )


def visible_visits(staff: Staff | None, unit: Unit):
    """The unit's own visits of patients it may list."""
    return Visit.objects.filter(
        unit=unit, episode__patient__in=health_record_patients_visible_to(staff, unit)
    )


def planner_board(staff: Staff | None, unit: Unit, day: date) -> dict:
    """Everything the planner page (and its map) shows, in a fixed number of queries."""
    now = timezone.now()
    shifts = list(Shift.objects.filter(unit=unit, day=day).select_related("staff__user"))
    visits = list(
        visible_visits(staff, unit)
        .filter(day=day)
        .select_related("episode__patient")
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("staff__user"))
        )
    )
    latest = PlanRun.objects.filter(unit=unit, day=day).select_related("by__user").first()
    by_staff: dict[int, list[Row]] = {s.staff_id: [] for s in shifts}
    for visit in visits:
        assignments = list(visit.assignments.all())
        for assignment in assignments:
            slack = int((visit.window_end - assignment.planned_start).total_seconds() // 60)
            partners = [a.staff for a in assignments if a.staff_id != assignment.staff_id]
            row = Row(visit, assignment, _is_late(visit, assignment, now), slack, partners)
            by_staff.setdefault(assignment.staff_id, []).append(row)
    breaks = latest.breaks if latest else {}
    routes = []
    for shift in shifts:
        rows = sorted(by_staff.get(shift.staff_id, []), key=lambda r: r.assignment.position)
        travel = sum(r.assignment.travel_minutes for r in rows)
        start = breaks.get(services.staff_key(shift.staff_id))
        routes.append(
            Route(shift, rows, travel, timezone.localtime(_parse(start)) if start else None)
        )
    unplanned = [v for v in visits if v.is_open and not v.assignments.all()]
    for visit in unplanned:
        visit.reason_label = (
            reason_label(visit.unassigned_reason) if visit.unassigned_reason else ""
        )
    done = [v for v in visits if v.status in STARTED_OR_DOCUMENTED]
    cancelled = [v for v in visits if v.status == Visit.Status.CANCELLED]
    return {
        "routes": routes,
        "unplanned": unplanned,
        "done": done,
        "cancelled": cancelled,
        "visits": visits,
        "latest": latest,
        "late": [r for route in routes for r in route.rows if r.late],
        "map": _map(routes, unplanned),
        "total_travel": sum(r.travel_minutes for r in routes),
    }


def _parse(value):
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value)


def _map(routes: list[Route], unplanned: list[Visit]) -> maps.RouteMap:
    drawn = []
    for route in routes:
        base = (float(route.shift.start_latitude), float(route.shift.start_longitude))
        points, numbers = [base], []
        for number, row in enumerate(route.rows, start=1):  # the run sheet's numbers
            patient = row.visit.episode.patient
            if patient.latitude is not None:
                points.append((float(patient.latitude), float(patient.longitude)))
                numbers.append(number)
        points.append(base)
        drawn.append((route.shift.staff.display_name, points, numbers))
    loose = [
        (float(v.episode.patient.latitude), float(v.episode.patient.longitude), v.what[:30])
        for v in unplanned
        if v.episode.patient.latitude is not None
    ]
    return maps.route_map(drawn, loose)


def run_sheet(staff: Staff, unit: Unit, day: date) -> list[dict]:
    """The staff member's own visits of the day in order, with what the visit needs, for
    patients whose health record the unit may list."""
    now = timezone.now()
    assignments = list(
        Assignment.objects.filter(staff=staff, visit__day=day, visit__unit=unit)
        .filter(visit__episode__patient__in=health_record_patients_visible_to(staff, unit))
        .exclude(visit__status=Visit.Status.CANCELLED)
        .select_related("visit__episode__patient")
        .prefetch_related(
            Prefetch(
                "visit__assignments", queryset=Assignment.objects.select_related("staff__user")
            )
        )
        .order_by("position")
    )
    episodes = {a.visit.episode_id for a in assignments}
    # The current medication list (hemma.medication), not a care request's frozen copy.
    medication = current_items_by_episode(episodes, day)
    withheld = _medication_withheld(staff, unit, [a.visit.episode for a in assignments])
    for episode_id in withheld:
        medication.pop(episode_id, None)
    rows = []
    for assignment in assignments:
        visit = assignment.visit
        rows.append(
            {
                "visit": visit,
                "assignment": assignment,
                "patient": visit.episode.patient,
                "late": _is_late(visit, assignment, now),
                "medication": medication.get(visit.episode_id, []),
                "medication_blocked": visit.episode_id in withheld,
                "partners": [a.staff for a in visit.assignments.all() if a.staff_id != staff.pk],
            }
        )
    return rows


def _medication_withheld(staff: Staff, unit: Unit, episodes) -> set[int]:
    """Episodes whose list the patient blocked from this unit's care provider and whose
    ward sent this unit no live care request (docs/blocking.md, "Medication"): the run
    sheet leaves their list out, as the medication page does."""
    if not any_block_applies(acting_unit=unit):
        return set()
    withheld = set()
    for episode in {e.pk: e for e in episodes}.values():
        blocks = medication_blocks(staff, unit, episode)
        if blocks.hidden and not blocks.requests:
            withheld.add(episode.pk)
    return withheld


def without_blocked_visits(visits, staff: Staff | None, unit: Unit | None):
    """A Visit queryset without the visits whose unit the patient has blocked from this
    staff member (a visit is the visiting unit's documentation)."""
    if unit is None or not any_block_applies(acting_unit=unit):
        return visits
    return visits.exclude(
        blocked_documentation(
            staff=staff, acting_unit=unit, patient_ref="episode__patient_id", unit_ref="unit_id"
        )
    )


def visit_notes_for_episodes(
    staff: Staff | None, unit: Unit, episode_ids, day: date
) -> dict[int, list[Visit]]:
    """The planning day's documented visits (done or not done, with note, reason and
    concern) of many episodes – the ward's round, the same day – by episode id, in a
    constant number of queries: one, plus one to see whether any block exists. Only
    patients whose health record the unit may list; blocked visiting units left out."""
    visits = (
        Visit.objects.filter(episode_id__in=list(episode_ids), day=day, status__in=DOCUMENTED)
        .filter(episode__patient__in=health_record_patients_visible_to(staff, unit))
        .select_related("unit", "done_by__user", "concern_alert")
        .order_by("done_at", "pk")
    )
    notes: dict[int, list[Visit]] = {}
    for visit in without_blocked_visits(visits, staff, unit):
        notes.setdefault(visit.episode_id, []).append(visit)
    return notes


def episode_visits(
    staff: Staff | None, unit: Unit, episode: Episode, hidden: frozenset[int]
) -> dict:
    """One episode's visits for its page (the caller has checked the policy and logged):
    today's visits (planned, done, not done) and the documented visits of the stay, newest
    first, for the timeline. `hidden`: the units the patient blocked from this staff member
    (patients.policy.blocked_units_for). One query."""
    today = services.planning_day(timezone.now())
    rows = list(
        Visit.objects.filter(episode=episode)
        .exclude(status=Visit.Status.CANCELLED)
        .select_related("unit", "done_by__user", "concern_alert")
        .order_by("window_start", "pk")
    )
    visits = [v for v in rows if v.unit_id not in hidden]
    return {
        "today": [v for v in visits if v.day == today],
        "documented": sorted(
            (v for v in visits if v.status in DOCUMENTED),
            key=lambda v: v.done_at or v.window_start,
            reverse=True,
        ),
        "blocked": len(visits) != len(rows),
    }
