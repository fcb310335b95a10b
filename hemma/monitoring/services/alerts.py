"""Alerts: the one alert a store of readings raises or updates (`alert_for`, called by
`readings_store`), the patient's concern next to it (`concern_alerts_for`), acknowledging
and resolving an alert, and the alert for an overdue agreed measurement, run by the worker
(`hemma monitor`; escalation is services/escalation.py)."""

from datetime import datetime
from typing import Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.clinical import episode_states as states
from hemma.clinical.monitoring_rules import measurement_overdue
from hemma.clinical.news2 import News2Result
from hemma.episodes.models import Episode
from hemma.episodes.services import episode_direct_admission, episode_log
from hemma.errors import Conflict, HemmaError
from hemma.patients.policy import require_action

from ..models import Alert, Level, MonitoringPlan, ObservationSet
from .scoring import VALUE_FIELDS, display, parameter_label, threshold_breaches

ALERTING_LEVELS = (Level.LOW_MEDIUM, Level.MEDIUM, Level.HIGH)
LEVEL_ORDER = {Level.LOW: 0, Level.OVERDUE: 1, Level.PERSONAL: 2, Level.LOW_MEDIUM: 3}
LEVEL_ORDER |= {Level.MEDIUM: 4, Level.HIGH: 5}


class ScoredSet(Protocol):
    """What an alert needs of a set just scored (readings' `_SetDraft`)."""

    row: ObservationSet  # stored or about to be
    values: dict
    readings: list[tuple[datetime, list]]  # (moment, parameters) of each reading
    is_new: bool
    result: News2Result | None


# --- Raised by a store of readings -------------------------------------------------------


def _alert_reasons(result: News2Result, values: dict) -> list[str]:
    reasons = [
        _("NEWS2 %(total)s (%(level)s)")
        % {"total": result.total, "level": Level(result.level).label}
    ]
    for name, points in result.per_parameter.items():
        if points == 3:
            reasons.append(
                _("%(p)s %(v)s ger 3 poäng")
                % {"p": parameter_label(name), "v": display(name, values.get(name))}
            )
    if not result.complete:
        reasons.append(
            _("Ofullständig mätning, saknas: %(missing)s")
            % {"missing": ", ".join(str(parameter_label(m)) for m in result.missing)}
        )
    return reasons


def _alert_wanted(draft: ScoredSet, thresholds: list) -> tuple | None:
    """(level, reasons, response) the set's values call for, or None."""
    result, values = draft.result, draft.values
    breaches = threshold_breaches(values, thresholds)
    if result.level in ALERTING_LEVELS:
        return result.level, _alert_reasons(result, values) + breaches, result.response
    if breaches:
        return Level.PERSONAL, breaches, ""
    return None


def alert_for(episode: Episode, drafts: list[ScoredSet], thresholds: list) -> Alert | None:
    """One alert for what was just stored: the highest level among the sets touched (the
    latest set on a tie). A set that already has an open alert has it updated in place
    (raised to the new level, the escalation clock restarted when the level rises); when
    its alert was already acknowledged or resolved, only a higher level raises a new one."""
    wanted = [(w, d) for d in drafts if (w := _alert_wanted(d, thresholds)) is not None]
    if not wanted:
        return None
    (level, reasons, response), draft = max(
        wanted, key=lambda item: (LEVEL_ORDER[item[0][0]], item[1].row.measured_at)
    )
    reasons = [str(reason) for reason in [*reasons, _scored_on(draft)]]
    current = None
    if not draft.is_new:
        current = (
            Alert.objects.select_for_update()
            .filter(observation=draft.row, kind=Alert.Kind.VITALS)
            .order_by("-id")
            .first()
        )
    if current is not None:
        rank, current_rank = LEVEL_ORDER[level], LEVEL_ORDER[current.level]
        if current.status == Alert.Status.OPEN and rank >= current_rank:
            if rank > current_rank:
                current.created_at = timezone.now()
            current.level, current.reasons, current.response = level, reasons, response
            current.save(update_fields=["level", "reasons", "response", "created_at"])
            return current
        if rank <= current_rank:
            return current
    return Alert.objects.create(
        episode=episode,
        unit_id=episode.ward_id,
        observation=draft.row,
        level=level,
        reasons=reasons,
        response=response,
    )


# The patient's own words. A low-medium level (RCP: a nurse assesses within the hour and
# informs the physician) because "worse" or a note asks for a call back soon, while the
# physiological urgency stays with the set's NEWS2 alert, shown next to this one and never
# replaced by it; a low-medium alert is not escalated to the on-call physician.
CONCERN_LEVEL = Level.LOW_MEDIUM
PATIENT_SOURCES = (ObservationSet.Source.PATIENT, ObservationSet.Source.NEXT_OF_KIN)


def _concern_reasons(row: ObservationSet) -> list[str]:
    reasons = []
    if row.feeling == ObservationSet.Feeling.WORSE:
        reasons.append(_("Patienten mår sämre"))
    if row.note:
        reasons.append(_("Patienten skriver: ”%(note)s”") % {"note": row.note})
    return [str(reason) for reason in reasons]


