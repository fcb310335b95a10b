"""The day as a routing problem and a plan back as assignments – shared by planning the
day (`planning.py`) and a manual move (`schedule.visit_move`), no use case of its own.

The planning itself is `hemma.routing` (no Django): the day's shifts become workers and
its open visits routing visits (`build_problem`); the stored assignments read back as a
plan (`current_plan`); a plan is written as assignments and visit states (`store_plan`);
the checker's findings are told with names people recognise (`explain`)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hemma.accounts.models import Unit
from hemma.routing import solve as routing_solve
from hemma.routing.check import Finding
from hemma.routing.model import Gap, Plan, Problem, Stop, Worker
from hemma.routing.model import Visit as RoutingVisit
from hemma.routing.osrm import travel_matrix

from ..models import SKILL_CHOICES, Assignment, PlanRun, Shift, TravelMode, Visit
from .common import from_minutes, to_minutes

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


def current_plan(day_problem: DayProblem, day: date, unit: Unit | None = None) -> Plan:
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


def store_plan(day_problem: DayProblem, plan: Plan, day: date, keep: set[str]) -> None:
    """The plan as assignments and visit states; the visits in `keep` stay where they are."""
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


# The checker's findings (hemma.routing.check, codes with values) in Swedish. Times are
# minutes after the day's midnight; durations are minutes.
FINDING_MESSAGES = {
    "unknown_worker": gettext_lazy("Planen nämner personal som inte har något pass."),
    "unknown_visit": gettext_lazy("Planen nämner ett besök som inte finns."),
    "lacks_skill": gettext_lazy("%(worker)s saknar kompetens (%(skills)s) för %(visit)s."),
    "late": gettext_lazy("%(visit)s börjar %(start)s, efter tidsfönstret (senast %(latest)s)."),
    "too_early": gettext_lazy(
        "%(visit)s: planen säger %(planned)s men turen hinner inte fram före %(earliest)s."
    ),
    "after_shift": gettext_lazy(
        "%(worker)s är tillbaka %(back)s, efter passets slut %(shift_end)s."
    ),
    "no_break": gettext_lazy("%(worker)s får ingen lunchrast i turen."),
    "late_break": gettext_lazy("%(worker)s lunch börjar %(start)s, efter senast %(latest)s."),
    "overtime": gettext_lazy("%(worker)s arbetar %(minutes)s min, mer än högst %(max)s min."),
    "capacity": gettext_lazy("%(worker)s har %(load)s i turen, mer än kapaciteten %(capacity)s."),
    "twice": gettext_lazy("%(visit)s är planerat två gånger för samma person."),
    "staff_count": gettext_lazy(
        "%(visit)s behöver %(needed)s personal men är planerat för %(planned)s."
    ),
    "not_together": gettext_lazy("%(visit)s: personalen kommer inte samtidigt."),
    "gap": gettext_lazy(
        "%(visit)s börjar %(between)s min efter %(first)s, inte inom %(min)s–%(max)s min."
    ),
    "without_first": gettext_lazy("%(visit)s är planerat utan %(first)s."),
    "lost": gettext_lazy("%(visit)s är varken planerat eller markerat som oplanerat."),
}
FINDING_TIMES = {"start", "latest", "planned", "earliest", "back", "shift_end"}


def explain(findings: list[Finding], day_problem: DayProblem, day: date) -> list[str]:
    """The checker's findings in Swedish, with visit and staff ids replaced by what people
    recognise (the patient and the visit, the staff member's name) and times as HH:MM."""
    names = {
        key: f"{v.episode.patient.full_name} ({v.what[:40]})"
        for key, v in day_problem.visits.items()
    }
    names |= {key: s.staff.display_name for key, s in day_problem.shifts.items()}
    skills = dict(SKILL_CHOICES)
    explained = []
    for found in findings:
        values = {}
        for key, value in found.params.items():
            if key in FINDING_TIMES:
                value = f"{from_minutes(value, day):%H:%M}"
            elif key == "skills":
                value = ", ".join(str(skills.get(code, code)) for code in value)
            elif isinstance(value, str):
                value = names.get(value, value)
            values[key] = value
        explained.append(str(FINDING_MESSAGES[found.code]) % values)
    return explained
