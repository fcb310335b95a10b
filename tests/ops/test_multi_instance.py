"""Several instances on one PostgreSQL (issue 20), with real processes: two gunicorn app
instances (A and B, each on its own port, as behind the proxy without sticky sessions)
and two `hemma monitor` workers, all on this run's test database and one shared cache.

- A session made on A works on B: log in on A, open the alert page on B, acknowledge an
  alert on B with the CSRF token A set.
- An alert posted by a device to A is on B's live alert panel at once (it is read from
  the database on every poll).
- The cache is shared: the demo banner, cached by A and B, appears on both as soon as
  another process loads the demo and clears the cached answer (a per-process cache kept
  it away for a minute).
- With both workers running, unacknowledged alerts are escalated exactly once per step
  (one event and one task per step, and the workers' own counts add up to that), and
  every queued job runs exactly once.

The cache is Redis when it answers at 127.0.0.1:6379 (keys under a prefix of this run's
own), else the database cache. PostgreSQL only: SQLite's in-memory test database cannot be
shared with other processes (the SQLite file is covered by tests/web/test_sqlite_concurrency.py).
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from hemma.coordination.models import Task
from hemma.demo.models import DemoDataset
from hemma.episodes.models import Episode
from hemma.jobs.models import Job
from hemma.jobs.services import job_enqueue
from hemma.monitoring import services
from hemma.monitoring.models import Alert, AlertEvent, DutySlot
from tests.conftest import make_staff

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only: several processes on one database (SQLite: "
        "tests/web/test_sqlite_concurrency.py)",
    ),
]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "multi-instance-password"
ALERTS = 8
JOBS = 16
# A real `hemma monitor` loop (1 s passes), with the import job swapped for a recorder.
WORKER = """
import django
django.setup()
from hemma.jobs import registry
registry.REGISTRY["insights_import"] = "tests.ops.workers.record"
from django.core.management import call_command
call_command("monitor", interval=1)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as redis:
            redis.sendall(b"PING\r\n")
            return redis.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Cluster:
    """Two app instances and two workers on the test database; stopped with stop()."""

    def __init__(self, tmp: Path):
        database = connection.settings_dict
        user = quote(database["USER"] or "") + (
            f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
        )
        host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
        if redis_answers():
            self.cache = "redis://127.0.0.1:6379/0"
        else:
            call_command("createcachetable", "hemma_test_cache", verbosity=0)
            self.cache = "dbcache://hemma_test_cache"
        self.runs = tmp / "job-runs.txt"
        self.runs.touch()
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{user}@{host}:{port}/{database['NAME']}",
            "DJANGO_SETTINGS_MODULE": "hemma.settings",
            "SECRET_KEY": "multi-instance-test-key-shared-by-every-instance",
            "DEBUG": "false",
            "CACHE_URL": self.cache,
            "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
            "HEMMA_WEB_WORKERS": "1",
            "HEMMA_ACCESS_LOG": "",
            "HEMMA_WORKER_INTERVAL_SECONDS": "1",
            "HEMMA_TEST_JOB_RUNS": str(self.runs),
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.processes: list[tuple[subprocess.Popen, Path]] = []
        self.ports = [free_port(), free_port()]
        for name, port in zip("AB", self.ports, strict=True):
            self._start(
                f"app-{name}",
                [
                    BIN / "gunicorn",
                    "-c",
                    "gunicorn.conf.py",
                    "hemma.wsgi",
                    f"--bind=127.0.0.1:{port}",
                ],
                tmp,
            )
        self.workers = [
            self._start(f"worker-{n}", [sys.executable, "-c", WORKER], tmp) for n in (1, 2)
        ]
        for port in self.ports:
            self._wait_until_up(port)

    def _start(self, name, command, tmp) -> subprocess.Popen:
        log = tmp / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(  # noqa: S603 - our own commands
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.processes.append((process, log))
        return process

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for _p, log in self.processes)

    def _wait_until_up(self, port):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for process, _log in self.processes:
                assert process.poll() is None, self.logs()
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"port {port} did not answer\n{self.logs()}")

    def stop(self) -> None:
        for process, _log in self.processes:
            if process.poll() is None:
                # gunicorn: SIGINT, the quick shutdown; a worker: SIGTERM, its clean stop.
                gunicorn = process not in self.workers
                process.send_signal(signal.SIGINT if gunicorn else signal.SIGTERM)
        for process, _log in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def request(port, method, path, body=None, headers=None):
    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection_.request(method, path, body, headers or {})
        response = connection_.getresponse()
        return response.status, response.read().decode(), response.headers
    finally:
        connection_.close()


