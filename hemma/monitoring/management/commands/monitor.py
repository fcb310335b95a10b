"""The worker, like healthchecks' `sendalerts`: escalates unacknowledged medium/high
alerts and raises overdue-measurement alerts, in a loop; between those passes it runs the
background jobs (`hemma.jobs`: planning a day, large imports), looking for one about every
second.

Safe to run as several copies at once: each alert is claimed with a conditional update,
and overdue checks lock the episode row. `make run` starts one next to the web server.
A job is claimed by exactly one copy, and a job whose worker died is claimed again when
its lease runs out (see hemma/jobs/services.py). A job runs to its end before the worker
stops on SIGTERM (planning: at most a minute).
Each pass ends by recording its checks' durations in the heartbeat table (metrics:
"worker not running" is a pass too long ago, docs/operations.md "Metrics and alerts").
A database that goes away (a PostgreSQL restart, a failover) does not stop the loop: the
pass is logged as failed, the connection dropped, and the next pass waits a growing
back-off (up to 5 minutes) until the database answers again; jobs wait for it too.

    hemma monitor            # loop every HEMMA_WORKER_INTERVAL_SECONDS, jobs every second
    hemma monitor --once     # one pass and the jobs due now (cron, tests)
"""

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connections
from django.utils.module_loading import import_string

from hemma.audit.partitions import ensure_partitions_hourly
from hemma.jobs.services import jobs_purge, run_due_jobs, worker_heartbeat_record, worker_name
from hemma.monitoring.services import alerts_escalate, overdue_check

logger = logging.getLogger(__name__)
# The worker's checks of apps above monitoring, by dotted path (like hemma.jobs.registry) so
# monitoring does not import them: missed or late doses (hemma.medication).
CHECKS = ("hemma.medication.services.doses_overdue_check",)
MAX_BACKOFF_SECONDS = 300
JOB_CHECK_SECONDS = 1


class Command(BaseCommand):
    help = "Escalate unacknowledged alerts and flag overdue measurements (loop)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument("--interval", type=int, default=None, help="Seconds between passes.")

    def handle(self, *args, once=False, interval=None, **options):
        interval = interval or settings.HEMMA_WORKER_INTERVAL_SECONDS
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        failures = 0
        while True:
            try:
                escalated, overdue, doses = self._pass()
            except DatabaseError:
                if once:
                    raise
                failures += 1
                logger.exception("monitor pass failed (database); retrying, attempt %d", failures)
                # A connection broken by a restart is unusable: drop it, open a new one next.
                connections.close_all()
            else:
                failures = 0
                if escalated or overdue or doses or once:
                    self.stdout.write(f"escalated {escalated}, overdue {overdue}, doses {doses}")
            if once:
                self.stdout.write(f"jobs {run_due_jobs(worker=worker_name())}")
                return
            if self.stopping:
                return
            # A long-running loop drops connections that went stale while it slept.
            close_old_connections()
            if self._sleep(_pause(interval, failures)):
                return

    def _pass(self) -> tuple[int, int, int]:
        """One pass of the checks, each timed; the timings and the pass's end go to the
        heartbeat table that /metrics reads (worker not running, durations)."""
        timings: dict[str, float] = {}
        started = time.perf_counter()
        escalated = _timed(timings, "alerts_escalate", alerts_escalate)
        overdue = _timed(timings, "overdue_check", overdue_check)
        doses = sum(
            _timed(timings, check.rsplit(".", 1)[-1], import_string(check)) for check in CHECKS
        )
        _timed(timings, "jobs_purge", jobs_purge)
        # The access log's next months (PostgreSQL).
        _timed(timings, "access_log_partitions", ensure_partitions_hourly)
        timings["pass"] = time.perf_counter() - started
        worker_heartbeat_record(timings)
        return escalated, overdue, doses

    def _sleep(self, seconds: int) -> bool:
        """Wait for the next pass, running due jobs about every second; a SIGTERM is
        honoured at once (between jobs). True when stopping."""
        deadline = time.monotonic() + seconds
        jobs = True
        while not self.stopping:
            if jobs:
                jobs = self._run_jobs()
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(JOB_CHECK_SECONDS, left))
        return self.stopping

    def _run_jobs(self) -> bool:
        """Run the jobs due now; False when the database failed (jobs then wait for the
        next pass, which backs off until the database answers)."""
        try:
            ran = run_due_jobs(stop=lambda: self.stopping, worker=worker_name())
        except DatabaseError:
            logger.exception("job check failed (database); jobs wait for the next pass")
            connections.close_all()
            return False
        if ran:
            self.stdout.write(f"jobs {ran}")
            close_old_connections()
        return True

    def _stop(self, *args):
        self.stopping = True


def _timed(timings: dict[str, float], name: str, check):
    started = time.perf_counter()
    result = check()
    timings[f"check.{name}"] = time.perf_counter() - started
    return result


def _pause(interval: int, failures: int) -> int:
    """The usual interval; after failed passes a doubling back-off, at most 5 minutes."""
    if failures == 0:
        return interval
    return min(MAX_BACKOFF_SECONDS, interval * 2 ** min(failures, 10))
