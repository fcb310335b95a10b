"""The follow-up measures (`selectors.py`, pure numbers) as the pages show them: the
dashboard's panels – rows with Swedish labels, numbers rounded and formatted, each chart's
series – and the economics page's ED visits a month.

Every count of patients below the small-number threshold is hidden here
(`measures.hidden`), and so is a measure built on it (a median of three patients, a rate
whose visits are hidden): None in a row, "–" on the page."""

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from hemma.accounts.models import Organisation, Unit
from hemma.clinical import numbers
from hemma.episodes.models import ChecklistItem

from . import measures, selectors
from .periods import Period


@dataclass
class Row:
    label: str
    value: object  # None = hidden (small number) or not available
    note: str = ""
    decimals: int = 1  # places a non-whole number is shown with (template: |number)


@dataclass
class Table:
    """A table of a panel: a row per centre or municipality, the total last; None = hidden."""

    columns: list[str]
    rows: list[list]


@dataclass
class Panel:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    # {"labels": [...], "series": [{"label", "values"}], "partial": [indices], "decimals": n}:
    # a partial bucket (the month so far, a month cut by the period) is drawn as partial.
    chart: dict | None = None
    table: Table | None = None
    empty: str = ""  # why there is nothing to show (which import is missing)
    notes: list[str] = field(default_factory=list)


def threshold() -> int:
    return settings.HEMMA_SMALL_NUMBER_THRESHOLD


def _count(value: int) -> int | None:
    """A count of patients as it may be shown."""
    return None if measures.hidden(value, threshold()) else value


def _shown(count: int) -> bool:
    """Whether a measure built on `count` patients may be shown (not none, not too few)."""
    return bool(_count(count))


def _rounded(value: float | None, count: int, places: int = 1) -> float | None:
    return round(value, places) if value is not None and _shown(count) else None


def _share(part: int, whole: int) -> str | None:
    if not _shown(whole) or measures.hidden(part, threshold()):
        return None
    return f"{numbers.integer(part)} / {numbers.integer(whole)} ({numbers.share(part, whole)})"


def _chart(period: Period, buckets: list, series: list[dict], decimals: int = 0) -> dict:
    """A trend chart's data: a bucket the period does not cover in full – the current
    month so far, a month cut by the period – is labelled and listed as partial, so the
    chart draws it as partial instead of as a drop."""
    labels, partial = [], []
    for index, bucket in enumerate(buckets):
        label = period.label(bucket)
        coverage = period.coverage(bucket)
        if coverage == "so_far":
            label = _("%(label)s (hittills)") % {"label": label}
        elif coverage == "part":
            label = _("%(label)s (del)") % {"label": label}
        if coverage != "whole":
            partial.append(index)
        labels.append(label)
    return {"labels": labels, "series": series, "partial": partial, "decimals": decimals}


# --- The dashboard ---------------------------------------------------------------------------


def care_at_home_panel(care: selectors.CareAtHome, period: Period) -> Panel:
    share = care.home_share_percent
    readmitted = _count(care.readmitted)
    per_day = care.alerts_per_home_day
    labels = dict(ChecklistItem.Key.choices)
    last_items = [(labels.get(k, k), n) for k, n in care.last_checklist_items if _count(n)]
    readmissions = None
    if readmitted is not None and _shown(care.ended):
        readmissions = f"{numbers.integer(readmitted)} / {numbers.integer(care.ended)}"
    acknowledged = None
    if _shown(care.acknowledged):
        acknowledged = (
            f"{numbers.integer(care.acknowledge_minutes_median)} / "
            f"{numbers.integer(care.acknowledge_minutes_p90)}"
        )
    rows = [
        Row(_("Patienter hemma nu"), _count(care.active)),
        Row(_("Gick hem under perioden"), _count(care.went_home)),
        Row(_("Avslutade (utskrivna) under perioden"), _count(care.ended)),
        Row(
            _("Dagar från kandidat till hemma (median)"),
            _rounded(care.days_to_home_median, care.went_home),
        ),
        Row(_("Vårddygn i hemmet (frigjorda vårddygn)"), care.home_bed_days),
        Row(
            _("Andel av avdelningens vårddygn som gavs i hemmet"),
            numbers.percent(share, 1) if share is not None else None,
            "" if care.ward_bed_days else _("kräver inläst vårddygnsstatistik"),
        ),
        Row(_("Direktinläggningar under vårdtiden"), _count(care.direct_admissions)),
        Row(_("Återinläggningar inom 30 dagar efter utskrivning"), readmissions),
        Row(
            _("Larm per patientdygn"),
            round(per_day, 2) if per_day is not None else None,
            decimals=2,
        ),
        Row(_("Tid till kvittens av larm, median / 90:e percentil (min)"), acknowledged),
        Row(
            _("Vårdbegäran: tid till accept, median (timmar)"),
            _rounded(care.accept_hours_median, care.accepted),
        ),
        Row(
            _("Checklistepunkter som oftast blev klara sist"),
            ", ".join(f"{label} ({n})" for label, n in last_items) or None,
        ),
    ]
    buckets = period.buckets()
    chart = _chart(
        period,
        buckets,
        [
            {
                "label": _("Vårddygn i hemmet"),
                "values": [care.home_bed_days_by_bucket.get(b, 0) for b in buckets],
            }
        ],
    )
    return Panel("care_at_home", _("Vård i hemmet"), rows, chart)


