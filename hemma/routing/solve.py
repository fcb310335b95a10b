"""Plan visits with PyVRP (hybrid genetic search / iterated local search).

Long module: one algorithm – build the model, solve, then the repairs PyVRP cannot do
(double visits, gaps, lunch, continuity) – whose steps share the problem's indices.

PyVRP 0.14 has no skills, lunch breaks or synchronised visits; Hemma handles them around it:
- skills: each skill is a load dimension that a visit needing it fills by one and that an
  unqualified worker has zero capacity for;
- a double visit becomes one client per staff member, each pinned to the same start
  (a window of one minute), and each half fills a dimension of its own with room for one,
  so no worker takes both; when the pair cannot be kept together the pin moves through the
  window and the day is solved again;
- a minimum/maximum gap between two visits narrows their windows; a plan that still breaks
  it is repaired by pinning the second visit after the first and solving again;
- the lunch break is placed in the finished route (wherever the worker is, the first place
  its window allows); a worker whose route leaves no room takes it at the base instead, as a
  visit only that worker can do, and the day is solved again;
- travel modes are PyVRP profiles; maximum working time is the vehicle's shift duration.

Visits nobody can do are reported before solving (no qualified staff, outside every
shift); the rest are optional with a large prize, so whatever does not fit comes back as
unassigned with a reason, never as an infeasible plan. The independent checker has the last
word: anything it rejects is taken out of the plan and reported."""

import time
import warnings
from dataclasses import replace

from pyvrp import Model, Route, Solution
from pyvrp.stop import MaxRuntime

from .check import findings, route_travel, timeline
from .greedy import plan_by_hand
from .model import Plan, Problem, Stop, Visit, Worker
from .screening import DID_NOT_FIT, GAP_NOT_MET, NOT_TOGETHER, screen
from .screening import NO_QUALIFIED_STAFF as NO_QUALIFIED_STAFF  # the reasons, here as before
from .screening import OUTSIDE_EVERY_SHIFT as OUTSIDE_EVERY_SHIFT

PRIZE = 10_000  # far above any travel a visit adds, below a minute of broken rule
ROUNDS = 4


def schedule(problem: Problem, worker: Worker, visit_ids: list[str]) -> list[Stop]:
    return timeline(problem, worker, visit_ids).stops


def _tighten(visits: dict[str, Visit], problem: Problem) -> None:
    """Narrow windows so that every gap can hold: the second cannot start before the first's
    earliest + min, the first not after the second's latest − min."""
    for gap in problem.gaps:
        first, second = visits.get(gap.first), visits.get(gap.second)
        if first and second:
            visits[gap.second] = replace(
                second, earliest=max(second.earliest, first.earliest + gap.min_minutes)
            )
            visits[gap.first] = replace(
                first, latest=min(first.latest, second.latest - gap.min_minutes)
            )


def _warm_start(data, problem, start):
    """The routes in `start` (visit ids per worker) as a PyVRP solution of this model, for
    the search to start from instead of from scratch: in round 0 the greedy plan (see
    _greedy_start), later the previous round's routes – a retry round only pins a double
    visit's minute, takes a visit out or adds a lunch at the base, so most of the previous
    plan still holds. Names not in this model are left out, and so are the halves of a double
    visit whose partner half was not planned (its pin moved). None when nothing is left."""
    if not start:
        return None
    index = {data.client(idx).name: idx for idx in range(data.num_clients)}
    halves: dict[str, int] = {}
    for ids in start.values():
        for name in ids:
            if "#" in name and not name.startswith("break#"):
                halves[name.split("#")[0]] = halves.get(name.split("#")[0], 0) + 1
    routes = []
    for vehicle_type, worker in enumerate(problem.workers):
        visits = [
            index[name]
            for name in start.get(worker.id, [])
            if name in index
            and ("#" not in name or name.startswith("break#") or halves[name.split("#")[0]] > 1)
        ]
        lunch = index.get("break#" + worker.id)
        if lunch is not None and lunch not in visits:
            # new this round (no room for lunch in the route): a start that holds is lunch
            # at the base and nothing else; the search gives the visits back
            visits = [lunch]
        if visits:
            routes.append(Route(data, visits, vehicle_type))
    return Solution(data, routes) if routes else None


