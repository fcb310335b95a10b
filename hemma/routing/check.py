"""An independent feasibility checker: every plan the solver returns is checked here, in
tests and before it is shown. It recomputes the schedule from the travel matrices and knows
nothing of how the plan was made: skills, windows, double visits starting together, gaps
between visits, lunch breaks, shifts, working time, capacity."""

from dataclasses import dataclass, field

from .model import Plan, Problem, Stop, Worker


@dataclass(frozen=True)
class Finding:
    """One broken rule: the visit it concerns (None for a worker-level rule), a code and
    its values (for a translated message in the UI), and the message in English (tests,
    logs). Visit and worker ids in `params` are the problem's own ids."""

    visit_id: str | None
    code: str
    message: str
    params: dict = field(default_factory=dict, compare=False)


@dataclass
class Timeline:
    stops: list[Stop]
    break_start: int | None
    leave: int  # leaving the start location (as late as the first visit allows)
    back: int  # back at the end location


def timeline(
    problem: Problem,
    worker: Worker,
    visit_ids: list[str],
    break_after: int | None = None,
    floors: dict[str, int] | None = None,
) -> Timeline:
    """The earliest schedule of a route: wait for each window (and for `floors`, a plan's own
    later start), take the break (if placed) after `break_after` stops as soon as its window
    opens."""
    floors = floors or {}
    visits = {v.id: v for v in problem.visits}
    travel = problem.matrix_for(worker)
    time, here, stops, break_start = worker.shift_start, worker.start, [], None
    for index, visit_id in enumerate(visit_ids + [None]):
        if break_after == index:
            break_start = max(time, worker.break_earliest or 0)
            time = break_start + worker.break_minutes
        if visit_id is None:
            break
        visit = visits[visit_id]
        arrival = time + travel[here][visit.location]
        start = max(arrival, visit.earliest, floors.get(visit_id, 0))
        stops.append(Stop(visit_id, arrival, start))
        time, here = start + visit.duration, visit.location
    back = time + travel[here][worker.end]
    leave = worker.shift_start
    if stops and break_after != 0:
        first = visits[stops[0].visit_id]
        leave = max(worker.shift_start, stops[0].start - travel[worker.start][first.location])
    return Timeline(stops, break_start, leave, back)


