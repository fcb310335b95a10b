"""Long module: the follow-up measures, computed from live and imported data with database
aggregates and a few ordered scans: pure numbers, no labels and nothing hidden yet. `presenters.py`
turns them into the dashboard's rows (Swedish labels, number formats) and hides every
count of patients below the small-number threshold – never patient-level rows.

Scope: an organisation (a region sees its wards' episodes, a municipality its home health
units'), optionally one ward or the patients listed at one primary care centre; a period
of whole days (`periods.Period`); trends by month or week.

Sections: care at home (Hemma's own episodes), coordination, ED visits per 1000 listed
(imported), readmissions and ED visits after every imported inpatient stay (imported)."""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.utils import timezone

from hemma.accounts.models import Organisation, Unit
from hemma.carerequests.models import CareRequest
from hemma.coordination.models import CaseMessage, DirectoryUse, DischargeCase, FrailtyScreening
from hemma.coordination.selectors import clock, payment_agreements
from hemma.episodes.models import ChecklistItem, Episode, EpisodeTransition
from hemma.monitoring.models import Alert

from . import measures
from .expressions import EpochSeconds, PlusDays, SecondsBetween
from .models import AdmissionRecord, EdVisitRecord, ListedPopulation, WardBedDays
from .periods import Period, month_end

AT_HOME = Episode.State.AT_HOME
ED_AGE_FROM = 80  # the seed's effect measure: ED visits by patients aged 80 and over


def _episodes(organisation: Organisation, ward: Unit | None, centre: Unit | None = None):
    # the organisation's units as a list of ids: simpler plans than joining units twice
    units = list(Unit.objects.filter(organisation=organisation).values_list("pk", flat=True))
    episodes = Episode.objects.filter(Q(ward_id__in=units) | Q(home_health_unit_id__in=units))
    if ward:
        episodes = episodes.filter(ward=ward)
    if centre:  # the patients listed at one primary care centre
        episodes = episodes.filter(patient__listed_unit=centre)
    return episodes


# --- Care at home ------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeNights:
    """Bed-days at home in a period, and the days from candidate to home of the episodes
    that went home in it."""

    total: int
    by_bucket: Counter  # per month or week of the period
    days_to_home: list[float]


@dataclass(frozen=True)
class CareAtHome:
    active: int  # patients at home now
    went_home: int
    ended: int  # discharged in the period
    days_to_home_median: float | None
    home_bed_days: int
    home_bed_days_by_bucket: dict[date, int]
    ward_bed_days: int  # imported statistics; 0 = none imported for the period
    direct_admissions: int
    readmitted: int  # of the ended, admitted again within 30 days
    alerts: int
    acknowledged: int
    acknowledge_minutes_median: float | None
    acknowledge_minutes_p90: float | None
    accepted: int  # care requests accepted
    accept_hours_median: float | None
    last_checklist_items: list[tuple[str, int]] = field(default_factory=list)  # (key, n)

    @property
    def home_share_percent(self) -> float | None:
        """Bed-days at home / (the ward's imported bed-days + bed-days at home), in %."""
        if not self.ward_bed_days:
            return None
        return self.home_bed_days / (self.home_bed_days + self.ward_bed_days) * 100

    @property
    def alerts_per_home_day(self) -> float | None:
        return self.alerts / self.home_bed_days if self.home_bed_days else None