def _greedy_start(problem: Problem, visits: dict[str, Visit]) -> dict[str, list[str]]:
    """Round 0's start: the by-hand planner's routes (greedy.py, feasible by construction)
    without its double visits (the search places those at their pinned minute). A round
    that starts from a plan that holds never ends with less than it; from a random start a
    large day can use up a short round without finding any plan that holds."""
    plan = plan_by_hand(problem)
    return {
        worker_id: [
            stop.visit_id
            for stop in stops
            if stop.visit_id in visits and visits[stop.visit_id].staff == 1
        ]
        for worker_id, stops in plan.routes.items()
    }


def _pyvrp(problem, visits, base_breaks, seconds, seed, start=None):
    """One PyVRP solve: routes as visit ids per worker. `start`: routes to start the search
    from (see _warm_start); kept when the search finds nothing that holds in time."""
    plannable = list(visits.values())
    skills = sorted({s for v in plannable for s in v.skills})
    doubles = [v.id for v in plannable if v.staff > 1]
    keys = problem.keys()
    model = Model()
    locations = {key: model.add_location(x=0, y=0) for key in keys}
    modes = sorted({w.mode for w in problem.workers})
    profiles = {mode: model.add_profile(name=mode) for mode in modes}
    depots = {}
    for worker in problem.workers:
        for key in (worker.start, worker.end):
            if key not in depots:
                depots[key] = model.add_depot(locations[key])
    breakers = [w.id for w in problem.workers if w.id in base_breaks]
    big = max(1, len(plannable)) * 2
    for worker in problem.workers:
        capacity = [big if s in worker.skills else 0 for s in skills]
        capacity += [1] * len(doubles)
        capacity += [1 if w == worker.id else 0 for w in breakers]
        capacity.append(worker.capacity or big * 1000)
        model.add_vehicle_type(
            num_available=1,
            capacity=capacity,
            start_depot=depots[worker.start],
            end_depot=depots[worker.end],
            tw_early=min(worker.shift_start, worker.shift_end),  # a shift already over
            tw_late=worker.shift_end,
            shift_duration=worker.max_work or 10**9,
            profile=profiles[worker.mode],
            name=worker.id,
        )

    def add(visit_id, location, delivery, duration, early, late, required, prize):
        model.add_client(
            locations[location],
            delivery=delivery,
            service_duration=duration,
            tw_early=early,
            tw_late=late,
            required=required,
            prize=prize,
            name=visit_id,
        )

    for visit in plannable:
        base = [1 if s in visit.skills else 0 for s in skills]
        for half in range(visit.staff):
            mine = [1 if visit.id == d else 0 for d in doubles]
            name = visit.id if visit.staff == 1 else f"{visit.id}#{half}"
            add(
                name,
                visit.location,
                base + mine + [0] * len(breakers) + [visit.demand],
                visit.duration,
                visit.earliest,
                visit.latest,
                False,
                PRIZE * (1 + visit.priority),
            )
    for worker in problem.workers:
        if worker.id in breakers:
            add(
                f"break#{worker.id}",
                worker.start,
                [0] * (len(skills) + len(doubles))
                + [1 if w == worker.id else 0 for w in breakers]
                + [0],
                worker.break_minutes,
                worker.break_earliest,
                worker.break_latest,
                True,
                0,
            )
    for mode in modes:
        matrix = problem.mode_travel.get(mode, problem.travel)
        for a in keys:
            for b in keys:
                minutes = matrix[a][b] if a != b else 0
                model.add_edge(
                    locations[a],
                    locations[b],
                    distance=minutes,
                    duration=minutes,
                    profile=profiles[mode],
                )
    with warnings.catch_warnings():
        # "struggles to find a feasible solution": what does not fit is reported per visit
        warnings.simplefilter("ignore")
        data = model.data()
        initial = _warm_start(data, problem, start)
        result = model.solve(
            stop=MaxRuntime(seconds), seed=seed, display=False, initial_solution=initial
        )
    routes = {w.id: [] for w in problem.workers}
    best = result.best
    if not best.is_feasible() and initial is not None and initial.is_feasible():
        best = initial  # the start holds, the search found nothing better in time
    if best.is_feasible():
        for route in best.routes():
            worker = problem.workers[route.vehicle_type()]
            routes[worker.id] = [data.client(a.idx).name for a in route.schedule() if a.is_client()]
    return routes


def place_break(problem: Problem, worker: Worker, ids: list[str]) -> int | None:
    """The first place in the route where the break fits and every visit stays feasible."""
    visits = {v.id: v for v in problem.visits}
    for after in range(len(ids) + 1):
        line = timeline(problem, worker, ids, after)
        if line.break_start > worker.break_latest:
            return None
        late = any(s.start > visits[s.visit_id].latest for s in line.stops)
        if not late and line.back <= worker.shift_end:
            return after
    return None


