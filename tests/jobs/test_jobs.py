"""Background jobs: queued once, claimed by one worker, picked up again after a worker
died (at most three times), ended done or failed with a Swedish message, never lost; seen
only by the unit that queued them."""

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.errors import HemmaError, NotAllowed
from hemma.jobs import services
from hemma.jobs.models import MAX_ATTEMPTS, Job, JobFile
from hemma.jobs.services import (
    JobLost,
    job_claim,
    job_enqueue,
    job_progress,
    job_run,
    run_due_jobs,
)
from hemma.monitoring.management.commands import monitor
from tests.conftest import client_for, make_staff, make_unit

pytestmark = pytest.mark.django_db
LEASE = timedelta(seconds=120)


# --- queue -----------------------------------------------------------------------------------


def test_a_second_planning_of_the_same_day_returns_the_first(enqueue):
    first = enqueue("plan_day", {"day": "2026-11-26", "seconds": 1})
    again = enqueue("plan_day", {"day": "2026-11-26", "seconds": 5})
    other_day = enqueue("plan_day", {"day": "2026-11-27", "seconds": 1})
    assert again.pk == first.pk and again.reused and not first.reused
    assert other_day.pk != first.pk
    assert Job.objects.count() == 2
    # once the first has ended, the day can be planned again
    Job.objects.filter(pk=first.pk).update(status="done", finished_at=timezone.now())
    assert enqueue("plan_day", {"day": "2026-11-26", "seconds": 1}).pk != first.pk


def test_the_database_refuses_two_active_jobs_with_one_key(enqueue, home_nurse, home_health):
    first = enqueue("plan_day", {"day": "2026-11-26"})
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(
            kind="plan_day",
            dedupe_key=first.dedupe_key,
            created_by=home_nurse,
            unit=home_health,
        )


def test_the_database_refuses_an_unknown_status_and_a_running_job_without_lease(enqueue):
    job = enqueue()
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(status="paused")
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(status="running")
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(status="done")  # without finished_at


def test_only_staff_of_the_unit_queue_its_jobs(home_health, ward_nurse):
    with pytest.raises(NotAllowed):
        job_enqueue(staff=ward_nurse, unit=home_health, kind="plan_day", params={"day": "x"})
    with pytest.raises(HemmaError):
        job_enqueue(staff=ward_nurse, unit=home_health, kind="mine_bitcoin", params={})
    assert not Job.objects.exists()


# --- claim and run ---------------------------------------------------------------------------


def test_the_oldest_job_is_claimed_once_and_run(enqueue, handlers):
    handlers(insights_import=lambda job, progress: {"answer": 42})
    first, second = enqueue(), enqueue()
    claimed = job_claim(worker="test:1")
    assert claimed.pk == first.pk
    assert (claimed.status, claimed.attempts, claimed.claimed_by) == ("running", 1, "test:1")
    assert claimed.lease_until > timezone.now()
    assert job_claim().pk == second.pk
    assert job_claim() is None  # both are running under a live lease
    done = job_run(claimed)
    assert (done.status, done.result, done.error) == ("done", {"answer": 42}, "")
    assert done.finished_at is not None and done.lease_until is None


def test_two_workers_that_read_the_same_row_claim_it_once(enqueue):
    """SQLite's way: the conditional UPDATE matches for the first worker only."""
    job = enqueue()
    now = timezone.now()
    seen = (job.pk, 0, "sv")  # both workers read the queued row
    assert services._try_claim(*seen, now, "a:1").pk == job.pk
    assert services._try_claim(*seen, now, "b:2") is None
    # a job whose lease ran out: both read attempts=1; the first claims it again
    later = now + LEASE + timedelta(seconds=1)
    assert services._try_claim(job.pk, 1, "sv", later, "b:2").attempts == 2
    assert services._try_claim(job.pk, 1, "sv", later, "a:1") is None
    assert Job.objects.get(pk=job.pk).claimed_by == "b:2"