def _home_nights(episodes, period: Period) -> HomeNights:
    tz = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    touching = episodes.filter(at_home_since__isnull=False, at_home_since__lt=period.end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=period.start)
    )
    # One home period per episode (sent home → ended) unless it was admitted back to the
    # ward in between: only those episodes' timelines are read (a few per cent).
    readmitted_episodes = EpisodeTransition.objects.filter(
        episode__in=touching, to_state=Episode.State.READMITTED
    ).values("episode_id")
    timelines: dict[int, list] = defaultdict(list)
    for episode_id, state, at in (
        EpisodeTransition.objects.filter(episode_id__in=readmitted_episodes)
        .order_by("episode_id", "at", "id")
        .values_list("episode_id", "to_state", EpochSeconds("at"))
    ):
        timelines[episode_id].append((state, datetime.fromtimestamp(at, tz)))
    intervals_of: dict[int, list] = {
        episode_id: measures.home_intervals(timeline, now)
        for episode_id, timeline in timelines.items()
    }
    # 20,000 episodes over five years: their times as epoch seconds (no per-row conversion).
    # Those that went home in the period are among them: their days from candidate to home.
    days_to_home = []
    start, end_of_period = period.start.timestamp(), period.end.timestamp()
    for pk, created, home, ended_at in touching.values_list(
        "pk", EpochSeconds("created_at"), EpochSeconds("at_home_since"), EpochSeconds("ended_at")
    ):
        if start <= home < end_of_period:
            days_to_home.append((home - created) / 86400)
        if pk not in intervals_of:
            end = datetime.fromtimestamp(ended_at, tz) if ended_at is not None else now
            intervals_of[pk] = [(datetime.fromtimestamp(home, tz), end)]
    total = 0
    by_bucket: Counter = Counter()
    for intervals in intervals_of.values():
        for first, last in measures.night_spans(intervals, period.first, period.last, tz):
            total += (last - first).days + 1
            period.spread(first, last, by_bucket)
    return HomeNights(total, by_bucket, days_to_home)


def home_bed_days(
    organisation: Organisation, period: Period, ward: Unit | None = None, centre: Unit | None = None
) -> int:
    """Bed-days at home (= bed-days released) in the period."""
    return _home_nights(_episodes(organisation, ward, centre), period).total


def care_at_home(
    organisation: Organisation, period: Period, ward: Unit | None = None, centre: Unit | None = None
) -> CareAtHome:
    episodes = _episodes(organisation, ward, centre)
    nights = _home_nights(episodes, period)
    went_home = episodes.filter(at_home_since__gte=period.start, at_home_since__lt=period.end)
    ended = episodes.filter(
        state=Episode.State.DISCHARGED, ended_at__gte=period.start, ended_at__lt=period.end
    )
    direct = EpisodeTransition.objects.filter(
        episode__in=episodes,
        to_state=Episode.State.READMITTED,
        at__gte=period.start,
        at__lt=period.end,
    ).count()
    ward_days = (
        WardBedDays.objects.filter(
            organisation=organisation,
            month__gte=period.first.replace(day=1),
            month__lte=period.last,
            **({"ward": ward.name} if ward else {}),
        ).aggregate(total=Sum("bed_days"))["total"]
        or 0
    )
    alerts = Alert.objects.filter(
        episode__in=episodes, created_at__gte=period.start, created_at__lt=period.end
    )
    # every alert of the period, with its time to acknowledgement (None: not yet)
    alert_delays = _days(alerts, "created_at", "acknowledged_at")
    acknowledged = [d * 24 * 60 for d in alert_delays if d is not None]
    accepted = [
        d * 24
        for d in _days(
            CareRequest.objects.filter(
                episode__in=episodes,
                status=CareRequest.Status.ACCEPTED,
                sent_at__gte=period.start,
                sent_at__lt=period.end,
                answered_at__isnull=False,
            ),
            "sent_at",
            "answered_at",
        )
    ]
    return CareAtHome(
        active=episodes.filter(state=AT_HOME).count(),
        went_home=len(nights.days_to_home),
        ended=ended.count(),
        days_to_home_median=_median(nights.days_to_home),
        home_bed_days=nights.total,
        home_bed_days_by_bucket={b: nights.by_bucket[b] for b in period.buckets()},
        ward_bed_days=ward_days,
        direct_admissions=direct,
        readmitted=_readmissions(ended),
        alerts=len(alert_delays),
        acknowledged=len(acknowledged),
        acknowledge_minutes_median=_median(acknowledged),
        acknowledge_minutes_p90=measures.percentile(acknowledged, 0.9),
        accepted=len(accepted),
        accept_hours_median=_median(accepted),
        last_checklist_items=_last_checklist_items(went_home),
    )


def _median(values) -> float | None:
    return statistics.median(values) if values else None


def _days(queryset, begin: str, end: str) -> list[float]:
    """end − begin in days for each row, subtracted in the database (one number a row;
    None where end is missing)."""
    seconds = queryset.annotate(_seconds=SecondsBetween(begin, end))
    return [s if s is None else s / 86400 for s in seconds.values_list("_seconds", flat=True)]