class Browser:
    """One member of staff's cookies, sent to whichever instance is asked."""

    def __init__(self):
        self.cookies = {}

    def send(self, port, method, path, form=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, text, response_headers = request(port, method, path, body, headers)
        for header in response_headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return status, text


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker, tmp_path_factory):
    """Started once for the module (about 10 s on 2 cores); each test's rows are its own."""
    with django_db_blocker.unblock():
        running = Cluster(tmp_path_factory.mktemp("cluster"))
    yield running
    running.stop()


@pytest.fixture
def nurse(ward):
    """A ward nurse whose password the servers can check (the test run's own hasher is a
    fast one the servers do not have)."""
    staff = make_staff("multinurse", "nurse", ward)
    staff.user.password = PBKDF2PasswordHasher().encode(PASSWORD, "multisalt", iterations=1000)
    staff.user.save(update_fields=["password"])
    return staff


@pytest.fixture
def episode(kim, ward, nurse):
    return Episode.objects.create(
        patient=kim, ward=ward, created_by=nurse, state="at_home", at_home_since=timezone.now()
    )


def red_set_bundle(patient_id) -> str:
    """Four vital signs of one moment that score NEWS2 11 (high): an alert."""
    when = (timezone.now() - timedelta(minutes=1)).isoformat()
    vitals = [("8867-4", 135, "/min"), ("59408-5", 91, "%"), ("8310-5", 39.4, "Cel")]
    vitals.append(("9279-1", 26, "/min"))
    category = "http://terminology.hl7.org/CodeSystem/observation-category"
    entries = [
        {
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "identifier": [{"system": "urn:test:multi", "value": f"red-{n}"}],
                "category": [{"coding": [{"system": category, "code": "vital-signs"}]}],
                "subject": {"reference": f"Patient/{patient_id}"},
                "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
                "effectiveDateTime": when,
                "valueQuantity": {
                    "value": value,
                    "system": "http://unitsofmeasure.org",
                    "code": unit,
                },
            },
            "request": {"method": "POST", "url": "Observation"},
        }
        for n, (loinc, value, unit) in enumerate(vitals)
    ]
    return json.dumps({"resourceType": "Bundle", "type": "batch", "entry": entries})


