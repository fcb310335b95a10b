"""Reads for monitoring, scoped by the access policy.

One episode's reads: callers have passed the episode's access policy (which logged). Lists
(alerts, the round, the round protocol) take the staff member and the acting unit and show
only patients whose health record the unit may list
(`health_record_patients_visible_to`): a revoked sharing consent removes a patient from a
municipal unit's lists at once, and a home-care unit lists none. The views log one entry
per patient shown."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.careplans.models import AgreementVersion, DischargeCriterionCheck
from hemma.clinical import episode_states as states
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
                    "last": points[-1].value,
                }
            )
    return charts


def round_list(staff: Staff | None, ward: Unit, day, labels: dict) -> list[dict]:
    """Every patient at home (and about to go home) of the ward whose health record the
    ward may list, with what the round needs, in a constant number of queries however many
    patients there are."""
    episodes = list(
        Episode.objects.filter(ward=ward, state__in=[states.AT_HOME, states.PREPARING])
        .filter(patient__in=health_record_patients_visible_to(staff, ward))
        .select_related("patient", "home_health_unit")
        .annotate(
            open_alerts=Count("alerts", filter=~Q(alerts__status=Alert.Status.RESOLVED)),
        )
        .order_by("patient__last_name", "patient__first_name")
    )
    ids = [e.pk for e in episodes]
    since = timezone.now() - timedelta(days=14)
    observations = defaultdict(list)
    readings = ObservationSet.objects.filter(episode_id__in=ids, measured_at__gte=since)
    for observation in readings_not_blocked(readings, staff, ward).order_by("measured_at"):
        observations[observation.episode_id].append(observation)
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
        for e in RoundEntry.objects.filter(episode_id__in=ids, day=day).select_related(
            "recorded_by__user"  # the row shows who recorded the decision
        )
    }
    now = timezone.now()
    rows = []
    for episode in episodes:
        series = observations[episode.pk]
        latest = series[-1] if series else None
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
                "trends": trends(series, alert_ids, labels, mini=True),
                "overdue": overdue,
                "last_at": last_at,
                "criteria_total": len(criteria),
                "criteria_met": len(checks[episode.pk] & set(criteria)),
                "activities": [
                    a
                    for a in (version.activities if version else [])
                    if applies_on(a["when"], day, day_number)
                ],
                "home_health_reports": [
                    o for o in series if o.source == ObservationSet.Source.HOME_HEALTH
                ][-1:],
                "entry": entries.get(episode.pk),
                # The patient's own words ("how do you feel", a note) of the last day,
                # newest first, from the sets already read (no query per patient).
                "patient_voice": [
                    o
                    for o in reversed(series)
                    if (o.feeling or o.note)
                    and o.source in VOICE_SOURCES
                    and o.measured_at >= now - timedelta(hours=24)
                ][:3],
            }
        )
    return rows


def round_protocol(staff: Staff | None, unit: Unit, day) -> list[RoundEntry]:
    """The day's round decisions for the episodes the unit visits (home health care reads
    the ward's protocol), for patients whose health record the unit may list."""
    return list(
        RoundEntry.objects.filter(episode__home_health_unit=unit, day=day)
        .filter(episode__patient__in=health_record_patients_visible_to(staff, unit))
        .select_related("episode__patient", "ward", "recorded_by__user")
        .order_by("episode__patient__last_name", "episode__patient__first_name")
    )


def documenting_unit_id(observation: ObservationSet, episode: Episode) -> int:
    """Whose documentation a reading is, for blocking (spärr): a reading recorded at the
    visit is the visiting unit's; the ward's own readings and what the patient, next of kin
    and devices send are the ward's (the tablet reports to the ward)."""
    if observation.source == ObservationSet.Source.HOME_HEALTH and episode.home_health_unit_id:
        return episode.home_health_unit_id
    return episode.ward_id


def readings_not_blocked(sets, staff: Staff | None, unit: Unit | None):
    """An ObservationSet queryset without the readings this staff member may not see
    because the patient blocked their documenting unit (documenting_unit_id's rule, as a
    query: a visit's reading is the visiting unit's, every other the ward's)."""
    if unit is None or not any_block_applies(acting_unit=unit):
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
