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


@dataclass(frozen=True)
class Worker:
    id: str
    start: tuple[float, float]
    end: tuple[float, float]
    shift_start: int
    shift_end: int
    skills: frozenset[str] = frozenset()
    capacity: int = 0


@dataclass
class Problem:
    visits: list[Visit]
    workers: list[Worker]
    # travel[a][b] in minutes between location keys (see keys()); filled by travel.py
    travel: dict[tuple, dict[tuple, int]] = field(default_factory=dict)

    def keys(self) -> list[tuple]:
        """Every location used, in a stable order."""
        seen: dict[tuple, None] = {}
        for worker in self.workers:
            seen.setdefault(worker.start)
            seen.setdefault(worker.end)
        for visit in self.visits:
            seen.setdefault(visit.location)
        return list(seen)


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