def test_a_session_the_cache_and_live_alerts_work_across_instances(cluster, ward, nurse, episode):
    a, b = cluster.ports
    staff = Browser()
    assert staff.send(b, "GET", "/monitoring/alerts/")[0] == 302  # not logged in yet
    assert staff.send(a, "GET", "/login/")[0] == 200
    status, _text = staff.send(
        a, "POST", "/login/", {"username": "multinurse", "password": PASSWORD}
    )
    assert status == 302 and "sessionid" in staff.cookies, cluster.logs()

    # The session made on A opens the ward's alerts on B; no alert yet. The page also
    # puts "is the demo loaded?" (no) into the cache, on both instances.
    status, page = staff.send(b, "GET", "/monitoring/alerts/")
    assert status == 200 and "Inga öppna larm" in page, page[:500]
    assert staff.send(a, "GET", "/monitoring/alerts/")[0] == 200
    assert "demo-banner" not in staff.send(a, "GET", "/monitoring/alerts/")[1]

    # A device posts a red set to A: B's live panel (what the page polls) shows it.
    code = services.enrolment_issue(staff=nurse, unit=ward, episode=episode)
    token = services.enrolment_claim_api(code=code).access_token
    status, body, _headers = request(
        a,
        "POST",
        "/fhir",
        red_set_bundle(episode.patient_id),
        {"Content-Type": "application/fhir+json", "Authorization": f"Bearer {token}"},
    )
    assert status == 200, body
    alert = Alert.objects.get(episode=episode)
    assert alert.level == "high" and alert.status == "open"
    status, panel = staff.send(b, "GET", "/monitoring/alerts/panel/")
    assert status == 200 and "Kim Testsson" in panel and f"/alerts/{alert.pk}/ack/" in panel

    # Acknowledged on B with the CSRF token A set, and shown so on A.
    status, _text = staff.send(b, "POST", f"/monitoring/alerts/{alert.pk}/ack/", {})
    assert status in (200, 302), _text[:500]
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == nurse
    assert "Kvitterat" in staff.send(a, "GET", "/monitoring/alerts/panel/")[1]

    # Another process loads the demo (here: its marker, and the cache cleared as
    # demo_load does): the banner shows on A and B at once, not after the cache's minute.
    DemoDataset.objects.create(id=1, loaded_at=timezone.now(), version=1)
    clear = "from django.core.cache import cache; cache.delete('hemma:demo_loaded')"
    done = subprocess.run(
        [BIN / "hemma", "shell", "-c", clear], cwd=ROOT, env=cluster.env, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    for port in (a, b):
        status, page = staff.send(port, "GET", "/monitoring/alerts/")
        assert status == 200 and "demo-banner" in page, f"{cluster.cache}: no banner on {port}"


def test_both_workers_escalate_each_step_once_and_run_each_job_once(
    cluster, ward, nurse, episode, home_health, home_nurse
):
    doctors = [make_staff(f"doc{n}", "physician", ward) for n in "abc"]
    for slot in DutySlot.values:
        services.duty_roster_set(
            staff=nurse, unit=ward, slot=slot, on_call=doctors[0], deputy=doctors[1]
        )
    services.escalation_final_set(
        staff=nurse, unit=ward, physician=doctors[2], instruction="Ring medicinjouren."
    )
    worker_logs = [log for process, log in cluster.processes if process in cluster.workers]
    offsets = [len(log.read_text()) for log in worker_logs]
    runs_offset = len(cluster.runs.read_text())
    long_ago = timezone.now() - timedelta(minutes=20)
    alerts = [
        Alert.objects.create(episode=episode, unit=ward, level="high", reasons=[f"test {n}"])
        for n in range(ALERTS)
    ]
    ours = Alert.objects.filter(pk__in=[alert.pk for alert in alerts])
    ours.update(created_at=long_ago)  # unacknowledged for 20 minutes: due
    jobs = [
        job_enqueue(staff=home_nurse, unit=home_health, kind="insights_import", params={}).pk
        for _ in range(JOBS)
    ]

    for step in (1, 2, 3):
        deadline = time.monotonic() + 20
        while ours.filter(escalation_step__lt=step).exists():
            assert time.monotonic() < deadline, f"step {step} not reached\n{cluster.logs()}"
            time.sleep(0.2)
        time.sleep(2.2)  # two more passes of each worker: nothing may happen twice
        # The next step is due: as if the escalation interval had passed again.
        ours.update(escalated_at=timezone.now() - timedelta(minutes=20))

    deadline = time.monotonic() + 30
    while Job.objects.filter(status__in=Job.ACTIVE).exists():
        assert time.monotonic() < deadline, f"jobs not done\n{cluster.logs()}"
        time.sleep(0.2)
    time.sleep(2)

    # One event and one task per alert and step, and nothing else.
    events = Counter(AlertEvent.objects.values_list("alert_id", "step", "kind"))
    assert events == Counter(
        {(alert.pk, step, "escalated"): 1 for alert in alerts for step in (1, 2, 3)}
    )
    assert Task.objects.filter(source="alert").count() == ALERTS * 3
    assert set(ours.values_list("escalation_step", flat=True)) == {3}
    # The workers' own counts ("escalated N, …" per pass) add up to one per step.
    escalated = []
    for log, offset in zip(worker_logs, offsets, strict=True):
        lines = log.read_text()[offset:].splitlines()
        escalated.append(
            sum(int(line.split()[1].rstrip(",")) for line in lines if line.startswith("escalated "))
        )
    assert sum(escalated) == ALERTS * 3, (escalated, cluster.logs())

    # Every job ran once, in one of the two workers, and both took part.
    runs = [line.split() for line in cluster.runs.read_text()[runs_offset:].splitlines()]
    assert Counter(int(job) for job, _pid in runs) == Counter({pk: 1 for pk in jobs})
    worker_pids = {str(worker.pid) for worker in cluster.workers}
    assert {pid for _job, pid in runs} <= worker_pids
    assert {pid for _job, pid in runs} == worker_pids, "one worker ran every job"
    assert set(Job.objects.values_list("status", "attempts")) == {("done", 1)}