def solve(problem: Problem, seconds: float = 5.0, seed: int = 1, progress=None) -> Plan:
    """`progress(round, rounds)` is called as the rounds go (for long solves)."""
    deadline = time.monotonic() + seconds
    unassigned = screen(problem)
    visits = {v.id: v for v in problem.visits if v.id not in unassigned}
    _tighten(visits, problem)
    pins = {v.id: 0 for v in visits.values() if v.staff > 1}
    base_breaks: set[str] = set()
    given_up: dict[str, str] = {}
    routes: dict[str, list[str]] = {}
    breaks: dict[str, tuple[int, int]] = {}
    raw = _greedy_start(problem, visits)  # each round starts from the previous one's routes
    for round_number in range(ROUNDS):
        if progress:
            progress(round_number, ROUNDS)
        current = dict(visits)
        for visit_id, step in pins.items():
            visit = visits[visit_id]
            moment = visit.earliest + (visit.latest - visit.earliest) * step // 3
            current[visit_id] = replace(visit, earliest=moment, latest=moment)
        for visit_id in given_up:
            current.pop(visit_id, None)
        left = max(0.2, deadline - time.monotonic())
        share = left / 2 if round_number < ROUNDS - 1 else left
        found = _pyvrp(problem, current, base_breaks, share, seed, start=raw)
        if any(found.values()) or not any(raw.values()):
            raw = found
        else:  # no plan that holds was found in this round's time (a large day on a loaded
            # machine): go on with the previous round's routes; the checker has the last word
            raw = {
                worker_id: [
                    name
                    for name in ids
                    if name.startswith("break#") or name.split("#")[0] in current
                ]
                for worker_id, ids in raw.items()
            }
        routes, retry = _collect(raw, current, pins, given_up)
        breaks = {}
        solved_problem = replace(problem, visits=list(current.values()))
        for worker in problem.workers:
            ids = routes[worker.id]
            if "break#" + worker.id in ids:
                after = ids.index("break#" + worker.id)
                ids.remove("break#" + worker.id)
                line = timeline(solved_problem, worker, ids, after)
                breaks[worker.id] = (after, line.break_start)
            elif worker.needs_break and ids:
                after = place_break(solved_problem, worker, ids)
                if after is None:
                    base_breaks.add(worker.id)
                    retry = True
                else:
                    breaks[worker.id] = (
                        after,
                        timeline(solved_problem, worker, ids, after).break_start,
                    )
        retry = _repair_gaps(problem, solved_problem, routes, breaks, visits) or retry
        if not retry:
            break
    solved = replace(problem, visits=[current.get(v.id, v) for v in problem.visits])
    _prefer_known_staff(solved, routes, breaks)
    plan = _finish(problem, solved, visits, routes, breaks, unassigned, given_up)
    if progress:
        progress(ROUNDS, ROUNDS)
    return plan


CONTINUITY_MINUTES = 10  # extra travel worth it for the patient to meet a known face


def _route_ok(problem: Problem, worker: Worker, ids: list[str]):
    """(feasible, break placement) of a route on its own."""
    visits = {v.id: v for v in problem.visits}
    after = place_break(problem, worker, ids) if worker.needs_break and ids else None
    if worker.needs_break and ids and after is None:
        return False, None
    line = timeline(problem, worker, ids, after)
    late = any(s.start > visits[s.visit_id].latest for s in line.stops)
    too_long = worker.max_work and ids and line.back - line.leave > worker.max_work
    return (not late and line.back <= worker.shift_end and not too_long), after


def _travel_of(problem: Problem, worker: Worker, ids: list[str]) -> int:
    matrix, here, total = problem.matrix_for(worker), worker.start, 0
    visits = {v.id: v for v in problem.visits}
    for visit_id in ids:
        total += matrix[here][visits[visit_id].location]
        here = visits[visit_id].location
    return total + matrix[here][worker.end] if ids else 0