def _readmissions(ended) -> int:
    """Discharged episodes followed within 30 days by a new inpatient admission (an
    admission notice, or a new episode from a ward) – joined in the database on the patient
    (a join the database can hash, rather than two subqueries per episode)."""
    readmitted: set[int] = set()
    for admissions in ("episodes__created_at", "discharge_cases__admitted_at"):
        later = {
            f"patient__{admissions}__gt": F("ended_at"),
            f"patient__{admissions}__lte": PlusDays(F("ended_at"), 30),
        }
        readmitted.update(ended.filter(**later).order_by().values_list("pk", flat=True).distinct())
    return len(readmitted)


def _last_checklist_items(episodes, top: int = 3) -> list[tuple[str, int]]:
    """The checklist item done last before going home, counted per item (in the database):
    the done items no item of the same episode was done after (two done at the same moment
    both count). The `top` most frequent, as (key, count)."""
    later = ChecklistItem.objects.filter(episode=OuterRef("episode"), at__gt=OuterRef("at"))
    counts = (
        ChecklistItem.objects.filter(episode__in=episodes, at__isnull=False)
        .exclude(Exists(later))
        .values("key")
        .annotate(n=Count("pk"))
        .order_by("-n", "key")
    )
    return [(row["key"], row["n"]) for row in counts[:top]]


# --- Coordination ------------------------------------------------------------------------


@dataclass(frozen=True)
class Coordination:
    notices: int  # admission notices sent
    notices_on_time: int  # within 24 hours
    sip_due: int  # cases whose SIP had to be called
    sip_in_time: int  # called within 3 days of ready for discharge
    payment_days: int
    directory_lookups: int
    frailty_screenings: int


def coordination(organisation: Organisation, period: Period) -> Coordination:
    cases = (
        DischargeCase.objects.filter(
            Q(ward__organisation=organisation) | Q(receivers__organisation=organisation)
        )
        .filter(admitted_at__gte=period.start, admitted_at__lt=period.end)
        .distinct()
        .select_related("ward")
        .prefetch_related("messages", "receivers")
    )
    agreements = payment_agreements()
    now = timezone.now()
    notices = on_time = sip_due = sip_in_time = payment_days = 0
    for case in cases:
        case_clock = clock(case, now, agreements)
        admission = next(
            (m for m in case.messages.all() if m.kind == CaseMessage.Kind.ADMISSION), None
        )
        if admission:
            notices += 1
            on_time += not admission.late
        if case_clock.sip_deadline:
            sip_due += 1
            call = next(
                (m for m in case.messages.all() if m.kind == CaseMessage.Kind.SIP_CALL), None
            )
            sip_in_time += bool(call and call.sent_at <= case_clock.sip_deadline)
        payment_days += case_clock.payment_days
    directory = (
        DirectoryUse.objects.filter(
            at__gte=period.start, at__lt=period.end, staff__units__organisation=organisation
        )
        .distinct()
        .count()
    )
    screenings = FrailtyScreening.objects.filter(
        unit__organisation=organisation, assessed_on__gte=period.first, assessed_on__lte=period.last
    ).count()
    return Coordination(notices, on_time, sip_due, sip_in_time, payment_days, directory, screenings)


# --- ED visits (imported) --------------------------------------------------------------------


@dataclass(frozen=True)
class RateSeries:
    name: str  # the centre or municipality ("" = not known)
    rates: list[float | None]  # per month of the period; None = nobody listed
    window_visits: list[int]  # the visits each month's rate is built on


@dataclass(frozen=True)
class Population:
    per: str  # "centre" or "municipality"
    months: list[date]
    series: list[RateSeries]


def population(organisation: Organisation, period: Period, per: str = "centre") -> Population:
    """ED visits per 1000 listed aged 80+, rolling three months, per primary care centre
    (or municipality), for each month of the period."""
    months = period.months()
    window_start = measures.months_back(months[0], 3)[0]
    key = "centre" if per == "centre" else "municipality"
    visits: dict[str, dict[date, int]] = defaultdict(dict)
    for name, month, count in (
        EdVisitRecord.objects.filter(
            organisation=organisation,
            month__gte=window_start,
            month__lte=period.last,
            age__gte=ED_AGE_FROM,
        )
        .values_list(key, "month")
        .annotate(n=Count("id"))
        .order_by()
    ):
        visits[name][month] = count
    listed: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for row in ListedPopulation.objects.filter(
        organisation=organisation,
        age_band="80+",
        month__gte=window_start,
        month__lte=period.last,
    ).values(key, "month", "count"):
        listed[row[key]][row["month"]] += row["count"]
    series = []
    for name in sorted(set(visits) | set(listed)):
        rates = [
            measures.rolling_rate_per_1000(visits[name], listed[name], month) for month in months
        ]
        window = [
            sum(visits[name].get(m, 0) for m in measures.months_back(month, 3)) for month in months
        ]
        series.append(RateSeries(name, rates, window))
    return Population(key, months, series)


