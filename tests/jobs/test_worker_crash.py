"""Worker resilience with real processes: a `hemma monitor` worker is killed with SIGKILL
in the middle of a job; a second worker notices the lease running out and finishes the
job (attempt 2). SIGTERM stops a worker cleanly.

The workers are subprocesses on the test database: on PostgreSQL the test database itself;
on SQLite (whose test database lives in this process's memory) a copy of it in a file."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from hemma.jobs.models import Job

pytestmark = pytest.mark.django_db(transaction=True)
BASE = Path(__file__).resolve().parents[2]
# A real `hemma monitor` loop, with the import job swapped for a test double.
WORKER = """
import sys
import django
django.setup()
from hemma.jobs import registry
registry.REGISTRY["insights_import"] = sys.argv[1]
from django.core.management import call_command
call_command("monitor", interval=1)
"""


class SharedDatabase:
    """The test database as a URL another process can open, and a way to read a job."""

    def __init__(self, tmp_path):
        settings = connection.settings_dict
        if connection.vendor == "postgresql":
            user = quote(settings["USER"] or "")
            password = quote(settings["PASSWORD"] or "")
            self.url = (
                f"postgres://{user}:{password}@{settings['HOST'] or '127.0.0.1'}:"
                f"{settings['PORT'] or 5432}/{settings['NAME']}"
            )
            self.path = None
        else:
            self.path = tmp_path / "hemma.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.path)
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.path}"

    def job(self, pk: int) -> dict:
        fields = ("status", "attempts", "progress", "result", "error", "claimed_by")
        if self.path is None:
            return Job.objects.values(*fields).get(pk=pk)
        with sqlite3.connect(self.path, timeout=20) as db:
            row = db.execute(f"SELECT {', '.join(fields)} FROM jobs_job WHERE id = ?", [pk])
            found = dict(zip(fields, row.fetchone(), strict=True))
        found["result"] = json.loads(found["result"])
        return found


def start_worker(database: SharedDatabase, job_function: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hemma.settings",
        "DATABASE_URL": database.url,
        "HEMMA_JOB_LEASE_SECONDS": "2",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, job_function],
        cwd=BASE,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_for(database, pk, condition, seconds=45, log=None) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = database.job(pk)
        if condition(job):
            return job
        time.sleep(0.2)
    output = log.read_text() if log else ""
    raise AssertionError(f"job {pk} stuck: {database.job(pk)}\n{output}")


def test_a_job_claimed_by_a_killed_worker_is_finished_by_the_next(enqueue, tmp_path):
    job = enqueue(attachment=("akut.csv", "person;datum\n"))
    database = SharedDatabase(tmp_path)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"

    first = start_worker(database, "tests.jobs.workers.hang", first_log)
    try:
        running = wait_for(database, job.pk, lambda j: j["progress"] == "Arbetar…", log=first_log)
    finally:
        first.send_signal(signal.SIGKILL)  # mid-job: no clean-up, no heartbeat
        first.wait(10)
    assert first.returncode == -signal.SIGKILL
    assert running["status"] == "running" and running["attempts"] == 1
    assert running["claimed_by"].endswith(f":{first.pid}")
    assert database.job(job.pk)["status"] == "running"  # claimed by a dead worker

    second = start_worker(database, "tests.jobs.workers.finish", second_log)
    try:
        done = wait_for(database, job.pk, lambda j: j["status"] != "running", log=second_log)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    assert second.returncode == 0  # SIGTERM: a clean stop
    assert done["status"] == "done", second_log.read_text()
    assert done["attempts"] == 2 and done["result"] == {"finished": 2}
    assert done["claimed_by"].endswith(f":{second.pid}")