def _prefer_known_staff(problem: Problem, routes, breaks) -> None:
    """Continuity: a single-staff visit whose patient has a preferred worker moves to that
    worker when the routes stay feasible and it costs at most CONTINUITY_MINUTES more travel."""
    workers = {w.id: w for w in problem.workers}
    linked = {g.first for g in problem.gaps} | {g.second for g in problem.gaps}
    for visit in problem.visits:
        target = workers.get(visit.preferred)
        if visit.staff != 1 or target is None or not visit.skills <= target.skills:
            continue
        if visit.id in linked:  # a gap ties it to another visit's time
            continue
        holder = next((w for w, ids in routes.items() if visit.id in ids), None)
        if holder is None or holder == target.id:
            continue
        source = [i for i in routes[holder] if i != visit.id]
        before = _travel_of(problem, workers[holder], routes[holder]) + _travel_of(
            problem, target, routes[target.id]
        )
        best = None
        for position in range(len(routes[target.id]) + 1):
            trial = routes[target.id][:position] + [visit.id] + routes[target.id][position:]
            ok, after = _route_ok(problem, target, trial)
            if not ok:
                continue
            extra = (
                _travel_of(problem, workers[holder], source)
                + _travel_of(problem, target, trial)
                - before
            )
            if extra <= CONTINUITY_MINUTES and (best is None or extra < best[0]):
                best = (extra, trial, after)
        source_ok, source_after = _route_ok(problem, workers[holder], source)
        if best is None or not source_ok:
            continue
        routes[holder], routes[target.id] = source, best[1]
        for worker_id, after in ((holder, source_after), (target.id, best[2])):
            ids = routes[worker_id]
            if after is not None and ids:
                line = timeline(problem, workers[worker_id], ids, after)
                breaks[worker_id] = (after, line.break_start)
            else:
                breaks.pop(worker_id, None)


def _collect(raw, current, pins, given_up):
    """Merge the halves of double visits; a pair not both planned is moved on (its pin)
    or, after the last pin, given up. True when another round is wanted."""
    counts: dict[str, int] = {}
    for ids in raw.values():
        for name in ids:
            if "#" in name and not name.startswith("break#"):
                counts[name.split("#")[0]] = counts.get(name.split("#")[0], 0) + 1
    retry = False
    routes = {}
    for worker_id, ids in raw.items():
        kept = []
        for name in ids:
            if name.startswith("break#"):
                kept.append(name)
                continue
            visit_id = name.split("#")[0] if "#" in name else name
            if visit_id in pins and counts.get(visit_id, 0) < current[visit_id].staff:
                continue
            kept.append(visit_id)
        routes[worker_id] = kept
    for visit_id, step in list(pins.items()):
        if visit_id in given_up:
            continue
        if 0 < counts.get(visit_id, 0) < current[visit_id].staff or counts.get(visit_id, 0) == 0:
            if step < 3:
                pins[visit_id] = step + 1
                retry = True
            else:
                given_up[visit_id] = NOT_TOGETHER if counts.get(visit_id) else DID_NOT_FIT
    return routes, retry


def _repair_gaps(problem, solved_problem, routes, breaks, visits) -> bool:
    """Pin the second visit of a broken gap after the first and ask for another round."""
    starts = {}
    workers = {w.id: w for w in problem.workers}
    for worker_id, ids in routes.items():
        after = breaks.get(worker_id, (None,))[0]
        for stop in timeline(solved_problem, workers[worker_id], ids, after).stops:
            starts[stop.visit_id] = stop.start
    retry = False
    for gap in problem.gaps:
        if gap.first in starts and gap.second in starts:
            between = starts[gap.second] - starts[gap.first]
            if not gap.min_minutes <= between <= gap.max_minutes:
                second = visits[gap.second]
                earliest = max(second.earliest, starts[gap.first] + gap.min_minutes)
                latest = min(second.latest, starts[gap.first] + gap.max_minutes)
                if earliest <= latest:
                    # hold the first where it is and pin the second after it
                    first, moment = visits[gap.first], starts[gap.first]
                    visits[gap.first] = replace(first, earliest=moment, latest=moment)
                    visits[gap.second] = replace(second, earliest=earliest, latest=latest)
                    retry = True
    return retry


