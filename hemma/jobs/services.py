"""Background jobs: queue (a request), claim and run (the worker, `hemma monitor`).

Exactly once: a job is claimed by one worker only – on PostgreSQL the oldest runnable row
is locked with SELECT … FOR UPDATE SKIP LOCKED (other workers skip it and take the next),
on SQLite (one writer at a time) with a conditional UPDATE that succeeds only if the row is
still as the worker read it. A claim is a lease (HEMMA_JOB_LEASE_SECONDS) that the job
renews each time it reports progress; a worker that dies (killed, a power cut) stops
renewing, and when the lease runs out the next worker claims the job again. After
MAX_ATTEMPTS claims the job fails with a message instead of going round for ever.

A job runs outside any transaction: its function opens its own short ones (planning
solves first, then stores the plan in one short transaction). An exception ends the job
failed, with a message for the user in Swedish and the traceback in the log – a job is
never lost silently."""

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Staff, Unit
from hemma.errors import HemmaError, NotAllowed

from . import registry
from .models import DURATION_BUCKETS, MAX_ATTEMPTS, Job, JobFile, WorkerHeartbeat

logger = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = (
    Job.Status.QUEUED,
    Job.Status.RUNNING,
    Job.Status.DONE,
    Job.Status.FAILED,
)


class JobLost(Exception):
    """This worker's lease ran out and another worker claimed the job: stop quietly."""


def lease() -> timedelta:
    return timedelta(seconds=settings.HEMMA_JOB_LEASE_SECONDS)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def dedupe_key(kind: str, unit: Unit, params: dict) -> str:
    """Jobs that must not run twice at once: one planning per unit and day."""
    if kind == Job.Kind.PLAN_DAY:
        return f"plan_day:{unit.pk}:{params['day']}"
    return ""


# --- Queue -----------------------------------------------------------------------------------


@transaction.atomic
def job_enqueue(
    *,
    staff: Staff,
    unit: Unit,
    kind: str,
    params: dict,
    attachment: tuple[str, str] | None = None,
) -> Job:
    """Queue a job for the worker; `attachment` is an uploaded file (name, text) it reads.

    A second planning of a unit's day while one is queued or running is not queued: the
    one already there is returned (with `reused` set), so two clicks plan once."""
    if kind not in Job.Kind.values:
        raise HemmaError(_("Okänd sorts jobb."))
    if not Membership.objects.filter(staff=staff, unit=unit).exists():
        raise NotAllowed(_("Du arbetar inte på %(unit)s.") % {"unit": unit.name})
    key = dedupe_key(kind, unit, params)
    if key and (existing := _active(key)) is not None:
        return existing
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind,
                params=params,
                dedupe_key=key,
                created_by=staff,
                unit=unit,
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
    except IntegrityError:  # another request queued the same one a moment ago
        existing = _active(key)
        if existing is None:
            raise
        return existing
    if attachment is not None:
        name, text = attachment
        JobFile.objects.create(job=job, name=name[:255], text=text)
    job.reused = False
    logger.info("job %s queued: %s by %s for unit %s", job.pk, kind, staff.pk, unit.pk)
    return job


def _active(key: str) -> Job | None:
    job = Job.objects.filter(dedupe_key=key, status__in=Job.ACTIVE).first()
    if job is not None:
        job.reused = True
    return job


# --- Claim -----------------------------------------------------------------------------------


def _runnable(now: datetime) -> Q:
    """Queued, or claimed by a worker whose lease ran out (it crashed or was killed)."""
    return Q(status=QUEUED) | Q(status=RUNNING, lease_until__lt=now)


def job_claim(now: datetime | None = None, *, worker: str | None = None) -> Job | None:
    """Claim the oldest runnable job for this worker (None: nothing to do). Two workers
    never claim the same job: see the module's docstring."""
    now = now or timezone.now()
    worker = worker or worker_name()
    if connection.features.has_select_for_update_skip_locked:
        return _claim_locked(now, worker)
    return _claim_conditional(now, worker)


def _claim_locked(now: datetime, worker: str) -> Job | None:
    """PostgreSQL: lock the row; a row another worker holds is skipped, not waited for."""
    while True:
        with transaction.atomic():
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(_runnable(now))
                .order_by("created_at", "pk")
                .first()
            )
            if job is None:
                return None
            if job.attempts >= MAX_ATTEMPTS:
                _give_up(Job.objects.filter(pk=job.pk), job.language, now)
                continue
            Job.objects.filter(pk=job.pk).update(**_claimed(now, worker))
        job.refresh_from_db()
        return job


def _claim_conditional(now: datetime, worker: str) -> Job | None:
    """SQLite: UPDATE … WHERE the row is still runnable and its attempts are what this
    worker read. Writes are serialised, so of two workers that read the same row only the
    first UPDATE matches; the other finds nothing changed and tries the next row."""
    while True:
        candidates = list(
            Job.objects.filter(_runnable(now))
            .order_by("created_at", "pk")
            .values_list("pk", "attempts", "language")[:10]
        )
        if not candidates:
            return None
        for pk, attempts, language in candidates:
            if (job := _try_claim(pk, attempts, language, now, worker)) is not None:
                return job
        # every candidate went to other workers (or was given up): look again


def _try_claim(pk: int, attempts: int, language: str, now: datetime, worker: str) -> Job | None:
    """One conditional UPDATE: the job is this worker's only if it is still as read."""
    same = Job.objects.filter(_runnable(now), pk=pk, attempts=attempts)
    if attempts >= MAX_ATTEMPTS:
        _give_up(same, language, now)
        return None
    if same.update(**_claimed(now, worker)) == 1:
        return Job.objects.get(pk=pk)
    return None


