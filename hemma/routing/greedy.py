"""A planner that mimics planning by hand, the baseline the optimiser must beat (the
realistic-day benchmark compares travel and on-time doses):

1. double visits are booked first, as fixed appointments at the earliest time the two
   qualified staff nearest to them can both make;
2. then each worker in turn takes the nearest visit they are qualified for and can still
   reach in its window without missing their next appointment or the end of the shift;
3. lunch is taken as soon as its window opens and the worker is between visits."""

from .check import route_travel
from .model import Plan, Problem, Stop, Visit, Worker
from .screening import DID_NOT_FIT, NOT_TOGETHER, screen


class _Day:
    def __init__(self, problem: Problem, worker: Worker):
        self.problem, self.worker = problem, worker
        self.travel = problem.matrix_for(worker)
        self.time, self.here = worker.shift_start, worker.start
        self.stops: list[Stop] = []
        self.appointments: list[tuple[int, Visit]] = []  # (start, visit), in time order
        self.break_at: tuple[int, int] | None = None

    def next_appointment(self):
        return self.appointments[0] if self.appointments else None

    def fits(self, visit: Visit) -> tuple[int, int] | None:
        """(arrival, start) if the worker can do `visit` next and still keep everything."""
        arrival = self.time + self.travel[self.here][visit.location]
        start = max(arrival, visit.earliest)
        if start > visit.latest:
            return None
        end = start + visit.duration
        appointment = self.next_appointment()
        if (
            appointment
            and end + self.travel[visit.location][appointment[1].location] > appointment[0]
        ):
            return None
        if end + self.travel[visit.location][self.worker.end] > self.worker.shift_end:
            return None
        worker = self.worker
        lunch_pending = worker.needs_break and self.break_at is None
        if lunch_pending and self.time <= worker.break_latest < max(end, worker.break_earliest):
            return None  # lunch first
        return arrival, start

    def go(self, visit: Visit, arrival: int, start: int) -> None:
        self.stops.append(Stop(visit.id, arrival, start))
        self.time, self.here = start + visit.duration, visit.location

    def maybe_lunch(self) -> None:
        worker = self.worker
        if not worker.needs_break or self.break_at is not None:
            return
        if self.time >= worker.break_earliest:
            start = max(self.time, worker.break_earliest)
            appointment = self.next_appointment()
            reach = (
                start + worker.break_minutes + self.travel[self.here][appointment[1].location]
                if appointment
                else 0
            )
            if start <= worker.break_latest and (not appointment or reach <= appointment[0]):
                self.break_at = (len(self.stops), start)
                self.time = start + worker.break_minutes


def _book_doubles(problem, days, visits, unassigned) -> None:
    for visit in sorted((v for v in visits.values() if v.staff > 1), key=lambda v: v.earliest):
        qualified = [d for d in days.values() if visit.skills <= d.worker.skills]
        qualified.sort(key=lambda d: d.travel[d.worker.start][visit.location])
        chosen = []
        for day in qualified:
            start = max(
                visit.earliest,
                day.worker.shift_start + day.travel[day.worker.start][visit.location],
            )
            clash = any(abs(t - start) < visit.duration + 60 for t, _ in day.appointments)
            if not clash:
                chosen.append((day, start))
            if len(chosen) == visit.staff:
                break
        start = max((s for _, s in chosen), default=visit.latest + 1)
        if len(chosen) < visit.staff or start > visit.latest:
            unassigned[visit.id] = NOT_TOGETHER
            continue
        for day, _ in chosen:
            day.appointments.append((start, visit))
            day.appointments.sort(key=lambda item: item[0])
    for visit_id in [v for v in visits if visits[v].staff > 1]:
        visits.pop(visit_id)


def plan_by_hand(problem: Problem) -> Plan:
    unassigned = screen(problem)
    left = {v.id: v for v in problem.visits if v.id not in unassigned}
    days = {w.id: _Day(problem, w) for w in problem.workers}
    _book_doubles(problem, days, left, unassigned)
    progress = True
    while progress:
        progress = False
        for day in days.values():
            day.maybe_lunch()
            best = None
            for visit in left.values():
                if not visit.skills <= day.worker.skills:
                    continue
                fit = day.fits(visit)
                if fit is None:
                    continue
                key = (day.travel[day.here][visit.location], visit.latest)
                if best is None or key < best[0]:
                    best = (key, visit, *fit)
            appointment = day.next_appointment()
            if best is not None:
                _key, visit, arrival, start = best
                day.go(visit, arrival, start)
                del left[visit.id]
                progress = True
            elif appointment is not None:
                start, visit = day.appointments.pop(0)
                day.go(visit, day.time + day.travel[day.here][visit.location], start)
                progress = True
    for day in days.values():  # lunch after the last visit if the window is still open
        if day.stops and day.break_at is None:
            day.time = max(day.time, day.worker.break_earliest or 0)
            day.maybe_lunch()
    for visit_id in left:
        unassigned[visit_id] = DID_NOT_FIT
    plan = Plan(
        routes={w: d.stops for w, d in days.items()},
        unassigned=unassigned,
        solver="greedy",
        breaks={w: d.break_at for w, d in days.items() if d.break_at and d.stops},
    )
    plan.travel_minutes = route_travel(problem, plan)
    return plan
