"""A discrete-event simulation (SimPy) of a ward that sends some patients home early:
"what if 4 % of our bed-days were delivered at home?" Pure Python, reproducible with a seed.

Patients arrive by weekday (Poisson), stay a length of stay drawn from a log-normal
distribution (or from the ward's own history), and an eligible share goes home early for
the last days of the stay. At home a patient may be admitted directly back (to a safety
place when one is free); after discharge a patient may be readmitted within 30 days. The
ward never turns anyone away: patients above the beds are överbeläggningar (days over
capacity), as in Swedish hospitals. Outputs over replications come with 95 % confidence
intervals: occupancy over time, days over capacity, bed-days released, patients at home at
once (what home health care must staff), and costs."""

import math
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

import simpy

DAY = 1.0
Z95 = 1.96


@dataclass(frozen=True)
class WardParameters:
    beds: int = 22
    safety_places: int = 2  # kept free for direct admissions of patients at home
    arrivals_per_weekday: tuple[float, ...] = (4.6, 4.4, 4.2, 4.2, 4.4, 3.2, 3.0)  # Mon…Sun
    los_mean_days: float = 5.0
    los_sd_days: float = 3.5
    los_history: tuple[float, ...] = ()  # the ward's own stays; used instead when given
    early_discharge_share: float = 0.0  # share of patients who go home early
    days_moved_home: float = 2.5  # the last days of their stay, at home instead
    direct_admission_probability: float = 0.07  # back to the ward from home
    readmission_probability: float = 0.08  # within 30 days after discharge
    bed_day_cost: int = 8_500  # kr per bed-day on the ward
    home_day_cost: int = 3_500  # kr per day at home (visits, equipment, transport)
    days: int = 365
    warmup_days: int = 28  # the ward starts empty: these days are not counted

    def __post_init__(self):
        if self.beds < 1 or not 0 <= self.safety_places < self.beds:
            raise ValueError("beds must be at least 1 and safety places fewer than the beds")
        if len(self.arrivals_per_weekday) != 7 or min(self.arrivals_per_weekday) < 0:
            raise ValueError("arrivals: seven non-negative daily rates, Monday first")
        if self.los_mean_days <= 0 or self.los_sd_days < 0:
            raise ValueError("length of stay: a positive mean and a non-negative spread")
        for name in (
            "early_discharge_share",
            "direct_admission_probability",
            "readmission_probability",
        ):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.days < 1 or self.warmup_days < 0:
            raise ValueError("simulate at least one day")

    @property
    def arrival_rate(self) -> float:
        return sum(self.arrivals_per_weekday) / 7


def share_for_home_bed_days(target: float, los_mean_days: float, days_moved_home: float) -> float:
    """The share of patients to send home early so that `target` of all bed-days are
    delivered at home (e.g. 0.04 → 4 %) if every one of them stayed `days_moved_home` days
    at home – the rough estimate; `home_share` counts short stays and direct admissions."""
    if days_moved_home <= 0:
        return 0.0
    return min(1.0, target * los_mean_days / days_moved_home)


@dataclass(frozen=True)
class HomeShare:
    """What a requested share of bed-days at home takes with the ward's stays, and what
    can be reached at all: a patient goes home for at most `days_moved_home` of the stay
    and stays of a day or less never go home early (short stays give fewer days), and a
    direct admission brings the rest of the home days back to the ward."""

    requested: float  # of all bed-days, e.g. 0.04
    share: float  # of the patients to send home early (at most all of them)
    reachable: float  # the most of the bed-days at home: every patient goes home early
    expected: float  # of the bed-days at home with `share`
    days_at_home: float  # mean days at home of a patient sent home early
    lost_to_short_stays: float  # of the days moved home, lost because stays are short
    lost_to_direct_admissions: float  # of the days moved home, back on the ward

    @property
    def unreachable(self) -> bool:
        return self.requested > self.reachable + 1e-9


