"""An independent feasibility checker: every plan the solver returns is checked here, in
tests and before it is shown. It recomputes the schedule from the travel matrix."""

from .model import Plan, Problem


def violations(problem: Problem, plan: Plan) -> list[str]:
    visits = {v.id: v for v in problem.visits}
    workers = {w.id: w for w in problem.workers}
    problems: list[str] = []
    seen: set[str] = set()
    for worker_id, stops in plan.routes.items():
        worker = workers.get(worker_id)
        if worker is None:
            problems.append(f"unknown worker {worker_id}")
            continue
        time, here, load = worker.shift_start, worker.start, 0
        for stop in stops:
            visit = visits.get(stop.visit_id)
            if visit is None:
                problems.append(f"unknown visit {stop.visit_id}")
                continue
            if stop.visit_id in seen:
                problems.append(f"{stop.visit_id} planned twice")
            seen.add(stop.visit_id)
            if not visit.skills <= worker.skills:
                problems.append(
                    f"{worker_id} lacks {sorted(visit.skills - worker.skills)} for {visit.id}"
                )
            arrival = time + problem.travel[here][visit.location]
            start = max(arrival, visit.earliest)
            if start > visit.latest:
                problems.append(f"{visit.id} starts {start} after its window ends {visit.latest}")
            load += visit.demand
            time, here = start + visit.duration, visit.location
        back = time + problem.travel[here][worker.end]
        if stops and back > worker.shift_end:
            problems.append(f"{worker_id} ends {back} after the shift ends {worker.shift_end}")
        if worker.capacity and load > worker.capacity:
            problems.append(f"{worker_id} carries {load} over capacity {worker.capacity}")
    missing = set(visits) - seen - set(plan.unassigned)
    for visit_id in sorted(missing):
        problems.append(f"{visit_id} neither planned nor reported unassigned")
    return problems


def route_travel(problem: Problem, plan: Plan) -> int:
    workers = {w.id: w for w in problem.workers}
    visits = {v.id: v for v in problem.visits}
    total = 0
    for worker_id, stops in plan.routes.items():
        if not stops:
            continue
        worker = workers[worker_id]
        here = worker.start
        for stop in stops:
            total += problem.travel[here][visits[stop.visit_id].location]
            here = visits[stop.visit_id].location
        total += problem.travel[here][worker.end]
    return total