def concern_alerts_for(episode: Episode, rows: list[ObservationSet]) -> list[Alert]:
    """One patient-concern alert per set whose reading from the patient (or next of kin)
    says "worse" or has a note. Idempotent: a set that has its concern alert gets it
    updated while open (a joining reading's note), never a second one (also a database
    constraint). No query when nobody wrote anything."""
    rows = [row for row in rows if _concern_reasons(row)]
    if not rows:
        return []
    existing = {
        alert.observation_id: alert
        for alert in Alert.objects.select_for_update().filter(
            observation__in=rows, kind=Alert.Kind.PATIENT_CONCERN
        )
    }
    response = str(
        _("Ring patienten: hen har själv sagt att hen mår sämre eller skrivit till avdelningen.")
    )
    alerts = []
    for row in rows:
        reasons = _concern_reasons(row)
        alert = existing.get(row.pk)
        if alert is None:
            alert = Alert.objects.create(
                episode=episode,
                unit_id=episode.ward_id,
                observation=row,
                kind=Alert.Kind.PATIENT_CONCERN,
                level=CONCERN_LEVEL,
                reasons=reasons,
                response=response,
            )
        elif alert.status == Alert.Status.OPEN and alert.reasons != reasons:
            alert.reasons = reasons
            alert.save(update_fields=["reasons"])
        alerts.append(alert)
    return alerts


def _scored_on(draft: ScoredSet) -> str:
    """The values the score was computed from, with when each reading was taken."""
    parts = []
    for moment, names in sorted(draft.readings, key=lambda item: item[0]):
        shown = [
            f"{parameter_label(name)} {display(name, draft.values[name])}"
            for name in VALUE_FIELDS
            if name in names and name in draft.values
        ]
        if shown:
            at = timezone.localtime(moment).strftime("%H:%M")
            parts.append(f"{', '.join(shown)} ({at})")
    return _("Bedömt på: %(values)s") % {"values": "; ".join(parts)}


# --- Staff act on an alert ---------------------------------------------------------------


def alert_acknowledge(*, staff: Staff, unit: Unit, alert: Alert) -> Alert:
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update().select_related("episode__patient").get(pk=alert.pk)
        )
        require_action(staff=staff, unit=unit, action="acknowledge_alert", episode=alert.episode)
        if alert.status != Alert.Status.OPEN:
            raise Conflict(_("Larmet är redan kvitterat."))
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_by, alert.acknowledged_at = staff, timezone.now()
        alert.save()
        episode_log(staff=staff, unit=unit, episode=alert.episode, detail=f"alert {alert.pk} ack")
    return alert


def alert_resolve(*, staff: Staff, unit: Unit, alert: Alert, action: str, note: str = "") -> Alert:
    """Close the alert with the action taken; a direct admission runs the flow's own step."""
    if action not in Alert.Action.values:
        raise HemmaError(_("Välj vilken åtgärd som gjorts."))
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update().select_related("episode__patient").get(pk=alert.pk)
        )
        require_action(staff=staff, unit=unit, action="acknowledge_alert", episode=alert.episode)
        if action == Alert.Action.DIRECT_ADMISSION:
            # Readmission is the ward's step, whoever handles the alert.
            require_action(staff=staff, unit=unit, action="readmit", episode=alert.episode)
        if alert.status == Alert.Status.RESOLVED:
            raise Conflict(_("Larmet är redan åtgärdat."))
        if action == Alert.Action.DIRECT_ADMISSION:
            reason = note.strip() or "; ".join(alert.reasons)
            episode_direct_admission(staff=staff, unit=unit, episode=alert.episode, reason=reason)
        now = timezone.now()
        if alert.acknowledged_at is None:
            alert.acknowledged_by, alert.acknowledged_at = staff, now
        alert.status = Alert.Status.RESOLVED
        alert.resolved_by, alert.resolved_at = staff, now
        alert.action, alert.action_note = action, note.strip()
        alert.save()
        episode_log(
            staff=staff, unit=unit, episode=alert.episode, detail=f"alert {alert.pk} {action}"
        )
    return alert


# --- The worker ----------------------------------------------------------------------------
# (the escalation chain is services/escalation.py)


def last_measured_at(episode: Episode) -> datetime | None:
    latest = ObservationSet.objects.filter(episode=episode).order_by("-measured_at").first()
    return latest.measured_at if latest else None


def overdue_check(now: datetime | None = None) -> int:
    """Alert the ward once when a patient's agreed measurement is overdue
    (`measurement_overdue`: the interval plus an hour's grace)."""
    now = now or timezone.now()
    raised = 0
    plans = MonitoringPlan.objects.filter(episode__state=states.AT_HOME).select_related(
        "episode__ward"
    )
    for plan in plans:
        episode = plan.episode
        since = last_measured_at(episode) or episode.at_home_since
        if since is None or not measurement_overdue(since, plan.interval_hours, now):
            continue
        with transaction.atomic():
            locked = Episode.objects.select_for_update().get(pk=episode.pk)
            if Alert.objects.filter(
                episode=locked, level=Level.OVERDUE, created_at__gte=since
            ).exists():
                continue
            Alert.objects.create(
                episode=locked,
                unit=episode.ward,
                level=Level.OVERDUE,
                reasons=[
                    str(
                        _("Inga värden sedan %(since)s (mätning var %(h)s:e timme).")
                        % {
                            "since": timezone.localtime(since).strftime("%Y-%m-%d %H:%M"),
                            "h": plan.interval_hours,
                        }
                    )
                ],
            )
            raised += 1
    return raised