def findings(problem: Problem, plan: Plan) -> list[Finding]:
    """Every broken rule, with the visit it concerns (None for a worker-level rule)."""
    visits = {v.id: v for v in problem.visits}
    workers = {w.id: w for w in problem.workers}
    found: list[Finding] = []
    starts: dict[str, list[tuple[str, int]]] = {}
    for worker_id, stops in plan.routes.items():
        worker = workers.get(worker_id)
        if worker is None:
            found.append(
                Finding(
                    None, "unknown_worker", f"unknown worker {worker_id}", {"worker": worker_id}
                )
            )
            continue
        unknown = [s.visit_id for s in stops if s.visit_id not in visits]
        for visit_id in unknown:
            found.append(
                Finding(visit_id, "unknown_visit", f"unknown visit {visit_id}", {"visit": visit_id})
            )
        ids = [s.visit_id for s in stops if s.visit_id in visits]
        placed = plan.breaks.get(worker_id)
        # The plan may wait longer than needed (a pinned double visit, a replanned day), never
        # start before the route allows.
        floors = {s.visit_id: s.start for s in stops}
        line = timeline(problem, worker, ids, placed[0] if placed else None, floors)
        load = 0
        for stop, computed in zip(stops, line.stops, strict=True):
            visit = visits[computed.visit_id]
            start = computed.start
            starts.setdefault(visit.id, []).append((worker_id, start))
            if not visit.skills <= worker.skills:
                missing = sorted(visit.skills - worker.skills)
                found.append(
                    Finding(
                        visit.id,
                        "lacks_skill",
                        f"{worker_id} lacks {missing} for {visit.id}",
                        {"worker": worker_id, "visit": visit.id, "skills": missing},
                    )
                )
            if start > visit.latest:
                found.append(
                    Finding(
                        visit.id,
                        "late",
                        f"{visit.id} starts {start} after its window ends {visit.latest}",
                        {"visit": visit.id, "start": start, "latest": visit.latest},
                    )
                )
            if stop.start != computed.start:
                found.append(
                    Finding(
                        visit.id,
                        "too_early",
                        f"{visit.id}: the plan says {stop.start}, "
                        f"the route cannot start before {computed.start}",
                        {"visit": visit.id, "planned": stop.start, "earliest": computed.start},
                    )
                )
            load += visit.demand
        if stops and line.back > worker.shift_end:
            found.append(
                Finding(
                    ids[-1] if ids else None,
                    "after_shift",
                    f"{worker_id} ends {line.back} after the shift ends {worker.shift_end}",
                    {"worker": worker_id, "back": line.back, "shift_end": worker.shift_end},
                )
            )
        if worker.needs_break and stops:
            if line.break_start is None:
                found.append(
                    Finding(
                        None, "no_break", f"{worker_id} has no lunch break", {"worker": worker_id}
                    )
                )
            elif line.break_start > worker.break_latest:
                found.append(
                    Finding(
                        None,
                        "late_break",
                        f"{worker_id}'s break starts {line.break_start}, "
                        f"after {worker.break_latest}",
                        {
                            "worker": worker_id,
                            "start": line.break_start,
                            "latest": worker.break_latest,
                        },
                    )
                )
        if worker.max_work and stops and line.back - line.leave > worker.max_work:
            found.append(
                Finding(
                    ids[-1],
                    "overtime",
                    f"{worker_id} works {line.back - line.leave} min, over {worker.max_work}",
                    {
                        "worker": worker_id,
                        "minutes": line.back - line.leave,
                        "max": worker.max_work,
                    },
                )
            )
        if worker.capacity and load > worker.capacity:
            found.append(
                Finding(
                    None,
                    "capacity",
                    f"{worker_id} carries {load} over capacity {worker.capacity}",
                    {"worker": worker_id, "load": load, "capacity": worker.capacity},
                )
            )
    for visit_id, where in starts.items():
        visit = visits[visit_id]
        people = {worker_id for worker_id, _ in where}
        if len(where) > len(people):
            found.append(
                Finding(
                    visit_id,
                    "twice",
                    f"{visit_id} planned twice for one worker",
                    {"visit": visit_id},
                )
            )
        if len(where) != visit.staff or len(people) != visit.staff:
            found.append(
                Finding(
                    visit_id,
                    "staff_count",
                    f"{visit_id} needs {visit.staff} staff, planned {len(where)} times",
                    {"visit": visit_id, "needed": visit.staff, "planned": len(where)},
                )
            )
        elif len({start for _, start in where}) > 1:
            found.append(
                Finding(
                    visit_id,
                    "not_together",
                    f"{visit_id}: the staff do not start together",
                    {"visit": visit_id},
                )
            )
    for gap in problem.gaps:
        if gap.first in starts and gap.second in starts:
            between = starts[gap.second][0][1] - starts[gap.first][0][1]
            if not gap.min_minutes <= between <= gap.max_minutes:
                found.append(
                    Finding(
                        gap.second,
                        "gap",
                        f"{gap.second} starts {between} min after {gap.first}, "
                        f"not within {gap.min_minutes}–{gap.max_minutes}",
                        {
                            "visit": gap.second,
                            "first": gap.first,
                            "between": between,
                            "min": gap.min_minutes,
                            "max": gap.max_minutes,
                        },
                    )
                )
        elif gap.second in starts and gap.first not in starts:
            found.append(
                Finding(
                    gap.second,
                    "without_first",
                    f"{gap.second} is planned without {gap.first}",
                    {"visit": gap.second, "first": gap.first},
                )
            )
    missing = set(visits) - set(starts) - set(plan.unassigned)
    for visit_id in sorted(missing):
        found.append(
            Finding(
                visit_id,
                "lost",
                f"{visit_id} neither planned nor reported unassigned",
                {"visit": visit_id},
            )
        )
    return found


def problems_by_visit(problem: Problem, plan: Plan) -> list[tuple[str | None, str]]:
    return [(found.visit_id, found.message) for found in findings(problem, plan)]


def violations(problem: Problem, plan: Plan) -> list[str]:
    return [found.message for found in findings(problem, plan)]


def route_travel(problem: Problem, plan: Plan) -> int:
    workers = {w.id: w for w in problem.workers}
    visits = {v.id: v for v in problem.visits}
    total = 0
    for worker_id, stops in plan.routes.items():
        if not stops:
            continue
        worker = workers[worker_id]
        travel = problem.matrix_for(worker)
        here = worker.start
        for stop in stops:
            total += travel[here][visits[stop.visit_id].location]
            here = visits[stop.visit_id].location
        total += travel[here][worker.end]
    return total
