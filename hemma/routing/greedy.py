"""A planner that mimics planning by hand: each worker in turn takes the nearest visit they
are qualified for and can still reach in its window. The baseline the optimiser must beat
(the realistic-day benchmark compares travel and on-time doses)."""

from .check import route_travel
from .model import Plan, Problem, Stop
from .solve import DID_NOT_FIT, screen


def plan_by_hand(problem: Problem) -> Plan:
    unassigned = screen(problem)
    left = {v.id: v for v in problem.visits if v.id not in unassigned}
    routes: dict[str, list[Stop]] = {w.id: [] for w in problem.workers}
    state = {w.id: (w.shift_start, w.start) for w in problem.workers}
    progress = True
    while left and progress:
        progress = False
        for worker in problem.workers:
            time, here = state[worker.id]
            best = None
            for visit in left.values():
                if not visit.skills <= worker.skills:
                    continue
                arrival = time + problem.travel[here][visit.location]
                start = max(arrival, visit.earliest)
                home = start + visit.duration + problem.travel[visit.location][worker.end]
                if start > visit.latest or home > worker.shift_end:
                    continue
                key = (problem.travel[here][visit.location], visit.latest)
                if best is None or key < best[0]:
                    best = (key, visit, arrival, start)
            if best is None:
                continue
            _key, visit, arrival, start = best
            routes[worker.id].append(Stop(visit.id, arrival, start))
            state[worker.id] = (start + visit.duration, visit.location)
            del left[visit.id]
            progress = True
    for visit_id in left:
        unassigned[visit_id] = DID_NOT_FIT
    plan = Plan(routes=routes, unassigned=unassigned, solver="greedy")
    plan.travel_minutes = route_travel(problem, plan)
    return plan
