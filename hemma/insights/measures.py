"""Measures for the outcome dashboard, as pure functions: the seed's population measure
(ED visits per 1000 listed patients aged 80+, rolling three months), readmissions and ED
visits within 30 days after every imported inpatient stay, and small-number suppression
for every aggregate shown. Pure Python."""

import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import attrgetter
from statistics import fmean
from zoneinfo import ZoneInfo

DEFAULT_THRESHOLD = 5  # cells counting fewer patients than this are hidden


def months_back(month: date, count: int) -> list[date]:
    """`month` and the count − 1 months before it (first of each month), oldest first."""
    months, year, number = [], month.year, month.month
    for _ in range(count):
        months.append(date(year, number, 1))
        number -= 1
        if number == 0:
            year, number = year - 1, 12
    return months[::-1]


def rolling_rate_per_1000(
    visits_by_month: dict[date, int], listed_by_month: dict[date, int], month: date, window: int = 3
) -> float | None:
    """ED visits in the window (this month and the two before) per 1000 listed, using the
    mean listed population over the months of the window that have a figure. None when
    nobody is listed."""
    months = months_back(month, window)
    listed = [listed_by_month[m] for m in months if m in listed_by_month]
    if not listed or fmean(listed) == 0:
        return None
    visits = sum(visits_by_month.get(m, 0) for m in months)
    return visits / fmean(listed) * 1000