def _stay_sample(params: WardParameters, count: int = 2000) -> list[float]:
    """The stays the simulation draws from, as evenly spaced quantiles (deterministic)."""
    if params.los_history:
        return [max(0.25, s) for s in params.los_history]
    mean, sd = params.los_mean_days, params.los_sd_days
    if sd == 0:
        return [mean]
    sigma2 = math.log(1 + (sd / mean) ** 2)
    normal = statistics.NormalDist(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))
    return [math.exp(normal.inv_cdf((i + 0.5) / count)) for i in range(count)]


def home_share(params: WardParameters, requested: float) -> HomeShare:
    """The share of patients to send home early so that `requested` of all bed-days are
    delivered at home, counting short stays and direct admissions (the simulation's own
    rules), and how much can be reached when all patients go home early."""
    stays = _stay_sample(params)
    moved = params.days_moved_home
    mean_stay = statistics.fmean(stays)
    mean_home = statistics.fmean(min(moved, s - 1) if s > 1 else 0.0 for s in stays)
    kept_home = mean_home * (1 - params.direct_admission_probability / 2)
    reachable = kept_home / mean_stay if mean_stay > 0 else 0.0
    share = min(1.0, requested / reachable) if reachable > 0 else 0.0
    return HomeShare(
        requested=requested,
        share=share,
        reachable=reachable,
        expected=share * reachable,
        days_at_home=kept_home,
        lost_to_short_stays=(1 - mean_home / moved) if moved > 0 else 0.0,
        lost_to_direct_admissions=params.direct_admission_probability / 2,
    )


@dataclass
class Run:
    occupancy_by_day: list[int]  # ward patients at noon, after the warm-up
    at_home_by_day: list[int]
    mean_occupancy: float  # time average
    days_over_capacity: int
    ward_bed_days: float
    home_bed_days: float
    direct_admissions: int
    readmissions: int

    def cost(self, params: WardParameters) -> float:
        return self.ward_bed_days * params.bed_day_cost + self.home_bed_days * params.home_day_cost


