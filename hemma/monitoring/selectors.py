"""Reads for monitoring, scoped by the access policy.

One episode's reads: callers have passed the episode's access policy (which logged). Lists
(alerts, the round, the round protocol) take the staff member and the acting unit and show
only patients whose health record the unit may list
(`health_record_patients_visible_to`): a revoked sharing consent removes a patient from a
municipal unit's lists at once, and a home-care unit lists none. The views log one entry
per patient shown."""

from collections import defaultdict
from datetime import timedelta
from typing import NamedTuple

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.careplans.models import AgreementVersion, DischargeCriterionCheck
from hemma.clinical import episode_states as states
from hemma.clinical import numbers
from hemma.clinical.monitoring_rules import measurement_overdue
from hemma.clinical.recurrence import applies_on
from hemma.episodes.models import Episode
from hemma.patients.policy import (
    any_block_applies,
    blocked_documentation,
    health_record_patients_visible_to,
)

from .charts import Point, trend_svg
from .models import Alert, MonitoringPlan, ObservationSet, RoundEntry

VOICE_SOURCES = (ObservationSet.Source.PATIENT, ObservationSet.Source.NEXT_OF_KIN)
TREND_PARAMETERS = ("pulse", "spo2", "systolic_bp", "temperature", "respiration_rate")


def open_alerts(staff: Staff | None, unit: Unit | None):
    """Unresolved alerts of the episodes the unit owns (the ward the alert goes to) or
    visits (home health care), for patients whose health record the unit may list."""
    if unit is None:
        return Alert.objects.none()
    return (
        Alert.objects.filter(Q(unit=unit) | Q(episode__home_health_unit=unit))
        .filter(episode__patient__in=health_record_patients_visible_to(staff, unit))
        .exclude(status=Alert.Status.RESOLVED)
        .select_related("episode__patient", "observation", "acknowledged_by__user")
        .select_related("escalated_to__user")
        .prefetch_related("events__to_staff__user")
        .order_by("status", "-created_at")
    )


def trend_points(observations, parameter: str, alert_ids: set[int]) -> list[Point]:
    return [
        Point(o.measured_at, float(getattr(o, parameter)), o.pk in alert_ids)
        for o in observations
        if getattr(o, parameter) is not None
    ]


def trends(observations, alert_ids: set[int], labels: dict, *, mini=False) -> list[dict]:
    charts = []
    for parameter in TREND_PARAMETERS:
        points = trend_points(observations, parameter, alert_ids)
        if points:
            charts.append(
                {
                    "parameter": parameter,
                    "label": labels[parameter],
                    "svg": trend_svg(parameter, points, title=str(labels[parameter]), mini=mini),
                    "last": numbers.vital(parameter, points[-1].value),
                }
            )
    return charts


ROUND_PAGE_SIZE = 25  # patients per page of the round (views.rounds pages the list)

# The columns of a reading the round reads as plain values (no model objects: the round
# of 200 patients reads 8,400 sets); the objects are read for the few sets a row shows.
_SERIES_COLUMNS = ("pk", "episode_id", "measured_at", "source", "feeling", "note")
_AT, _SOURCE, _FEELING, _NOTE = 2, 3, 4, 5
_FIRST_VALUE = len(_SERIES_COLUMNS)


def series_trends(series: list[tuple], alert_ids: set[int], labels: dict) -> list[dict]:
    """`trends(..., mini=True)` of one patient's readings given as `_SERIES_COLUMNS` +
    `TREND_PARAMETERS` value tuples: each chart built once per request from the values."""
    charts = []
    for index, parameter in enumerate(TREND_PARAMETERS, start=_FIRST_VALUE):
        points = [
            Point(row[_AT], float(row[index]), row[0] in alert_ids)
            for row in series
            if row[index] is not None
        ]
        if points:
            label = labels[parameter]
            charts.append(
                {
                    "parameter": parameter,
                    "label": label,
                    "svg": trend_svg(parameter, points, title=str(label), mini=True),
                    "last": numbers.vital(parameter, points[-1].value),
                }
            )
    return charts


def round_entries_not_blocked(entries, staff: Staff | None, unit: Unit | None, blocks=None):
    """A RoundEntry queryset without the decisions this staff member may not see: the
    round protocol is the ward's documentation (`RoundEntry.ward`), hidden like the rest
    of it when the patient blocked that ward for another care provider. `blocks`: the
    caller's any_block_applies answer, when it has it."""
    if unit is None:
        return entries
    if not (any_block_applies(acting_unit=unit) if blocks is None else blocks):
        return entries
    return entries.exclude(_entry_blocked(staff, unit))


