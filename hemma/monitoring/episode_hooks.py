"""Monitoring's part in the flow (registered in MonitoringConfig.ready()): the ward's
worklist names the patients at home whose agreed measurement is overdue."""

from django.db.models import Max
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.clinical import episode_states as states
from hemma.clinical.monitoring_rules import measurement_overdue
from hemma.episodes import hooks
from hemma.episodes.models import Episode

from .models import MonitoringPlan, ObservationSet


def silent_patients(episodes: list[Episode]) -> list[tuple[Episode, object]]:
    """Patients at home whose agreed measurement is overdue: (episode, last value time).
    Two queries whatever the number of patients."""
    plans = {p.episode_id: p for p in MonitoringPlan.objects.filter(episode__in=episodes)}
    latest = dict(
        ObservationSet.objects.filter(episode__in=list(plans))
        .values("episode_id")
        .annotate(last=Max("measured_at"))
        .values_list("episode_id", "last")
    )
    now = timezone.now()
    silent = []
    for episode in episodes:
        plan = plans.get(episode.pk)
        since = latest.get(episode.pk) or episode.at_home_since
        if plan and since and measurement_overdue(since, plan.interval_hours, now):
            silent.append((episode, since))
    return silent


def worklist_panel(staff: Staff, unit: Unit, groups) -> hooks.Panel | None:
    """A ward: its patients at home without values (already listed, so none shown anew)."""
    if unit.kind != Unit.Kind.WARD:
        return None
    return hooks.Panel({"silent": silent_patients(groups[states.AT_HOME])})


def register() -> None:
    hooks.register_worklist_panel(worklist_panel)