class _Ward:
    def __init__(self, env: simpy.Environment, params: WardParameters, rng: random.Random):
        self.env, self.params, self.rng = env, params, rng
        self.on_ward = self.at_home = self.safety_used = 0
        self.area = self.last = 0.0
        self.start = params.warmup_days * DAY
        self.ward_days = self.home_days = 0.0
        self.direct = self.readmitted = 0
        self.occupancy: list[int] = []
        self.home: list[int] = []
        self.over = 0

    # -- time-weighted counters (counted after the warm-up only) --
    def _tick(self):
        now = self.env.now
        if now > self.start:
            span = now - max(self.last, self.start)
            self.area += self.on_ward * span
        self.last = now

    def _ward(self, change: int):
        self._tick()
        self.on_ward += change

    def _stay(self, days: float, where: str):
        """Count the part of a stay after the warm-up."""
        begin, end = self.env.now, self.env.now + days
        counted = max(0.0, end - max(begin, self.start))
        if where == "ward":
            self.ward_days += counted
        else:
            self.home_days += counted

    def length_of_stay(self) -> float:
        params = self.params
        if params.los_history:
            return max(0.25, self.rng.choice(params.los_history))
        mean, sd = params.los_mean_days, params.los_sd_days
        if sd == 0:
            return mean
        sigma2 = math.log(1 + (sd / mean) ** 2)
        return self.rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))

    def patient(self, readmission: bool = False):
        params, rng = self.params, self.rng
        if readmission:
            self.readmitted += self.env.now > self.start
        stay = self.length_of_stay()
        early = rng.random() < params.early_discharge_share and stay > 1
        home_part = min(params.days_moved_home, stay - 1) if early else 0.0
        ward_part = stay - home_part
        self._ward(+1)
        self._stay(ward_part, "ward")
        yield self.env.timeout(ward_part)
        self._ward(-1)
        if home_part > 0:
            self.at_home += 1
            if rng.random() < params.direct_admission_probability:
                at_home = rng.uniform(0, home_part)
                self._stay(at_home, "home")
                yield self.env.timeout(at_home)
                self.at_home -= 1
                self.direct += self.env.now > self.start
                # back on the ward for the rest of the stay, on a safety place if one is free
                safety = self.safety_used < params.safety_places
                self.safety_used += safety
                self._ward(+1)
                self._stay(home_part - at_home, "ward")
                yield self.env.timeout(home_part - at_home)
                self._ward(-1)
                self.safety_used -= safety
            else:
                self._stay(home_part, "home")
                yield self.env.timeout(home_part)
                self.at_home -= 1
        if rng.random() < params.readmission_probability:
            yield self.env.timeout(rng.uniform(1, 30))
            self.env.process(self.patient(readmission=True))

    def arrivals(self):
        params, rng = self.params, self.rng
        total = params.warmup_days + params.days
        for day in range(total):
            rate = params.arrivals_per_weekday[day % 7]
            times = sorted(rng.random() for _ in range(_poisson(rng, rate)))
            for moment in times:
                target = day + moment
                if target > self.env.now:
                    yield self.env.timeout(target - self.env.now)
                self.env.process(self.patient())
            if day + 1 > self.env.now:
                yield self.env.timeout(day + 1 - self.env.now)

    def noon(self):
        """Count the ward and the homes every day at noon (after the warm-up)."""
        params = self.params
        yield self.env.timeout(params.warmup_days + 0.5)
        regular_beds = params.beds - params.safety_places
        for _ in range(params.days):
            regular = self.on_ward - self.safety_used
            self.occupancy.append(self.on_ward)
            self.home.append(self.at_home)
            self.over += regular > regular_beds
            yield self.env.timeout(DAY)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method (daily means are small)."""
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def simulate(params: WardParameters, seed: int = 1) -> Run:
    rng = random.Random(seed)  # noqa: S311 – a reproducible simulation, not security
    env = simpy.Environment()
    ward = _Ward(env, params, rng)
    env.process(ward.arrivals())
    env.process(ward.noon())
    end = (params.warmup_days + params.days) * DAY
    env.run(until=end)
    ward._tick()  # noqa: SLF001 – close the time-weighted area at the end
    return Run(
        occupancy_by_day=ward.occupancy,
        at_home_by_day=ward.home,
        mean_occupancy=ward.area / (params.days * DAY),
        days_over_capacity=ward.over,
        ward_bed_days=ward.ward_days,
        home_bed_days=ward.home_days,
        direct_admissions=ward.direct,
        readmissions=ward.readmitted,
    )


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float  # 95 % confidence interval
    high: float

    @classmethod
    def of(cls, values: list[float]) -> "Estimate":
        mean = statistics.fmean(values)
        if len(values) < 2:
            return cls(mean, mean, mean)
        half = Z95 * statistics.stdev(values) / math.sqrt(len(values))
        return cls(mean, mean - half, mean + half)


@dataclass
class Summary:
    params: WardParameters
    replications: int
    mean_occupancy: Estimate
    days_over_capacity: Estimate
    home_bed_days: Estimate  # bed-days released from the ward
    home_share: Estimate  # of all bed-days, delivered at home
    at_home_mean: Estimate
    at_home_peak: Estimate  # the most at home on one day: what home health must staff
    cost: Estimate
    occupancy_by_day: list[float] = field(default_factory=list)  # mean over replications
    at_home_by_day: list[float] = field(default_factory=list)


def replicate(
    params: WardParameters,
    replications: int = 100,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    runs = []
    for index in range(replications):
        runs.append(simulate(params, seed * 100_003 + index))
        if progress:
            progress(index + 1, replications)

    def est(values):
        return Estimate.of([float(v) for v in values])

    days = params.days
    return Summary(
        params=params,
        replications=replications,
        mean_occupancy=est(r.mean_occupancy for r in runs),
        days_over_capacity=est(r.days_over_capacity for r in runs),
        home_bed_days=est(r.home_bed_days for r in runs),
        home_share=est(
            r.home_bed_days / max(1e-9, r.home_bed_days + r.ward_bed_days) for r in runs
        ),
        at_home_mean=est(statistics.fmean(r.at_home_by_day) for r in runs),
        at_home_peak=est(max(r.at_home_by_day) for r in runs),
        cost=est(r.cost(params) for r in runs),
        occupancy_by_day=[
            statistics.fmean(r.occupancy_by_day[d] for r in runs) for d in range(days)
        ],
        at_home_by_day=[statistics.fmean(r.at_home_by_day[d] for r in runs) for d in range(days)],
    )
