"""The worker's and the job queue's metrics, read from the database at each scrape
(hemma/web/metrics.py): the worker's heartbeat and durations (WorkerHeartbeat, written by
`hemma monitor`) and the queue of background jobs. Two queries."""

from datetime import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)

from .models import DURATION_BUCKETS, Job, WorkerHeartbeat


def collect(now: datetime | None = None) -> list:
    now = now or timezone.now()
    return [*_queue(now), *_heartbeat()]


def _queue(now: datetime) -> list:
    active = Job.objects.filter(status__in=Job.ACTIVE).aggregate(
        queued=Count("id", filter=Q(status=Job.Status.QUEUED)),
        running=Count("id", filter=Q(status=Job.Status.RUNNING)),
        oldest=Min("created_at", filter=Q(status=Job.Status.QUEUED)),
    )
    jobs = GaugeMetricFamily("hemma_jobs", "Background jobs waiting or running.", labels=["status"])
    jobs.add_metric(["queued"], active["queued"])
    jobs.add_metric(["running"], active["running"])
    oldest = active["oldest"]
    age = GaugeMetricFamily(
        "hemma_job_oldest_queued_age_seconds",
        "How long the oldest queued job has waited for a worker (0: none waiting).",
    )
    age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    return [jobs, age]


def _heartbeat() -> list:
    rows = {row.name: row for row in WorkerHeartbeat.objects.all()}
    families = []
    passes = rows.get("pass")
    if passes is not None and passes.last_at is not None:
        last = GaugeMetricFamily(
            "hemma_worker_last_pass_timestamp_seconds",
            "Unix time when a worker (any of them) last finished a pass of its checks.",
        )
        last.add_metric([], passes.last_at.timestamp())
        families.append(last)
    total = CounterMetricFamily(
        "hemma_worker_passes", "Passes of the checks the workers finished (all workers)."
    )
    total.add_metric([], passes.count if passes is not None else 0)
    families.append(total)

    checks = HistogramMetricFamily(
        "hemma_worker_check_duration_seconds",
        'Duration of the worker\'s checks; check="pass" is a whole pass.',
        labels=["check"],
    )
    jobs = HistogramMetricFamily(
        "hemma_job_duration_seconds",
        "Duration of background jobs, by kind and how they ended (done, failed).",
        labels=["kind", "status"],
    )
    for name, row in sorted(rows.items()):
        parts = name.split(".")
        if name == "pass":
            checks.add_metric(["pass"], _buckets(row), row.seconds_sum)
        elif parts[0] == "check" and len(parts) == 2:
            checks.add_metric([parts[1]], _buckets(row), row.seconds_sum)
        elif parts[0] == "job" and len(parts) == 3:
            jobs.add_metric(parts[1:], _buckets(row), row.seconds_sum)
    return [*families, checks, jobs]


def _buckets(row: WorkerHeartbeat) -> list[tuple[str, float]]:
    """Cumulative (le, count) pairs, +Inf last, as Prometheus's histograms want them."""
    counts = list(row.buckets or []) + [0] * (len(DURATION_BUCKETS) + 1)
    cumulative, pairs = 0, []
    for i, bound in enumerate(DURATION_BUCKETS):
        cumulative += counts[i]
        pairs.append((str(float(bound)), cumulative))
    pairs.append(("+Inf", row.count))
    return pairs
