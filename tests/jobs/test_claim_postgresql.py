"""Exactly once on PostgreSQL: two workers (threads, each with its own connection) claim
from the same queue at the same moment and no job is claimed twice – queued jobs and jobs
whose worker died alike, with FOR UPDATE SKIP LOCKED (PostgreSQL's way) and with the
conditional UPDATE (SQLite's way, which must hold on PostgreSQL too).

Runs in the PostgreSQL pass of `make test` (skipped on SQLite, like the other row-lock
tests); SQLite's single writer is covered in test_jobs.py and test_worker_crash.py."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from hemma.jobs import services
from hemma.jobs.models import Job

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
JOBS = 60


def claim_all(strategy, now) -> list[list[int]]:
    """Two workers claim until the queue is empty; the ids each one got."""
    start = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]
    errors = []

    def worker(index):
        try:
            start.wait()
            while (job := strategy(now, f"worker:{index}")) is not None:
                claimed[index].append(job.pk)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return claimed


@pytest.mark.parametrize("strategy", [services._claim_locked, services._claim_conditional])
def test_two_workers_never_claim_the_same_queued_job(enqueue, strategy):
    jobs = {enqueue().pk for _ in range(JOBS)}
    first, second = claim_all(strategy, timezone.now())
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(jobs)
    assert first and second  # both really took part
    assert set(Job.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.parametrize("strategy", [services._claim_locked, services._claim_conditional])
def test_two_workers_never_claim_the_same_abandoned_job(enqueue, strategy):
    """Jobs whose worker crashed (lease run out) are each claimed again by one worker."""
    jobs = {enqueue().pk for _ in range(JOBS)}
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.update(status="running", attempts=1, started_at=long_ago, lease_until=long_ago)
    first, second = claim_all(strategy, timezone.now())
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(jobs)
    assert set(Job.objects.values_list("attempts", flat=True)) == {2}