def _claimed(now: datetime, worker: str) -> dict:
    return {
        "status": RUNNING,
        "attempts": F("attempts") + 1,
        "started_at": now,
        "lease_until": now + lease(),
        "claimed_by": worker,
        "progress": "",
    }


def _give_up(rows, language: str, now: datetime) -> None:
    with translation.override(language):
        error = _(
            "Jobbet avbröts %(n)s gånger utan att bli klart (bakgrundsprocessen stannade). "
            "Försök igen, och kontakta IT-supporten om det händer igen."
        ) % {"n": MAX_ATTEMPTS}
    with transaction.atomic():
        given_up = list(rows.values_list("pk", flat=True))
        if rows.update(status=FAILED, error=error, finished_at=now, lease_until=None, progress=""):
            JobFile.objects.filter(job_id__in=given_up).delete()
            logger.error("jobs %s failed: gave up after %d attempts", given_up, MAX_ATTEMPTS)


# --- Run -------------------------------------------------------------------------------------


def job_progress(job: Job, text: str) -> None:
    """Report progress (shown to the user) and renew the lease: the worker is alive."""
    now = timezone.now()
    updated = Job.objects.filter(pk=job.pk, status=RUNNING, attempts=job.attempts).update(
        progress=str(text)[:200], lease_until=now + lease()
    )
    if not updated:
        raise JobLost(f"job {job.pk}: lease lost (attempt {job.attempts})")
    job.progress = str(text)[:200]


def job_run(job: Job) -> Job:
    """Run a claimed job to its end: done with its result, or failed with a message. Its
    duration goes to the worker's heartbeat (the job's kind and how it ended, for the
    metrics); a run another worker took over is not counted here."""
    started = time.perf_counter()
    with translation.override(job.language):
        try:
            function = registry.handler(job.kind)
            result = function(job, lambda text: job_progress(job, text))
        except JobLost:
            logger.warning("job %s: another worker took it over; this run stops", job.pk)
            return job
        except HemmaError as error:
            logger.info("job %s (%s) failed: %s", job.pk, job.kind, error.message)
            _finish(job, FAILED, error=error.message)
        except Exception:
            logger.exception("job %s (%s) failed with an unexpected error", job.pk, job.kind)
            _finish(
                job,
                FAILED,
                error=_(
                    "Ett oväntat fel stoppade jobbet. Felet är loggat; försök igen eller "
                    "kontakta IT-supporten."
                ),
            )
        else:
            _finish(job, DONE, result=result or {})
    job.refresh_from_db()
    if job.status in Job.FINISHED:
        worker_heartbeat_record({f"job.{job.kind}.{job.status}": time.perf_counter() - started})
    return job


@transaction.atomic
def _finish(job: Job, status: str, *, result: dict | None = None, error: str = "") -> None:
    ours = Job.objects.filter(pk=job.pk, status=RUNNING, attempts=job.attempts)
    if not ours.update(
        status=status,
        result=result or {},
        error=error,
        progress="",
        finished_at=timezone.now(),
        lease_until=None,
    ):
        logger.warning("job %s ended here but another worker had taken it over", job.pk)
        return
    # The upload is not kept: an import file may hold personal identity numbers.
    JobFile.objects.filter(job=job).delete()
    logger.info("job %s (%s) %s", job.pk, job.kind, status)


def run_due_jobs(
    *, now: datetime | None = None, stop: Callable[[], bool] | None = None, worker: str = ""
) -> int:
    """The worker's run function: claim and run jobs until none is due (or `stop()`).
    Tests call it to run queued jobs synchronously. Returns how many ran."""
    ran = 0
    while not (stop and stop()):
        job = job_claim(now, worker=worker or None)
        if job is None:
            break
        try:
            job_run(job)
        except DatabaseError:
            # The job could not even be marked failed: the database is gone. It stays
            # claimed; its lease runs out and a worker picks it up again.
            logger.exception("job %s: the database went away while it ran", job.pk)
            raise
        ran += 1
    return ran


KEEP_FINISHED = timedelta(days=30)


def jobs_purge(now: datetime | None = None) -> int:
    """Delete jobs finished more than 30 days ago (their outcome was shown when they ended;
    an import's file is deleted already when it ends). Queued and running jobs are never
    touched. Returns how many were deleted."""
    now = now or timezone.now()
    deleted, _by_model = Job.objects.filter(
        status__in=[DONE, FAILED], finished_at__lt=now - KEEP_FINISHED
    ).delete()
    return deleted


# --- The worker's heartbeat ------------------------------------------------------------------


def worker_heartbeat_record(timings: dict[str, float], now: datetime | None = None) -> None:
    """Record runs the worker just finished: {name: seconds} (WorkerHeartbeat's names). One
    short transaction; each row is locked, so two workers add up and lose no run."""
    now = now or timezone.now()
    with transaction.atomic():
        for name, seconds in sorted(timings.items()):
            seconds = max(0.0, float(seconds))
            row, _created = WorkerHeartbeat.objects.select_for_update().get_or_create(name=name)
            buckets = list(row.buckets or [])
            buckets += [0] * (len(DURATION_BUCKETS) + 1 - len(buckets))
            buckets[_bucket(seconds)] += 1
            row.buckets = buckets
            row.last_at, row.last_seconds = now, seconds
            row.count += 1
            row.seconds_sum += seconds
            row.save()


def _bucket(seconds: float) -> int:
    return next((i for i, bound in enumerate(DURATION_BUCKETS) if seconds <= bound), -1)
