"""The clinical summary of a patient cared for at home, on the episode page and (shorter)
on the patient page: state and day at home, the latest NEWS2 with its values and what it
lacked, a small trend, the open alerts, today's visits, and the next steps.

It lives here because it reads both monitoring and visits, and the flow (episodes) and the
patient record may import neither: this app registers it as an episode panel and a
patient panel (`register`, from VisitsConfig.ready()). The caller has checked the policy
and logged the read. Blocking (spärr) follows the round: readings through
`monitoring.selectors.readings_not_blocked`, visits through `without_blocked_visits`.

A fixed number of queries whatever the number of readings, alerts and visits
(tests/episodes/test_clinical_summary.py pins it)."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.clinical import episode_states as states
from hemma.clinical.monitoring_rules import measurement_overdue
from hemma.episodes import hooks
from hemma.episodes.models import Episode
from hemma.episodes.selectors import day_at_home
from hemma.monitoring import selectors as monitoring
from hemma.monitoring.alert_sources import mark_hidden
from hemma.monitoring.models import Alert, MonitoringPlan, ObservationSet, RoundEntry
from hemma.monitoring.services import parameter_label
from hemma.patients.hooks import register_patient_panel
from hemma.patients.policy import blocked_units_for
from hemma.patients.selectors import PatientAccess

from . import selectors
from .services import planning_day

TREND_DAYS = 3  # the summary's trend: the last three days (the monitoring page has all)


def _labels() -> dict:
    return {name: parameter_label(name) for name in monitoring.TREND_PARAMETERS}


def _readings(staff: Staff | None, unit: Unit, episode: Episode):
    return monitoring.readings_not_blocked(
        ObservationSet.objects.filter(episode=episode), staff, unit
    )


def latest_news2(observation: ObservationSet | None) -> dict | None:
    """The latest set as the summary shows it: NEWS2, its values, and the parameters it
    lacked in Swedish words (an incomplete set scores too low)."""
    if observation is None:
        return None
    return {
        "set": observation,
        "total": observation.news2_total,
        "level": observation.get_news2_level_display(),
        "level_key": observation.news2_level,
        "complete": observation.news2_complete,
        "missing": [parameter_label(name) for name in observation.news2_missing],
    }


def clinical_summary(
    staff: Staff | None,
    unit: Unit,
    episode: Episode,
    visits: dict | None = None,
    hidden: frozenset[int] | None = None,
) -> dict | None:
    """The episode page's summary while the patient is cared for at home (at home or in
    the safety bed) or about to go home; None otherwise. `visits`: the episode's visits
    as `selectors.episode_visits` gives them, `hidden`: the units the patient blocked
    from this staff member, when the caller has them. An open alert quoting a blocked
    unit's visit stays listed with its words withheld (`blocked`)."""
    if episode.state not in states.AT_HOME_STATES | {states.PREPARING}:
        return None
    if hidden is None:
        hidden = blocked_units_for(staff=staff, acting_unit=unit, patient=episode.patient)
    if visits is None:
        visits = selectors.episode_visits(staff, unit, episode, hidden)
    now = timezone.now()
    since = now - timedelta(days=TREND_DAYS)
    readings = _readings(staff, unit, episode)
    recent = list(readings.filter(measured_at__gte=since).order_by("measured_at"))
    latest = recent[-1] if recent else readings.order_by("-measured_at").first()
    alerts = list(
        Alert.objects.filter(episode=episode)
        .filter(Q(observation__isnull=True) | Q(observation__in=readings))
        .exclude(status=Alert.Status.RESOLVED)
        .select_related("acknowledged_by__user", "observation")
        .order_by("status", "-created_at")
    )
    for alert in alerts:
        alert.episode = episode
    mark_hidden(alerts, hidden)
    marked = set(
        Alert.objects.filter(episode=episode, observation__in=[o.pk for o in recent]).values_list(
            "observation_id", flat=True
        )
    )
    plan = MonitoringPlan.objects.filter(episode=episode).first()
    last_at = latest.measured_at if latest else episode.at_home_since
    overdue = bool(
        plan
        and episode.state == states.AT_HOME
        and last_at
        and measurement_overdue(last_at, plan.interval_hours, now)
    )
    today = visits["today"]
    # The round is the ward's documentation, and so is whether it was held: with the ward
    # blocked, neither the entry nor "not held" is shown (docs/blocking.md).
    round_blocked = episode.ward_id in hidden
    entry = (
        None
        if round_blocked
        else RoundEntry.objects.filter(episode=episode, day=timezone.localdate()).first()
    )
    return {
        "day": day_at_home(episode),
        "latest": latest_news2(latest),
        "trends": monitoring.trends(recent, marked, _labels(), mini=True),
        "alerts": alerts,
        "plan": plan,
        "overdue": overdue,
        "last_at": last_at,
        "visits_today": today,
        "visits_done": sum(v.status == v.Status.DONE for v in today),
        "visits_not_done": sum(v.status == v.Status.NOT_DONE for v in today),
        "visits_planned": sum(v.status in (v.Status.PLANNED, v.Status.ASSIGNED) for v in today),
        "round_entry": entry,
        "next_steps": _next_steps(alerts, overdue, today, entry, now, round_blocked),
        "planning_day": planning_day(now),
    }