@dataclass(frozen=True)
class EdVisitsPerMonth:
    """The imported ED visits of patients aged 80+ in whole months first…last."""

    first: date  # first day of the first month
    last: date  # last day of the last month
    months: int
    visits: int
    missing: list[date]  # months (their first day) without any imported ED visit

    @property
    def per_month(self) -> float | None:
        """The mean a month; None unless every month of the period has imported visits."""
        if self.missing or not self.months:
            return None
        return self.visits / self.months


def ed_visits_per_month(organisation: Organisation, first: date, last: date) -> EdVisitsPerMonth:
    """ED visits a month from the imported rows (Uppföljning → Underlag) of the months
    `first`…`last` (any day of each): one grouped query."""
    months = Period(first.replace(day=1), month_end(last)).months()
    counted = dict(
        EdVisitRecord.objects.filter(
            organisation=organisation,
            month__gte=months[0] if months else first,
            month__lte=months[-1] if months else last,
            age__gte=ED_AGE_FROM,
        )
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("month", "n")
    )
    return EdVisitsPerMonth(
        first=first.replace(day=1),
        last=month_end(last),
        months=len(months),
        visits=sum(counted.values()),
        missing=[m for m in months if not counted.get(m)],
    )


# --- Readmissions and ED visits after every imported inpatient stay -------------------------


@dataclass(frozen=True)
class FollowUp:
    """The index stays of the period (`measures.index_stays`) counted per primary care
    centre and per municipality. `latest_admission` is the last imported admission day
    (None: no stays imported); `ed_imported` whether any ED visits are; `last` the
    period's last day."""

    last: date
    centres: dict[str, measures.FollowUpCounts]
    municipalities: dict[str, measures.FollowUpCounts]
    latest_admission: date | None
    ed_imported: bool

    @property
    def complete_until(self) -> date | None:
        """The last discharge day with a whole 30 days of imported admissions after it."""
        if self.latest_admission is None:
            return None
        return self.latest_admission - timedelta(days=measures.FOLLOW_UP_DAYS)


def follow_up(organisation: Organisation, period: Period) -> FollowUp:
    """30-day readmissions and ED visits after every imported inpatient stay discharged in
    the period (not only Hemma's episodes), per centre and municipality: the stays that can
    be an index stay or its readmission, and the ED visits of their persons – four queries,
    however many centres."""
    days = timedelta(days=measures.FOLLOW_UP_DAYS)
    imported = AdmissionRecord.objects.filter(organisation=organisation)
    latest = imported.aggregate(latest=Max("admitted_on"))["latest"]
    ed_imported = EdVisitRecord.objects.filter(organisation=organisation).exists()
    if latest is None:
        return FollowUp(period.last, {}, {}, None, ed_imported)
    window = imported.filter(discharged_on__gte=period.first, admitted_on__lte=period.last + days)
    # ordered by the database: the join in Python then sorts one run
    stays = [
        measures.Stay(*row)
        for row in window.order_by("person_key", "admitted_on", "discharged_on").values_list(
            "person_key",
            "admitted_on",
            "discharged_on",
            "centre",
            "municipality",
            "hospital_at_home",
        )
    ]
    visits = []
    if ed_imported and stays:
        visits = list(
            EdVisitRecord.objects.filter(
                organisation=organisation,
                visited_on__gt=period.first,
                visited_on__lte=period.last + days,
                person_key__in=window.filter(discharged_on__lte=period.last).values("person_key"),
            ).values_list("person_key", "visited_on")
        )
    indexes = measures.index_stays(stays, visits, period.first, period.last)
    return FollowUp(
        period.last,
        measures.follow_up_by(indexes, "centre"),
        measures.follow_up_by(indexes, "municipality"),
        latest,
        ed_imported,
    )
