"""Plan visits with PyVRP (hybrid genetic search / iterated local search).

PyVRP has no native skills: each skill is a load dimension that a visit needing it fills
by one and that an unqualified worker has zero capacity for. Visits that cannot be served
at all (no qualified worker, window outside every qualified shift) are reported before
solving; the rest are optional with a large prize, so whatever does not fit comes back as
unassigned with a reason instead of an infeasible plan."""

from pyvrp import Model
from pyvrp.stop import MaxRuntime

from .check import route_travel
from .model import Plan, Problem, Stop, Visit, Worker

NO_QUALIFIED_STAFF = "no_qualified_staff"
OUTSIDE_EVERY_SHIFT = "outside_every_shift"
DID_NOT_FIT = "did_not_fit"
PRIZE = 10_000_000


def _reachable(problem: Problem, visit: Visit, worker: Worker) -> bool:
    arrive = worker.shift_start + problem.travel[worker.start][visit.location]
    start = max(arrive, visit.earliest)
    back = start + visit.duration + problem.travel[visit.location][worker.end]
    return start <= visit.latest and back <= worker.shift_end


def screen(problem: Problem) -> dict[str, str]:
    """Visits nobody can do, with the reason."""
    reasons = {}
    for visit in problem.visits:
        qualified = [w for w in problem.workers if visit.skills <= w.skills]
        if not qualified:
            reasons[visit.id] = NO_QUALIFIED_STAFF
        elif not any(_reachable(problem, visit, w) for w in qualified):
            reasons[visit.id] = OUTSIDE_EVERY_SHIFT
    return reasons


def schedule(problem: Problem, worker: Worker, visit_ids: list[str]) -> list[Stop]:
    visits = {v.id: v for v in problem.visits}
    time, here, stops = worker.shift_start, worker.start, []
    for visit_id in visit_ids:
        visit = visits[visit_id]
        arrival = time + problem.travel[here][visit.location]
        start = max(arrival, visit.earliest)
        stops.append(Stop(visit_id, arrival, start))
        time, here = start + visit.duration, visit.location
    return stops


def solve(problem: Problem, seconds: float = 5.0, seed: int = 1) -> Plan:
    unassigned = screen(problem)
    plannable = [v for v in problem.visits if v.id not in unassigned]
    skills = sorted({s for v in plannable for s in v.skills})
    keys = problem.keys()
    model = Model()
    locations = {key: model.add_location(x=0, y=0) for key in keys}
    depots = {}
    for worker in problem.workers:
        for key in (worker.start, worker.end):
            if key not in depots:
                depots[key] = model.add_depot(locations[key])
    big = max(1, len(plannable))
    for worker in problem.workers:
        capacity = [big if s in worker.skills else 0 for s in skills]
        capacity.append(worker.capacity or big * 1000)
        model.add_vehicle_type(
            num_available=1,
            capacity=capacity,
            start_depot=depots[worker.start],
            end_depot=depots[worker.end],
            tw_early=worker.shift_start,
            tw_late=worker.shift_end,
            name=worker.id,
        )
    clients = []
    for visit in plannable:
        delivery = [1 if s in visit.skills else 0 for s in skills]
        delivery.append(visit.demand)
        clients.append(
            model.add_client(
                locations[visit.location],
                delivery=delivery,
                service_duration=visit.duration,
                tw_early=visit.earliest,
                tw_late=visit.latest,
                required=False,
                prize=PRIZE,
                name=visit.id,
            )
        )
    for a in keys:
        for b in keys:
            minutes = problem.travel[a][b]
            model.add_edge(locations[a], locations[b], distance=minutes, duration=minutes)
    result = model.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    data = model.data()
    routes: dict[str, list[Stop]] = {w.id: [] for w in problem.workers}
    served: set[str] = set()
    if result.best.is_feasible():
        for route in result.best.routes():
            worker = problem.workers[route.vehicle_type()]
            ids = [data.client(a.idx).name for a in route.schedule() if a.is_client()]
            routes[worker.id] = schedule(problem, worker, ids)
            served.update(ids)
    for visit in plannable:
        if visit.id not in served:
            unassigned[visit.id] = DID_NOT_FIT
    plan = Plan(routes=routes, unassigned=unassigned, solver="pyvrp")
    plan.travel_minutes = route_travel(problem, plan)
    return plan


def replan(problem: Problem, done: Plan, now: int, seconds: float = 5.0, seed: int = 1) -> Plan:
    """Replan during the day: visits already started (start <= now) stay exactly where they
    are; each worker continues from the end of their last fixed visit; the rest is planned
    again."""
    visits = {v.id: v for v in problem.visits}
    fixed: dict[str, list[Stop]] = {}
    for worker_id, stops in done.routes.items():
        fixed[worker_id] = [s for s in stops if s.start <= now]
    fixed_ids = {s.visit_id for stops in fixed.values() for s in stops}
    workers = []
    for worker in problem.workers:
        stops = fixed.get(worker.id, [])
        if stops:
            last = visits[stops[-1].visit_id]
            free_at = max(now, stops[-1].start + last.duration)
            worker = Worker(
                worker.id,
                last.location,
                worker.end,
                free_at,
                worker.shift_end,
                worker.skills,
                worker.capacity,
            )
        else:
            worker = Worker(
                worker.id,
                worker.start,
                worker.end,
                max(now, worker.shift_start),
                worker.shift_end,
                worker.skills,
                worker.capacity,
            )
        workers.append(worker)
    rest = Problem([v for v in problem.visits if v.id not in fixed_ids], workers, problem.travel)
    later = solve(rest, seconds=seconds, seed=seed)
    routes = {w.id: fixed.get(w.id, []) + later.routes.get(w.id, []) for w in problem.workers}
    plan = Plan(routes=routes, unassigned=later.unassigned, solver="pyvrp (replanned)")
    plan.travel_minutes = route_travel(problem, plan)
    return plan