def test_a_job_whose_worker_died_is_claimed_again_then_given_up(enqueue, handlers):
    handlers(insights_import=lambda job, progress: {"ok": True})
    job = enqueue(attachment=("akut.csv", "person;datum\n"))
    now = timezone.now()
    assert job_claim(now).attempts == 1  # ... and the worker is killed: no heartbeat
    assert job_claim(now + timedelta(seconds=60)) is None  # the lease still holds
    for attempt in range(2, MAX_ATTEMPTS + 1):
        now += LEASE + timedelta(seconds=1)
        assert job_claim(now).attempts == attempt  # picked up again (and dies again)
    now += LEASE + timedelta(seconds=1)
    assert job_claim(now) is None
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at == now
    assert "avbröts 3 gånger" in job.error and "Försök igen" in job.error
    assert not JobFile.objects.filter(job=job).exists()


def test_a_job_picked_up_again_finishes(enqueue, handlers):
    handlers(insights_import=lambda job, progress: {"attempt": job.attempts})
    enqueue()
    job_claim()  # the worker dies
    again = job_claim(timezone.now() + LEASE + timedelta(seconds=1))
    assert job_run(again).result == {"attempt": 2}


def test_progress_renews_the_lease_and_a_lost_lease_stops_the_run(enqueue, handlers):
    job = enqueue()
    claimed = job_claim()
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() + timedelta(seconds=1))
    job_progress(claimed, "Läser: 10 000 av 100 000 rader")
    job.refresh_from_db()
    assert job.progress == "Läser: 10 000 av 100 000 rader"
    assert job.lease_until > timezone.now() + timedelta(seconds=100)
    # another worker took it over (this one's lease ran out while it was stuck)
    taken = job_claim(timezone.now() + LEASE + timedelta(seconds=1))
    with pytest.raises(JobLost):
        job_progress(claimed, "still here")

    def late(job, progress):
        progress("still here")
        return {"late": True}

    handlers(insights_import=late)
    job_run(claimed)  # stops quietly, records nothing
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result) == ("running", 2, {})
    assert job_run(taken).result == {"late": True}  # the new owner finishes it


def test_a_failing_job_ends_failed_with_a_swedish_message_and_is_logged(enqueue, handlers, caplog):
    def broken(job, progress):
        raise ZeroDivisionError("a bug")

    handlers(insights_import=broken)
    job = enqueue(attachment=("akut.csv", "191212121212;2025-03-04\n"))
    with caplog.at_level(logging.ERROR, logger="hemma.jobs.services"):
        assert run_due_jobs() == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert job.error.startswith("Ett oväntat fel stoppade jobbet")
    assert "ZeroDivisionError: a bug" in caplog.text
    assert not JobFile.objects.exists()


def test_a_refusal_ends_failed_with_its_own_message(enqueue, handlers):
    def refused(job, progress):
        raise HemmaError("Inga arbetspass den dagen: lägg in personalens pass först.")

    handlers(insights_import=refused)
    job = enqueue()
    run_due_jobs()
    job.refresh_from_db()
    assert (job.status, job.error) == (
        "failed",
        "Inga arbetspass den dagen: lägg in personalens pass först.",
    )


def test_a_job_runs_in_the_language_of_whoever_queued_it(enqueue, handlers):
    from django.utils import translation

    handlers(insights_import=lambda job, progress: {"language": translation.get_language()})
    with translation.override("en"):
        job = enqueue()
    run_due_jobs()
    job.refresh_from_db()
    assert job.language == "en" and job.result == {"language": "en"}


# --- the worker ------------------------------------------------------------------------------


def test_monitor_once_runs_the_jobs_due(enqueue, handlers, capsys):
    handlers(insights_import=lambda job, progress: {"ok": True})
    job = enqueue()
    call_command("monitor", once=True)
    assert "jobs 1" in capsys.readouterr().out
    job.refresh_from_db()
    assert job.status == "done"


@pytest.mark.django_db(transaction=True)
def test_the_worker_loop_runs_a_job_between_passes(enqueue, handlers, monkeypatch):
    """Jobs are looked for about every second while the loop waits for the next pass."""
    handlers(insights_import=lambda job, progress: {"ok": True})
    command = monitor.Command()
    command.stopping = False
    job = enqueue()
    naps = []

    def nap(seconds):
        naps.append(seconds)
        if len(naps) == 3:
            command.stopping = True

    monkeypatch.setattr(monitor.time, "sleep", nap)
    assert command._sleep(30) is True  # stopped by "SIGTERM" during the wait
    job.refresh_from_db()
    assert job.status == "done"
    assert naps == [1, 1, 1]


