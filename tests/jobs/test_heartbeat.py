"""The worker's heartbeat (WorkerHeartbeat): durations the worker writes for /metrics."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hemma.jobs import registry
from hemma.jobs.metrics import collect
from hemma.jobs.models import DURATION_BUCKETS, Job, WorkerHeartbeat
from hemma.jobs.services import job_enqueue, run_due_jobs, worker_heartbeat_record

pytestmark = pytest.mark.django_db


def families(now=None) -> dict:
    return {family.name: family for family in collect(now)}


def test_runs_add_up_in_buckets_sum_and_count():
    worker_heartbeat_record({"check.a": 0.03, "pass": 0.2})
    worker_heartbeat_record({"check.a": 7.0})
    worker_heartbeat_record({"check.a": 10_000.0})  # longer than the last bound: +Inf only
    row = WorkerHeartbeat.objects.get(name="check.a")
    assert row.count == 3 and row.seconds_sum == pytest.approx(10_007.03)
    assert row.last_seconds == 10_000.0 and len(row.buckets) == len(DURATION_BUCKETS) + 1
    histogram = families()["hemma_worker_check_duration_seconds"]
    buckets = {
        s.labels["le"]: s.value
        for s in histogram.samples
        if s.name.endswith("_bucket") and s.labels["check"] == "a"
    }
    assert buckets["0.01"] == 0 and buckets["0.05"] == 1 and buckets["10.0"] == 2
    assert buckets["600.0"] == 2 and buckets["+Inf"] == 3
    counts = {s.labels["check"]: s.value for s in histogram.samples if s.name.endswith("_count")}
    assert counts == {"a": 3, "pass": 1}


def test_a_negative_duration_from_a_clock_step_counts_as_zero():
    worker_heartbeat_record({"check.b": -1.0})
    assert WorkerHeartbeat.objects.get(name="check.b").buckets[0] == 1


def test_the_last_pass_and_the_queue(ward, ward_nurse):
    assert "hemma_worker_last_pass_timestamp_seconds" not in families()
    moment = timezone.now() - timedelta(minutes=3)
    worker_heartbeat_record({"pass": 0.1}, now=moment)
    found = families()
    [last] = found["hemma_worker_last_pass_timestamp_seconds"].samples
    assert last.value == pytest.approx(moment.timestamp())
    job = job_enqueue(
        staff=ward_nurse, unit=ward, kind="insights_import", params={}, attachment=("a", "b")
    )
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    found = families()
    queued = {s.labels["status"]: s.value for s in found["hemma_jobs"].samples}
    assert queued == {"queued": 1, "running": 0}
    [age] = found["hemma_job_oldest_queued_age_seconds"].samples
    assert 595 <= age.value <= 620


@pytest.mark.parametrize("outcome", ["done", "failed"])
def test_a_job_records_its_duration_by_kind_and_outcome(monkeypatch, ward, ward_nurse, outcome):
    def run(job, progress):
        if outcome == "failed":
            raise RuntimeError("boom")
        return {"ok": True}

    monkeypatch.setitem(registry.REGISTRY, "insights_import", run)
    job_enqueue(staff=ward_nurse, unit=ward, kind="insights_import", params={})
    assert run_due_jobs() == 1
    row = WorkerHeartbeat.objects.get(name=f"job.insights_import.{outcome}")
    assert row.count == 1
    histogram = families()["hemma_job_duration_seconds"]
    [count] = [s for s in histogram.samples if s.name.endswith("_count")]
    assert count.labels == {"kind": "insights_import", "status": outcome} and count.value == 1
