"""The alerts' metrics, read from the database at each scrape (hemma/web/metrics.py): open
alerts by level, how many were escalated or have nowhere to go, and the escalation lag –
how long past its escalation time the most overdue alert waits for the worker to take its
next step (0 when none waits: the worker keeps up). Counts only: no patient, no unit.
Two queries, on open alerts only."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .models import Alert, AlertEvent, Level
from .services.escalation import ESCALATED_LEVELS


def collect(now: datetime | None = None) -> list:
    now = now or timezone.now()
    open_alerts = Alert.objects.filter(status=Alert.Status.OPEN)
    counted = open_alerts.order_by().values("level").annotate(n=Count("id"))
    by_level = {row["level"]: row["n"] for row in counted}
    level = GaugeMetricFamily(
        "hemma_alerts_open", "Alerts nobody has acknowledged yet, by level.", labels=["level"]
    )
    for value in Level.values:
        level.add_metric([value], by_level.get(value, 0))

    chain = open_alerts.filter(level__in=ESCALATED_LEVELS).aggregate(
        escalated=Count("id", filter=Q(escalation_step__gt=0, escalation_failed=False)),
        failed=Count("id", filter=Q(escalation_failed=True)),
        first=Min(
            "created_at",
            filter=Q(escalation_failed=False, escalation_step=0),
        ),
        next=Min(
            "escalated_at",
            filter=Q(
                escalation_failed=False,
                escalation_step__gt=0,
                escalation_step__lt=AlertEvent.Step.FINAL,
            ),
        ),
    )
    escalated = GaugeMetricFamily(
        "hemma_alerts_escalated_open",
        "Open alerts escalated at least one step along the ward's chain.",
    )
    escalated.add_metric([], chain["escalated"])
    failed = GaugeMetricFamily(
        "hemma_alerts_escalation_failed_open",
        "Open alerts whose escalation chain had nowhere to go (no roster, no final step).",
    )
    failed.add_metric([], chain["failed"])

    interval = timedelta(minutes=settings.HEMMA_ALERT_ESCALATION_MINUTES)
    since = [moment for moment in (chain["first"], chain["next"]) if moment is not None]
    overdue = max(0.0, (now - min(since) - interval).total_seconds()) if since else 0.0
    lag = GaugeMetricFamily(
        "hemma_alert_escalation_overdue_seconds",
        "How long past its escalation time the most overdue open alert waits for its next "
        "step (0: none waits).",
    )
    lag.add_metric([], overdue)
    return [level, escalated, failed, lag]
