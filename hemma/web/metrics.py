"""Prometheus metrics (issue 20): requests, ingestion, alerts, the worker and its jobs.

`GET /metrics` exists only when HEMMA_METRICS_TOKEN is set (else 404) and answers only a
request with `Authorization: Bearer <token>` (else 401). No label carries a patient, a
member of staff, a unit or a path: views are labelled by their URL name, statuses by class
(2xx, 4xx, ...), readings by source (patient, device, ...), alerts by level.

Two kinds of figures:
- Counted in the web process (this module): requests and their duration
  (`MetricsMiddleware`), observations ingested (`count_ingested`). Under gunicorn each
  worker process counts its own; with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets
  a private one per gunicorn master) prometheus_client writes them to memory-mapped files
  there and a scrape of any worker sums them all.
- Read from the database at scrape time: open alerts, escalation lag, the job queue and the
  worker's heartbeat and durations (the worker is another process, often on another host:
  it writes them to the database, hemma.jobs.models.WorkerHeartbeat). The apps that own
  them export them by dotted path (COLLECTORS), so this low layer imports none of them.
"""

import hmac
import logging
import os
import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, connection, transaction
from django.http import Http404, HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

# No `*_created` series: they mean nothing in multiprocess mode and double the output.
disable_created_metrics()

# The metrics of this process (single-process mode: runserver, one gunicorn worker).
LOCAL = CollectorRegistry(auto_describe=True)

# Database-derived metric families, by dotted path (see the module docstring).
COLLECTORS = (
    "hemma.monitoring.metrics.collect",
    "hemma.jobs.metrics.collect",
)

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

REQUESTS = Counter(
    "hemma_http_requests",
    "HTTP requests answered, by view (URL name), method and status class.",
    ["view", "method", "status"],
    registry=LOCAL,
)
LATENCY = Histogram(
    "hemma_http_request_duration_seconds",
    "Time from the request reaching Hemma's middleware to its response, by view.",
    ["view"],
    buckets=LATENCY_BUCKETS,
    registry=LOCAL,
)
INGESTED = Counter(
    "hemma_observations_ingested",
    "Readings of vital signs stored (committed), by source: patient and next_of_kin (the "
    "tablet), device (the FHIR API), home_health and ward (staff).",
    ["source"],
    registry=LOCAL,
)


def enabled() -> bool:
    return bool(settings.HEMMA_METRICS_TOKEN)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


# --- Counted in the web process -------------------------------------------------------------


class MetricsMiddleware:
    """Counts every request and times it. Not loaded at all without HEMMA_METRICS_TOKEN.
    First in MIDDLEWARE, so the time covers every other middleware too."""

    def __init__(self, get_response):
        if not enabled():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = _view_label(request)
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(view, method, f"{response.status_code // 100}xx").inc()
        LATENCY.labels(view).observe(elapsed)
        return response


def _view_label(request) -> str:
    """The URL name ("patients:detail"), never the path: a path holds ids and a search."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "unnamed"
    if settings.STATIC_URL and request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unresolved"  # 404 before a view, or answered by a middleware


def count_ingested(sources: list[str]) -> None:
    """Count readings once their transaction commits (a rolled-back store counts nothing).
    `sources` holds one source per reading stored."""
    if not sources:
        return
    counts: dict[str, int] = {}
    for source in sources:
        counts[source] = counts.get(source, 0) + 1

    def count():
        for source, n in counts.items():
            INGESTED.labels(source).inc(n)

    transaction.on_commit(count)


# --- The endpoint ---------------------------------------------------------------------------


@require_GET
def metrics_view(request):
    """Prometheus's scrape. 404 unless HEMMA_METRICS_TOKEN is set; 401 without the token."""
    if not enabled():
        raise Http404
    if not _authorised(request.headers.get("Authorization", "")):
        response = HttpResponse("401 Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="hemma-metrics"'
        return response
    response = HttpResponse(generate_latest(_Scrape()), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


def _authorised(header: str) -> bool:
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    expected = settings.HEMMA_METRICS_TOKEN.encode()
    return hmac.compare_digest(given.strip().encode("utf-8", "replace"), expected)


class _Scrape:
    """What one scrape reports: the counted figures of every process, then the database's."""

    def collect(self):
        path = multiprocess_dir()
        if path:
            yield from MultiProcessCollector(None, path=path).collect()
        else:
            yield from LOCAL.collect()
        yield from database_metrics()


def database_metrics() -> list:
    """`hemma_database_up`, then each app's families read from the database; nothing of
    the latter when the database does not answer (the error goes to the log)."""
    up = GaugeMetricFamily(
        "hemma_database_up", "1 when the database answered this scrape's queries, else 0."
    )
    families = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        for path in COLLECTORS:
            families.extend(import_string(path)())
    except DatabaseError:
        logger.warning("metrics: the database does not answer", exc_info=True)
        if not connection.in_atomic_block:
            connection.close()  # a broken connection: the next scrape connects afresh
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    return [up, *families]