def _finish(problem, solved, visits, routes, breaks, unassigned, given_up) -> Plan:
    """The plan as the checker sees it: anything it rejects is taken out and reported.
    `solved` holds the windows as pinned for the solver (double visits, gaps)."""
    unassigned = dict(unassigned) | given_up
    for visit_id in visits:
        if visit_id not in unassigned and not any(visit_id in ids for ids in routes.values()):
            unassigned[visit_id] = DID_NOT_FIT
    workers = {w.id: w for w in problem.workers}
    for _ in range(len(visits) + 1):
        plan = _plan(solved, workers, routes, breaks, unassigned)
        found = findings(problem, plan)
        culprits = {finding.visit_id for finding in found if finding.visit_id}
        if not found:
            return plan
        if not culprits:  # a worker-level rule: drop that worker's last visit
            named = {finding.params.get("worker") for finding in found} - {None}
            # (every worker's when the rule names none: at 400 visits dropping every route's
            # last visit for one worker without lunch lost ~80 visits)
            culprits = {
                ids[-1]
                for worker_id, ids in routes.items()
                if ids and (worker_id in named or not named)
            }
        for visit_id in culprits:
            reason = GAP_NOT_MET if any(g.second == visit_id for g in problem.gaps) else DID_NOT_FIT
            unassigned[visit_id] = reason
            for ids in routes.values():
                if visit_id in ids:
                    ids.remove(visit_id)
        for gap in problem.gaps:  # a second visit without its first goes too
            if gap.first in unassigned:
                for ids in routes.values():
                    if gap.second in ids:
                        ids.remove(gap.second)
                        unassigned[gap.second] = GAP_NOT_MET
        breaks = {w: b for w, b in breaks.items() if b[0] <= len(routes[w])}
        for worker_id, ids in routes.items():
            worker = workers[worker_id]
            if worker.needs_break and ids:
                after = place_break(solved, worker, ids)
                if after is not None:
                    breaks[worker_id] = (after, timeline(solved, worker, ids, after).break_start)
    return plan


def _plan(problem, workers, routes, breaks, unassigned) -> Plan:
    stops = {}
    for worker_id, ids in routes.items():
        after = breaks.get(worker_id, (None,))[0]
        stops[worker_id] = timeline(problem, workers[worker_id], ids, after).stops
    plan = Plan(routes=stops, unassigned=dict(unassigned), solver="pyvrp")
    plan.breaks = {
        w: (after, timeline(problem, workers[w], routes[w], after).break_start)
        for w, (after, _) in breaks.items()
        if routes[w]
    }
    plan.travel_minutes = route_travel(problem, plan)
    return plan


def replan(
    problem: Problem,
    done: Plan,
    now: int,
    seconds: float = 5.0,
    seed: int = 1,
    keep: frozenset[str] = frozenset(),
) -> Plan:
    """Replan during the day: visits already started (start <= now, or listed in `keep`:
    arrived at or done) stay exactly where they are; each worker continues from the end of
    their last fixed visit; the rest is planned again."""
    visits = {v.id: v for v in problem.visits}
    fixed: dict[str, list[Stop]] = {}
    for worker_id, stops in done.routes.items():
        fixed[worker_id] = [s for s in stops if s.start <= now or s.visit_id in keep]
    fixed_ids = {s.visit_id for stops in fixed.values() for s in stops}
    workers = []
    for worker in problem.workers:
        stops = fixed.get(worker.id, [])
        took_break = worker.id in done.breaks and done.breaks[worker.id][1] <= now
        if stops:
            last = visits[stops[-1].visit_id]
            free_at = max(now, stops[-1].start + last.duration)
            worker = replace(
                worker, start=last.location, shift_start=min(free_at, worker.shift_end)
            )
        else:
            worker = replace(
                worker, shift_start=min(max(now, worker.shift_start), worker.shift_end)
            )
        if took_break or (worker.needs_break and worker.break_latest < worker.shift_start):
            worker = replace(worker, break_minutes=0)
        workers.append(worker)
    rest = Problem(
        [v for v in problem.visits if v.id not in fixed_ids],
        workers,
        problem.travel,
        [g for g in problem.gaps if g.second not in fixed_ids],
        problem.mode_travel,
    )
    later = solve(rest, seconds=seconds, seed=seed)
    routes = {w.id: fixed.get(w.id, []) + later.routes.get(w.id, []) for w in problem.workers}
    breaks = {}
    for worker in problem.workers:
        before = len(fixed.get(worker.id, []))
        if worker.id in later.breaks:
            after, start = later.breaks[worker.id]
            breaks[worker.id] = (before + after, start)
        elif worker.id in done.breaks and done.breaks[worker.id][1] <= now:
            breaks[worker.id] = done.breaks[worker.id]
    plan = Plan(
        routes=routes, unassigned=later.unassigned, solver="pyvrp (replanned)", breaks=breaks
    )
    plan.travel_minutes = route_travel(problem, plan)
    return plan