def _entry_blocked(staff: Staff | None, unit: Unit):
    return blocked_documentation(
        staff=staff, acting_unit=unit, patient_ref="episode__patient_id", unit_ref="ward_id"
    )


class RoundPlace(NamedTuple):
    """One patient's place in the round's order (what the order and the filter need)."""

    episode_id: int
    open_alerts: int
    reviewed: bool
    latest_news2: int | None
    last_name: str
    first_name: str


def round_order(staff: Staff | None, ward: Unit, day) -> list[RoundPlace]:
    """Every patient at home (and about to go home) of the ward whose health record the
    ward may list, in one query of plain values, those needing attention first: open
    alerts, then those without a round decision on `day`, then the highest latest NEWS2,
    then by name. The round shows a page of it (`round_list`)."""
    blocks = any_block_applies(acting_unit=ward)
    latest = readings_not_blocked(
        ObservationSet.objects.filter(episode_id=OuterRef("pk")), staff, ward, blocks=blocks
    ).order_by("-measured_at", "-id")
    decided = round_entries_not_blocked(
        RoundEntry.objects.filter(episode_id=OuterRef("pk"), day=day), staff, ward, blocks
    )
    places = [
        RoundPlace(*values)
        for values in Episode.objects.filter(
            ward=ward, state__in=[states.AT_HOME, states.PREPARING]
        )
        .filter(patient__in=health_record_patients_visible_to(staff, ward))
        .annotate(
            open_alerts=Count("alerts", filter=~Q(alerts__status=Alert.Status.RESOLVED)),
            latest_news2=Subquery(latest.values("news2_total")[:1]),
            reviewed=Exists(decided),
        )
        .values_list(
            "pk",
            "open_alerts",
            "reviewed",
            "latest_news2",
            "patient__last_name",
            "patient__first_name",
        )
    ]
    places.sort(
        key=lambda p: (
            p.open_alerts == 0,
            p.reviewed,
            -(p.latest_news2 if p.latest_news2 is not None else -1),
            p.last_name,
            p.first_name,
            p.episode_id,
        )
    )
    return places


def round_list(
    staff: Staff | None, ward: Unit, day, labels: dict, places: list[RoundPlace] | None = None
) -> list[dict]:
    """The round's rows for `places` (a page of `round_order`; every patient when None),
    in that order, with what the round needs, in a constant number of queries however many
    patients and readings there are. Each row's episode carries `open_alerts`."""
    if places is None:
        places = round_order(staff, ward, day)
    by_id = Episode.objects.select_related("patient", "home_health_unit").in_bulk(
        [p.episode_id for p in places]
    )
    episodes = []
    for place in places:
        episode = by_id[place.episode_id]
        episode.open_alerts = place.open_alerts
        episodes.append(episode)
    ids = [e.pk for e in episodes]
    blocks = any_block_applies(acting_unit=ward)
    since = timezone.now() - timedelta(days=14)
    series_of = defaultdict(list)
    readings = readings_not_blocked(
        ObservationSet.objects.filter(episode_id__in=ids, measured_at__gte=since),
        staff,
        ward,
        blocks=blocks,
    )
    for row in readings.order_by("measured_at", "id").values_list(
        *_SERIES_COLUMNS, *TREND_PARAMETERS
    ):
        series_of[row[1]].append(row)
    now = timezone.now()
    # The few sets each row shows as objects (the template's displays): the latest, home
    # health's latest report and the patient's own words of the last day (newest three).
    shown = {}
    for episode_id, series in series_of.items():
        latest = series[-1][0]
        reports = [r[0] for r in series if r[_SOURCE] == ObservationSet.Source.HOME_HEALTH]
        voice = [
            r[0]
            for r in reversed(series)
            if (r[_FEELING] or r[_NOTE])
            and r[_SOURCE] in VOICE_SOURCES
            and r[_AT] >= now - timedelta(hours=24)
        ][:3]
        shown[episode_id] = (latest, reports[-1:], voice)
    wanted = {pk for latest, reports, voice in shown.values() for pk in (latest, *reports, *voice)}
    sets = ObservationSet.objects.in_bulk(wanted) if wanted else {}
    alert_ids = set(
        Alert.objects.filter(
            episode_id__in=ids, observation__isnull=False, kind=Alert.Kind.VITALS
        ).values_list("observation_id", flat=True)
    )
    versions = {
        v.agreement.episode_id: v
        for v in AgreementVersion.objects.filter(
            agreement__episode_id__in=ids, number=F("agreement__current_number")
        ).select_related("agreement")
    }
    checks = defaultdict(set)
    for episode_id, criterion in DischargeCriterionCheck.objects.filter(
        agreement__episode_id__in=ids
    ).values_list("agreement__episode_id", "criterion"):
        checks[episode_id].add(criterion)
    plans = {p.episode_id: p for p in MonitoringPlan.objects.filter(episode_id__in=ids)}
    entries = {
        e.episode_id: e
        for e in round_entries_not_blocked(
            RoundEntry.objects.filter(episode_id__in=ids, day=day), staff, ward, blocks
        ).select_related("recorded_by__user")  # the row shows who recorded the decision
    }
    rows = []
    for episode in episodes:
        latest_pk, report_pks, voice_pks = shown.get(episode.pk, (None, [], []))
        latest = sets.get(latest_pk)
        version = versions.get(episode.pk)
        criteria = version.criteria if version else []
        day_number = (
            (day - timezone.localdate(episode.at_home_since)).days + 1
            if episode.at_home_since
            else None
        )
        plan = plans.get(episode.pk)
        last_at = latest.measured_at if latest else episode.at_home_since
        overdue = bool(
            plan
            and episode.state == states.AT_HOME
            and last_at
            and measurement_overdue(last_at, plan.interval_hours, now)
        )
        rows.append(
            {
                "episode": episode,
                "day": day_number,
                "latest": latest,
                "trends": series_trends(series_of.get(episode.pk, []), alert_ids, labels),
                "overdue": overdue,
                "last_at": last_at,
                "criteria_total": len(criteria),
                "criteria_met": len(checks[episode.pk] & set(criteria)),
                "activities": [
                    a
                    for a in (version.activities if version else [])
                    if applies_on(a["when"], day, day_number)
                ],
                "home_health_reports": [sets[pk] for pk in report_pks],
                "entry": entries.get(episode.pk),
                # The patient's own words ("how do you feel", a note) of the last day,
                # newest first, from the sets already read (no query per patient).
                "patient_voice": [sets[pk] for pk in voice_pks],
            }
        )
    return rows