def coordination_panel(done: selectors.Coordination) -> Panel:
    rows = [
        Row(
            _("Inskrivningsmeddelanden i tid (inom 24 timmar)"),
            _share(done.notices_on_time, done.notices),
        ),
        Row(
            _("SIP kallad inom 3 dagar efter utskrivningsklar"),
            _share(done.sip_in_time, done.sip_due),
        ),
        Row(_("Dagar med betalningsansvar"), done.payment_days),
        Row(_("Uppslag i läkare till läkare-listan"), done.directory_lookups),
        Row(_("Skörhetsskattningar (CFS) gjorda"), _count(done.frailty_screenings)),
    ]
    return Panel("coordination", _("Samordning"), rows)


def population_panel(population: selectors.Population, period: Period | None = None) -> Panel:
    series, rows = [], []
    for line in population.series:
        name = line.name or _("(okänd kommun)")
        values = [
            None if rate is None or measures.hidden(visits, threshold()) else round(rate, 1)
            for rate, visits in zip(line.rates, line.window_visits, strict=True)
        ]
        series.append({"label": name, "values": values})
        latest = next((v for v in reversed(values) if v is not None), None)
        rows.append(Row(name, latest))
    title = _("Akutbesök per 1000 listade 80+ (rullande 3 månader)")
    if population.per != "centre":
        title = _("Akutbesök per 1000 listade 80+ per kommun (rullande 3 månader)")
    chart = (
        _chart(replace(period, grain="month"), population.months, series, decimals=1)
        if period is not None
        else {"labels": [f"{m:%Y-%m}" for m in population.months], "series": series}
    )
    return Panel(f"population_{population.per}", title, rows, chart)


def _percent(part: int | None, whole: int | None) -> str | None:
    """A share of two shown counts (hidden when either is)."""
    if part is None or not whole:
        return None
    return numbers.share(part, whole)


