"""The outcome dashboard's panels, computed from live data with database aggregates and a
few ordered scans – aggregates only, never patient-level rows, and every count of patients
below the small-number threshold hidden (measures.suppress_row).

Scope: the acting unit's organisation (a region sees its wards' episodes, a municipality
its home health units'), optionally one ward; a period of whole days; trends by month."""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.utils import timezone

from hemma.accounts.models import Organisation, Unit
from hemma.carerequests.models import CareRequest
from hemma.coordination.models import (
    CaseMessage,
    DirectoryUse,
    DischargeCase,
    FrailtyScreening,
)
from hemma.coordination.selectors import clock, payment_agreements
from hemma.episodes.models import ChecklistItem, Episode, EpisodeTransition
from hemma.monitoring.models import Alert

from . import measures
from .expressions import EpochSeconds, PlusDays, SecondsBetween
from .models import EdVisitRecord, ListedPopulation, WardBedDays

AT_HOME = Episode.State.AT_HOME


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive
    grain: str = "month"  # trends by "month" or "week"

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    def bucket(self, day: date) -> date:
        """The trend bucket a day falls in: its month, or its ISO week's Monday."""
        if self.grain == "week":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1)

    def buckets(self) -> list[date]:
        if self.grain != "week":
            return self.months()
        monday, found = self.bucket(self.first), []
        while monday <= self.last:
            found.append(monday)
            monday += timedelta(days=7)
        return found

    def following(self, bucket: date) -> date:
        """The first day of the next bucket."""
        if self.grain == "week":
            return bucket + timedelta(days=7)
        return (bucket + timedelta(days=32)).replace(day=1)

    def spread(self, first: date, last: date, counts: Counter) -> None:
        """Add the days first…last to the buckets they fall in."""
        while first <= last:
            bucket = self.bucket(first)
            upto = min(last, self.following(bucket) - timedelta(days=1))
            counts[bucket] += (upto - first).days + 1
            first = upto + timedelta(days=1)

    def label(self, bucket: date) -> str:
        return f"{bucket:%G-v%V}" if self.grain == "week" else f"{bucket:%Y-%m}"

    def months(self) -> list[date]:
        months, month = [], self.first.replace(day=1)
        while month <= self.last:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months


@dataclass
class Row:
    label: str
    value: object  # None = hidden (small number) or not available
    note: str = ""
    key: str = ""


@dataclass
class Panel:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    chart: dict | None = None  # {"labels": [...], "series": [{"label", "values"}]}


def threshold() -> int:
    return settings.HEMMA_SMALL_NUMBER_THRESHOLD


def _count(value: int) -> int | None:
    """A count of patients as it may be shown."""
    return None if measures.hidden(value, threshold()) else value


def _episodes(organisation: Organisation, ward: Unit | None, centre: Unit | None = None):
    # the organisation's units as a list of ids: simpler plans than joining units twice
    units = list(Unit.objects.filter(organisation=organisation).values_list("pk", flat=True))
    episodes = Episode.objects.filter(Q(ward_id__in=units) | Q(home_health_unit_id__in=units))
    if ward:
        episodes = episodes.filter(ward=ward)
    if centre:  # the patients listed at one primary care centre
        episodes = episodes.filter(patient__listed_unit=centre)
    return episodes


def care_at_home(
    organisation: Organisation, period: Period, ward: Unit | None = None, centre: Unit | None = None
) -> Panel:
    from django.utils.translation import gettext as _

    tz = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    episodes = _episodes(organisation, ward, centre)
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
    flag_to_home = []
    start, end_of_period = period.start.timestamp(), period.end.timestamp()
    for pk, created, home, ended_at in touching.values_list(
        "pk", EpochSeconds("created_at"), EpochSeconds("at_home_since"), EpochSeconds("ended_at")
    ):
        if start <= home < end_of_period:
            flag_to_home.append((home - created) / 86400)
        if pk not in intervals_of:
            end = datetime.fromtimestamp(ended_at, tz) if ended_at is not None else now
            intervals_of[pk] = [(datetime.fromtimestamp(home, tz), end)]
    home_days = 0
    by_month: Counter = Counter()
    for intervals in intervals_of.values():
        for first, last in measures.night_spans(intervals, period.first, period.last, tz):
            home_days += (last - first).days + 1
            period.spread(first, last, by_month)
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
    readmitted = _readmissions(ended)
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
    last_items = _last_checklist_items(went_home)
    ended_count = ended.count()
    active = episodes.filter(state=AT_HOME).count()
    share = home_days / (home_days + ward_days) * 100 if ward_days else None
    rows = [
        Row(_("Patienter hemma nu"), _count(active)),
        Row(_("Gick hem under perioden"), _count(len(flag_to_home))),
        Row(_("Avslutade (utskrivna) under perioden"), _count(ended_count)),
        Row(
            _("Dagar från kandidat till hemma (median)"),
            round(statistics.median(flag_to_home), 1) if _count(len(flag_to_home)) else None,
        ),
        Row(_("Vårddygn i hemmet (frigjorda vårddygn)"), home_days, key="home_bed_days"),
        Row(
            _("Andel av avdelningens vårddygn som gavs i hemmet"),
            f"{share:.1f} %" if share is not None else None,
            "" if ward_days else _("kräver inläst vårddygnsstatistik"),
        ),
        Row(_("Direktinläggningar under vårdtiden"), _count(direct)),
        Row(
            _("Återinläggningar inom 30 dagar efter utskrivning"),
            f"{_count(readmitted)} / {ended_count}"
            if _count(readmitted) is not None and _count(ended_count)
            else None,
        ),
        Row(
            _("Larm per patientdygn"),
            round(len(alert_delays) / home_days, 2) if home_days else None,
        ),
        Row(
            _("Tid till kvittens av larm, median / 90:e percentil (min)"),
            _pair(acknowledged),
        ),
        Row(_("Vårdbegäran: tid till accept, median (timmar)"), _median(accepted)),
        Row(
            _("Checklistepunkter som oftast blev klara sist"),
            ", ".join(f"{label} ({n})" for label, n in last_items) or None,
        ),
    ]
    chart = {
        "labels": [period.label(b) for b in period.buckets()],
        "series": [
            {"label": _("Vårddygn i hemmet"), "values": [by_month[b] for b in period.buckets()]}
        ],
    }
    return Panel("care_at_home", _("Vård i hemmet"), rows, chart)