def round_protocol(staff: Staff | None, unit: Unit, day) -> tuple[list[RoundEntry], bool]:
    """The day's round decisions for the episodes the unit visits (home health care reads
    the ward's protocol), for patients whose health record the unit may list, and whether
    a block (spärr) hid any: a decision of a ward the patient blocked for this unit's care
    provider is left out (the page says only that blocked information exists)."""
    entries = (
        RoundEntry.objects.filter(episode__home_health_unit=unit, day=day)
        .filter(episode__patient__in=health_record_patients_visible_to(staff, unit))
        .select_related("episode__patient", "ward", "recorded_by__user")
        .order_by("episode__patient__last_name", "episode__patient__first_name")
    )
    if not any_block_applies(acting_unit=unit):
        return list(entries), False
    marked = list(entries.annotate(blocked=_entry_blocked(staff, unit)))
    return [e for e in marked if not e.blocked], any(e.blocked for e in marked)


def documenting_unit_id(observation: ObservationSet, episode: Episode) -> int:
    """Whose documentation a reading is, for blocking (spärr): a reading recorded at the
    visit is the visiting unit's; the ward's own readings and what the patient, next of kin
    and devices send are the ward's (the tablet reports to the ward)."""
    if observation.source == ObservationSet.Source.HOME_HEALTH and episode.home_health_unit_id:
        return episode.home_health_unit_id
    return episode.ward_id


def readings_not_blocked(sets, staff: Staff | None, unit: Unit | None, *, blocks=None):
    """An ObservationSet queryset without the readings this staff member may not see
    because the patient blocked their documenting unit (documenting_unit_id's rule, as a
    query: a visit's reading is the visiting unit's, every other the ward's). `blocks`:
    the caller's any_block_applies answer, when it has it."""
    if unit is None:
        return sets
    if not (any_block_applies(acting_unit=unit) if blocks is None else blocks):
        return sets

    def blocked(unit_ref):
        return blocked_documentation(
            staff=staff, acting_unit=unit, patient_ref="episode__patient_id", unit_ref=unit_ref
        )

    visit = Q(source=ObservationSet.Source.HOME_HEALTH, episode__home_health_unit__isnull=False)
    return sets.exclude(
        (visit & blocked("episode__home_health_unit_id")) | (~visit & blocked("episode__ward_id"))
    )


def without_blocked(observations: list, episode: Episode, hidden: frozenset[int]) -> list:
    """The readings a page may show when the units in `hidden` are blocked
    (patients.policy.blocked_units_for)."""
    if not hidden:
        return observations
    return [o for o in observations if documenting_unit_id(o, episode) not in hidden]