@pytest.mark.django_db(transaction=True)
def test_a_database_error_while_looking_for_jobs_waits_for_the_next_pass(monkeypatch, caplog):
    def gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(monitor, "run_due_jobs", gone)
    command = monitor.Command()
    command.stopping = False
    assert command._run_jobs() is False  # the loop stops looking until the next pass
    assert "job check failed (database)" in caplog.text


# --- the page --------------------------------------------------------------------------------


def test_the_status_fragment_polls_until_the_job_ends(client, enqueue, home_nurse, handlers):
    handlers(insights_import=lambda job, progress: {"imported": 7, "duplicates": 1, "errors": 0})
    job = enqueue()
    url = reverse("jobs:status", args=[job.pk])
    as_nurse = client_for(client, home_nurse)
    fragment = as_nurse.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert 'hx-trigger="every 2s"' in fragment and "Väntar på att starta" in fragment
    page = as_nurse.get(url).content.decode()
    assert "<html" in page and "Väntar på att starta" in page  # without htmx: a page
    running = job_claim()
    job_progress(running, "Läser: 12 000 av 100 000 rader")
    fragment = as_nurse.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Läser: 12 000 av 100 000 rader" in fragment and "every 2s" in fragment
    job_run(running)
    fragment = as_nurse.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "7 nya rader, 1 fanns redan, 0 felaktiga." in fragment
    assert "hx-trigger" not in fragment  # done: no more polling


def test_a_failed_job_shows_its_message(client, enqueue, home_nurse, handlers):
    handlers(plan_day=lambda job, progress: (_ for _ in ()).throw(HemmaError("Dagen ändrades.")))
    job = enqueue("plan_day", {"day": "2026-11-26", "seconds": 1})
    run_due_jobs()
    fragment = client_for(client, home_nurse).get(reverse("jobs:status", args=[job.pk]))
    text = fragment.content.decode()
    assert "Jobbet misslyckades:" in text and "Dagen ändrades." in text
    assert "Tillbaka till planeringen" in text


def test_another_units_job_is_404_with_a_denied_entry(client, enqueue, municipality):
    job = enqueue()
    theirs = make_unit(municipality, "Hemsjukvården Norr", "home_health_care", "HSVN")
    stranger = make_staff("stranger", "nurse", theirs)
    response = client_for(client, stranger).get(reverse("jobs:status", args=[job.pk]))
    assert response.status_code == 404
    assert "Inläsning" not in response.content.decode()
    denied = AccessLogEntry.objects.get(user=stranger.user, outcome="denied")
    assert denied.detail == f"job id={job.pk} status"
    response = client.get(reverse("jobs:status", args=[999999]))
    assert response.status_code == 404


def test_a_job_nobody_takes_says_to_check_the_worker(client, enqueue, home_nurse):
    job = enqueue()
    url = reverse("jobs:status", args=[job.pk])
    as_nurse = client_for(client, home_nurse)
    assert "Ingen bakgrundsprocess" not in as_nurse.get(url).content.decode()
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    page = as_nurse.get(url).content.decode()
    assert "Ingen bakgrundsprocess har tagit jobbet ännu" in page and "hemma monitor" in page


def test_finished_jobs_are_purged_after_30_days_and_active_ones_never(enqueue, handlers):
    now = timezone.now()
    old_done, recent_done, old_queued = (enqueue(params={"n": n}) for n in range(3))
    Job.objects.filter(pk=old_done.pk).update(status="done", finished_at=now - timedelta(days=31))
    Job.objects.filter(pk=recent_done.pk).update(
        status="failed", finished_at=now - timedelta(days=29)
    )
    Job.objects.filter(pk=old_queued.pk).update(created_at=now - timedelta(days=90))
    assert services.jobs_purge(now) == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {recent_done.pk, old_queued.pk}


def test_the_monitor_pass_purges_old_jobs(enqueue, handlers):
    job = enqueue()
    Job.objects.filter(pk=job.pk).update(
        status="done", finished_at=timezone.now() - timedelta(days=40)
    )
    call_command("monitor", "--once")
    assert not Job.objects.filter(pk=job.pk).exists()
