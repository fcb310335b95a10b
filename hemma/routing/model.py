"""The planning problem and its plan. Times are whole minutes from the start of the day,
coordinates are (latitude, longitude) or plain (x, y) for benchmark instances."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Visit:
    id: str
    location: tuple[float, float]
    earliest: int  # window start (minute of the day)
    latest: int  # window end: the visit must *start* by then
    duration: int
    skills: frozenset[str] = frozenset()
    demand: int = 0  # benchmark instances (vehicle capacity)
    staff: int = 1  # 2 = a double visit: two staff start together
    priority: int = 0  # ad-hoc visits after an alert go first when not all fit
    preferred: str | None = None  # continuity: the worker the patient knows


@dataclass(frozen=True)
class Gap:
    """`second` must start between min and max minutes after `first` starts."""

    first: str
    second: str
    min_minutes: int
    max_minutes: int


@dataclass(frozen=True)
class Worker:
    id: str
    start: tuple[float, float]
    end: tuple[float, float]
    shift_start: int
    shift_end: int
    skills: frozenset[str] = frozenset()
    capacity: int = 0
    mode: str = "car"  # car, bike, walk: which travel matrix applies
    break_earliest: int | None = None  # the lunch break starts in [earliest, latest]
    break_latest: int | None = None
    break_minutes: int = 0
    max_work: int | None = None  # minutes from leaving to being back

    @property
    def needs_break(self) -> bool:
        return self.break_minutes > 0 and self.break_earliest is not None


@dataclass
class Problem:
    visits: list[Visit]
    workers: list[Worker]
    # travel[a][b] in minutes between location keys (see keys()) by car; filled by travel.py
    travel: dict[tuple, dict[tuple, int]] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)
    # other travel modes' matrices ("bike", "walk"); a mode without one uses `travel`
    mode_travel: dict[str, dict[tuple, dict[tuple, int]]] = field(default_factory=dict)

    def keys(self) -> list[tuple]:
        """Every location used, in a stable order."""
        seen: dict[tuple, None] = {}
        for worker in self.workers:
            seen.setdefault(worker.start)
            seen.setdefault(worker.end)
        for visit in self.visits:
            seen.setdefault(visit.location)
        return list(seen)

    def matrix_for(self, worker: Worker) -> dict[tuple, dict[tuple, int]]:
        return self.mode_travel.get(worker.mode, self.travel)


@dataclass(frozen=True)
class Stop:
    visit_id: str
    arrival: int
    start: int  # start of service (after waiting for the window)


@dataclass
class Plan:
    routes: dict[str, list[Stop]]
    unassigned: dict[str, str]  # visit id -> reason
    travel_minutes: int = 0
    solver: str = ""
    # worker id -> (number of stops before the break, break start)
    breaks: dict[str, tuple[int, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