def _next_steps(alerts, overdue, today, entry, now, round_blocked=False) -> list[str]:
    """What is due next, in words: an alert nobody acknowledged, a missing measurement,
    the next visit not yet done, the round not yet held (nothing about the round when the
    patient blocked the ward from this reader)."""
    steps = []
    unacknowledged = [a for a in alerts if a.status == Alert.Status.OPEN]
    if unacknowledged:
        steps.append(
            _("Kvittera %(n)s nytt larm (%(level)s).")
            % {"n": len(unacknowledged), "level": unacknowledged[0].get_level_display()}
        )
    if overdue:
        steps.append(_("Mätningen enligt planen saknas: kontakta patienten."))
    waiting = [v for v in today if v.is_open or v.status == v.Status.ARRIVED]
    if waiting:
        visit = waiting[0]
        steps.append(
            _("Nästa besök %(at)s: %(what)s.")
            % {"at": timezone.localtime(visit.window_start).strftime("%H:%M"), "what": visit.what}
        )
    if round_blocked:
        pass
    elif entry is None:
        steps.append(_("Dagens rond är inte hållen."))
    else:
        steps.append(_("Ronden i dag: %(decision)s.") % {"decision": entry.get_decision_display()})
    return steps


def episode_panel(staff: Staff, unit: Unit, episode: Episode) -> dict:
    """The summary, and the documented visits for the episode's timeline (every state)."""
    hidden = blocked_units_for(staff=staff, acting_unit=unit, patient=episode.patient)
    visits = selectors.episode_visits(staff, unit, episode, hidden)
    return {
        "summary": clinical_summary(staff, unit, episode, visits, hidden),
        "visit_notes": visits["documented"],
        "visit_notes_blocked": visits["blocked"],
    }


def patient_panel(staff: Staff, unit: Unit, access: PatientAccess) -> dict:
    """The patient page: whether the patient is cared for at home now, with the latest
    NEWS2 and the open alerts, and the link to the episode. Health data: only for a unit
    that reads the health record (home care, SoL, sees nothing of it)."""
    if not access.decision.health_record:
        return {"at_home": None}
    episode = (
        Episode.objects.filter(patient=access.patient, state__in=states.AT_HOME_STATES)
        .select_related("ward", "home_health_unit")
        .first()
    )
    if episode is None:
        return {"at_home": None}
    latest = _readings(staff, unit, episode).order_by("-measured_at").first()
    return {
        "at_home": {
            "episode": episode,
            "day": day_at_home(episode),
            "latest": latest_news2(latest),
            "open_alerts": Alert.objects.filter(episode=episode)
            .exclude(status=Alert.Status.RESOLVED)
            .count(),
        }
    }


def round_panel(staff: Staff, unit: Unit, episodes, day) -> dict[int, dict]:
    """The round: each patient's visit notes of the day (done or not done, the note, the
    reason, the concern), for all patients in a fixed number of queries."""
    notes = selectors.visit_notes_for_episodes(staff, unit, [e.pk for e in episodes], day)
    return {episode.pk: {"visit_notes": notes.get(episode.pk, [])} for episode in episodes}


def register() -> None:
    hooks.register_episode_panel(episode_panel)
    hooks.register_round_panel(round_panel)
    register_patient_panel(patient_panel)