def follow_up_panel(follow_up: selectors.FollowUp, per: str = "centre") -> Panel:
    """Readmission and ED visit within 30 days after every imported stay, a row per centre
    (or municipality) and the total. Each count column is suppressed as a whole
    (`measures.suppress_row`: a hidden cell cannot be worked out from the total); a share
    is shown only when both its counts are."""
    if per == "centre":
        key, name_column = "follow_up_centre", _("Vårdcentral")
        title = _("Återinskrivning och akutbesök inom 30 dagar efter utskrivning, per vårdcentral")
        counts = follow_up.centres
    else:
        key, name_column = "follow_up_municipality", _("Kommun")
        title = _("Återinskrivning och akutbesök inom 30 dagar efter utskrivning, per kommun")
        counts = follow_up.municipalities
    panel = Panel(key, title)
    if follow_up.latest_admission is None:
        panel.empty = _(
            "Inga vårdtillfällen är inlästa. Läs in vårdtillfällen (inläggningar) under "
            "Uppföljning → Underlag."
        )
        return panel
    if not counts:
        panel.empty = _("Inga utskrivningar under perioden i de inlästa vårdtillfällena.")
        return panel
    names = sorted(counts)
    lines = [counts[name] for name in names]
    columns = {}
    for column in ("discharged", "readmitted", "ed_visit"):
        shown, total = measures.suppress_row([getattr(c, column) for c in lines], threshold())
        columns[column] = [*shown, total]
    if not follow_up.ed_imported:
        columns["ed_visit"] = [None] * (len(lines) + 1)
        panel.notes.append(
            _(
                "Inga akutbesök är inlästa: läs in akutbesök under Uppföljning → Underlag "
                "för att se akutbesök efter utskrivning."
            )
        )
    whole = measures.FollowUpCounts()
    for c in lines:
        whole.at_home_discharged += c.at_home_discharged
        whole.at_home_readmitted += c.at_home_readmitted
    rows = []
    for i, (name, c) in enumerate([*zip(names, lines, strict=True), (_("Totalt"), whole)]):
        discharged = columns["discharged"][i]
        readmitted, ed_visit = columns["readmitted"][i], columns["ed_visit"][i]
        rows.append(
            [
                name,
                discharged,
                readmitted,
                _percent(readmitted, discharged),
                ed_visit,
                _percent(ed_visit, discharged),
                _share(c.at_home_readmitted, c.at_home_discharged),
            ]
        )
    panel.table = Table(
        [
            name_column,
            _("Utskrivningar"),
            _("Återinskrivna inom 30 dagar"),
            _("Andel återinskrivna"),
            _("Med akutbesök inom 30 dagar"),
            _("Andel med akutbesök"),
            _("Vård i hemmet: återinskrivna / utskrivningar"),
        ],
        rows,
    )
    until = follow_up.complete_until
    if until is not None and until < follow_up.last:
        panel.notes.append(
            _(
                "Vårdtillfällen är inlästa till och med %(latest)s: utskrivningar efter "
                "%(until)s har ännu inte 30 dagars uppföljning."
            )
            % {"latest": follow_up.latest_admission, "until": until}
        )
    return panel


def dashboard(
    organisation: Organisation, period: Period, ward: Unit | None = None, centre: Unit | None = None
) -> list[Panel]:
    follow_up = selectors.follow_up(organisation, period)
    return [
        care_at_home_panel(selectors.care_at_home(organisation, period, ward, centre), period),
        coordination_panel(selectors.coordination(organisation, period)),
        population_panel(selectors.population(organisation, period, "centre"), period),
        follow_up_panel(follow_up, "centre"),
        population_panel(selectors.population(organisation, period, "municipality"), period),
        follow_up_panel(follow_up, "municipality"),
    ]


# --- Economics: ED visits a month from the imported rows -----------------------------------


def ed_visits_a_month(visits: selectors.EdVisitsPerMonth) -> int | None:
    """The imported ED visits a month, whole visits (rounded half up) – None when a month
    of the period has no imported visits or the visits are too few to show."""
    per_month = visits.per_month
    if per_month is None or measures.hidden(visits.visits, threshold()):
        return None
    return int(Decimal(str(per_month)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def months_label(visits: selectors.EdVisitsPerMonth) -> str:
    first, last = f"{visits.first:%Y-%m}", f"{visits.last:%Y-%m}"
    return first if first == last else f"{first} – {last}"


def ed_visits_missing(visits: selectors.EdVisitsPerMonth) -> str:
    """Why a period gives no number (empty when it does): the months without imported
    visits, or too few visits to show."""
    if visits.missing:
        months = ", ".join(f"{m:%Y-%m}" for m in visits.missing[:6])
        if len(visits.missing) > 6:
            months += " …"
        return _(
            "Inget inläst underlag om akutbesök för %(months)s. Läs in akutbesöken under "
            "Uppföljning → Underlag, eller ange antalet besök per månad."
        ) % {"months": months}
    if measures.hidden(visits.visits, threshold()):
        return _(
            "För få akutbesök under %(period)s för att visas. Ange antalet besök per månad."
        ) % {"period": months_label(visits)}
    return ""
