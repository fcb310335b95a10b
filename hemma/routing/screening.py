"""Visits nobody can do, found before solving, and the reasons a visit is reported
unassigned. Its own module so that both the optimiser (solve.py) and the by-hand planner
(greedy.py), which solve.py starts from, use it without importing each other."""

from .model import Problem, Visit, Worker

NO_QUALIFIED_STAFF = "no_qualified_staff"
OUTSIDE_EVERY_SHIFT = "outside_every_shift"
DID_NOT_FIT = "did_not_fit"
NOT_TOGETHER = "double_visit_not_synchronised"
GAP_NOT_MET = "gap_not_met"


def _reachable(problem: Problem, visit: Visit, worker: Worker) -> bool:
    travel = problem.matrix_for(worker)
    arrive = worker.shift_start + travel[worker.start][visit.location]
    start = max(arrive, visit.earliest)
    back = start + visit.duration + travel[visit.location][worker.end]
    return start <= visit.latest and back <= worker.shift_end


def screen(problem: Problem) -> dict[str, str]:
    """Visits nobody can do, with the reason."""
    reasons = {}
    for visit in problem.visits:
        qualified = [w for w in problem.workers if visit.skills <= w.skills]
        if len(qualified) < visit.staff:
            reasons[visit.id] = NO_QUALIFIED_STAFF
        elif sum(_reachable(problem, visit, w) for w in qualified) < visit.staff:
            reasons[visit.id] = OUTSIDE_EVERY_SHIFT
    return reasons