def hidden(count: int | None, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """A count of 1 … threshold − 1 identifies too few people to show; 0 is shown."""
    return count is not None and 0 < count < threshold


def suppress_row(
    counts: list[int], threshold: int = DEFAULT_THRESHOLD
) -> tuple[list[int | None], int | None]:
    """The cells and total of a row as they may be shown (None = hidden).

    Primary suppression hides small cells; secondary suppression makes sure a hidden cell
    cannot be worked out from the total minus the visible cells: when exactly one cell is
    hidden, the next smallest non-zero cell is hidden too, and if there is none the total is.
    """
    shown: list[int | None] = [None if hidden(c, threshold) else c for c in counts]
    total: int | None = sum(counts)
    if hidden(total, threshold):
        total = None
    missing = [i for i, c in enumerate(shown) if c is None]
    if total is not None and len(missing) == 1:
        candidates = [i for i, c in enumerate(shown) if c]
        if candidates:
            shown[min(candidates, key=lambda i: counts[i])] = None
        else:
            total = None
    return shown, total


# --- Care at home: bed-days, readmissions, times ------------------------------------------


def home_intervals(
    transitions: list[tuple[str, datetime]], now: datetime, at_home: str = "at_home"
):
    """The periods an episode spent at home, from its timeline [(to_state, at), …] in order."""
    intervals, since = [], None
    for state, moment in transitions:
        if state == at_home and since is None:
            since = moment
        elif state != at_home and since is not None:
            intervals.append((since, moment))
            since = None
    if since is not None:
        intervals.append((since, now))
    return intervals


def night_spans(intervals, first_day: date, last_day: date, tz: ZoneInfo):
    """The runs of nights at home in [first_day, last_day] as (first night, last night), as
    hospitals count bed-days (a night is named by the date it begins) – a night is a night
    also when the clocks change. Every midnight after the local start date up to the local
    end date lies inside the stay."""
    spans = []
    for start, end in intervals:
        day = max(start.astimezone(tz).date() + timedelta(days=1), first_day)
        stop = min(end.astimezone(tz).date(), last_day)
        if day <= stop:
            spans.append((day, stop))
    return spans


def bed_days(intervals, first_day: date, last_day: date, tz: ZoneInfo) -> int:
    """Bed-days (vårddygn) at home in [first_day, last_day]."""
    return sum(
        (stop - day).days + 1 for day, stop in night_spans(intervals, first_day, last_day, tz)
    )


def readmitted_within(discharged_at: datetime, admissions: list[datetime], days: int = 30) -> bool:
    limit = discharged_at + timedelta(days=days)
    return any(discharged_at < moment <= limit for moment in admissions)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (0 < share ≤ 1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


# --- Readmissions over all imported inpatient stays ------------------------------------------

FOLLOW_UP_DAYS = 30


@dataclass(frozen=True, slots=True)
class Stay:
    """An inpatient stay (dates only, as the data warehouse gives them)."""

    person: str
    admitted: date
    discharged: date
    centre: str = ""
    municipality: str = ""
    at_home: bool = False  # a hospital-at-home episode (or part of one)


def hospital_stays(stays: list[Stay]) -> list[Stay]:
    """The stays of each person joined into hospital stays: a stay admitted on or before the
    day the previous one was discharged (a transfer between wards or hospitals, or an
    overlap) continues it. A joined stay keeps the first admission, the last discharge and
    the centre and municipality of its last part; it is a hospital-at-home stay when any
    part was. Ordered by person, then admission."""
    joined: list[Stay] = []
    last = None
    for stay in sorted(stays, key=attrgetter("person", "admitted", "discharged")):
        if last is None or last.person != stay.person or stay.admitted > last.discharged:
            joined.append(stay)
            last = stay
            continue
        later = stay if stay.discharged >= last.discharged else last
        last = joined[-1] = Stay(
            person=stay.person,
            admitted=last.admitted,
            discharged=later.discharged,
            centre=later.centre,
            municipality=later.municipality,
            at_home=last.at_home or stay.at_home,
        )
    return joined


@dataclass(frozen=True, slots=True)
class IndexStay:
    stay: Stay
    readmitted: bool  # a new admission 1–30 days after the discharge day
    ed_visit: bool  # an ED visit 1–30 days after the discharge day


def index_stays(
    stays: list[Stay],
    ed_visits: list[tuple[str, date]],
    first: date,
    last: date,
    days: int = FOLLOW_UP_DAYS,
) -> list[IndexStay]:
    """Every hospital stay (`hospital_stays`) discharged in [first, last] is an index stay,
    counted once however many admissions follow it: readmitted when the same person's next
    hospital stay is admitted 1 … `days` days after the discharge day (day 31 is not), with
    an ED visit when the person visited the ED 1 … `days` days after it. A readmission is
    also an index stay of its own when it is discharged in the period (chained stays)."""
    visits: dict[str, list[date]] = defaultdict(list)
    for person, day in ed_visits:
        visits[person].append(day)
    for days_of in visits.values():
        days_of.sort()
    joined = hospital_stays(stays)
    window = timedelta(days=days)
    none: list[date] = []
    result = []
    for stay, following in zip(joined, [*joined[1:], None], strict=False):
        discharged = stay.discharged
        if discharged < first or discharged > last:
            continue
        limit = discharged + window
        readmitted = (
            following is not None
            and following.person == stay.person
            and following.admitted <= limit
        )
        days_of = visits.get(stay.person, none)
        after = bisect_right(days_of, discharged)
        ed_visit = after < len(days_of) and days_of[after] <= limit
        result.append(IndexStay(stay, readmitted, ed_visit))
    return result


@dataclass
class FollowUpCounts:
    """Index stays of a centre or municipality and what followed them."""

    discharged: int = 0
    readmitted: int = 0
    ed_visit: int = 0
    at_home_discharged: int = 0
    at_home_readmitted: int = 0

    def add(self, index: IndexStay) -> None:
        self.discharged += 1
        self.readmitted += index.readmitted
        self.ed_visit += index.ed_visit
        if index.stay.at_home:
            self.at_home_discharged += 1
            self.at_home_readmitted += index.readmitted


def follow_up_by(indexes: list[IndexStay], per: str) -> dict[str, FollowUpCounts]:
    """The index stays counted per primary care centre (`per="centre"`) or municipality."""
    counts: dict[str, FollowUpCounts] = defaultdict(FollowUpCounts)
    for index in indexes:
        counts[getattr(index.stay, per)].add(index)
    return dict(counts)