def _days(queryset, begin: str, end: str) -> list[float]:
    """end − begin in days for each row, subtracted in the database (one number a row;
    None where end is missing)."""
    seconds = queryset.annotate(_seconds=SecondsBetween(begin, end))
    return [s if s is None else s / 86400 for s in seconds.values_list("_seconds", flat=True)]


def _median(values):
    return round(statistics.median(values), 1) if _count(len(values)) else None


def _pair(values):
    if not _count(len(values)):
        return None
    return f"{statistics.median(values):.0f} / {measures.percentile(values, 0.9):.0f}"


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


def _last_checklist_items(episodes, top: int = 3):
    """The checklist item done last before going home, counted per item (in the database):
    the done items no item of the same episode was done after (two done at the same moment
    both count)."""
    later = ChecklistItem.objects.filter(episode=OuterRef("episode"), at__gt=OuterRef("at"))
    counts = (
        ChecklistItem.objects.filter(episode__in=episodes, at__isnull=False)
        .exclude(Exists(later))
        .values("key")
        .annotate(n=Count("pk"))
        .order_by("-n", "key")
    )
    labels = dict(ChecklistItem.Key.choices)
    found = [(labels.get(row["key"], row["key"]), row["n"]) for row in counts[:top]]
    return [(label, n) for label, n in found if _count(n) is not None]


def coordination(organisation: Organisation, period: Period) -> Panel:
    from django.utils.translation import gettext as _

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
    rows = [
        Row(_("Inskrivningsmeddelanden i tid (inom 24 timmar)"), _share(on_time, notices)),
        Row(_("SIP kallad inom 3 dagar efter utskrivningsklar"), _share(sip_in_time, sip_due)),
        Row(_("Dagar med betalningsansvar"), payment_days),
        Row(_("Uppslag i läkare till läkare-listan"), directory),
        Row(_("Skörhetsskattningar (CFS) gjorda"), _count(screenings)),
    ]
    return Panel("coordination", _("Samordning"), rows)


def _share(part: int, whole: int):
    if not _count(whole) or measures.hidden(part, threshold()):
        return None
    return f"{part} / {whole} ({part / whole * 100:.0f} %)"


def population(organisation: Organisation, period: Period, by: str = "centre") -> Panel:
    """ED visits per 1000 listed aged 80+, rolling three months, per primary care centre
    (or municipality), for each month of the period."""
    from django.utils.translation import gettext as _

    months = period.months()
    window_start = measures.months_back(months[0], 3)[0]
    key = "centre" if by == "centre" else "municipality"
    visits: dict[str, dict[date, int]] = defaultdict(dict)
    for name, month, count in (
        EdVisitRecord.objects.filter(
            organisation=organisation,
            month__gte=window_start,
            month__lte=period.last,
            age__gte=80,
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
        listed[row[key] or _("(okänd kommun)")][row["month"]] += row["count"]
    names = sorted(set(visits) | set(listed))
    series, rows = [], []
    for name in names:
        values = []
        for month in months:
            window_visits = sum(visits[name].get(m, 0) for m in measures.months_back(month, 3))
            rate = measures.rolling_rate_per_1000(visits[name], listed[name], month)
            values.append(
                None
                if rate is None or measures.hidden(window_visits, threshold())
                else round(rate, 1)
            )
        series.append({"label": name, "values": values})
        latest = next((v for v in reversed(values) if v is not None), None)
        rows.append(Row(name, latest))
    title = _("Akutbesök per 1000 listade 80+ (rullande 3 månader)")
    if by != "centre":
        title = _("Akutbesök per 1000 listade 80+ per kommun (rullande 3 månader)")
    return Panel(
        f"population_{key}",
        title,
        rows,
        {"labels": [f"{m:%Y-%m}" for m in months], "series": series},
    )


def dashboard(
    organisation: Organisation, period: Period, ward: Unit | None = None, centre: Unit | None = None
) -> list[Panel]:
    return [
        care_at_home(organisation, period, ward, centre),
        coordination(organisation, period),
        population(organisation, period, "centre"),
        population(organisation, period, "municipality"),
    ]
