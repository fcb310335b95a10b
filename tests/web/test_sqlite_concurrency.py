"""Several users at once on the embedded SQLite default (issue 14).

A real SQLite file with the real settings, served by gunicorn with gunicorn.conf.py (4
worker processes of 2 threads): 30 device posts in parallel while logged-in staff open
patient pages and care requests (the care request's read receipt is a write on a GET) and
ask a question on a care request. Before WAL + IMMEDIATE transactions + the busy timeout,
most device posts failed with "database is locked" (500).

Runs on the SQLite pass only: the PostgreSQL pass has no file to share.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "hemma-demo-2026"
DEVICE_POSTS = 30
DEVICES = 6
SYSTEM = "urn:test:concurrency"

pytestmark = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="SQLite only: several processes sharing one database file",
)

ENROL = f"""
import json
from hemma.accounts.models import Staff
from hemma.carerequests.models import CareRequest
from hemma.episodes.models import Episode
from hemma.monitoring import services
episode = Episode.objects.filter(state="at_home").select_related("ward").first()
nurse = Staff.objects.get(user__username="anna.ssk")
tokens = [
    services.enrolment_claim_api(
        code=services.enrolment_issue(staff=nurse, unit=episode.ward, episode=episode)
    ).access_token
    for _ in range({DEVICES})
]
# The demo's request to home health care that is sent and not yet read.
request = CareRequest.objects.get(
    to_unit__kind="home_health_care", status="sent", read_at__isnull=True
)
print("RESULT " + json.dumps({{
    "tokens": tokens,
    "episode": episode.pk,
    "patient": str(episode.patient_id),
    "request": request.pk,
}}))
"""

CHECK = f"""
import json
from hemma.carerequests.models import CareRequest, CareRequestMessage
from hemma.monitoring.models import FhirIdentifier
print("RESULT " + json.dumps({{
    "identifiers": list(
        FhirIdentifier.objects.filter(system="{SYSTEM}").values_list("value", flat=True)
    ),
    "read": CareRequest.objects.get(pk=REQUEST).read_at is not None,
    "questions": CareRequestMessage.objects.filter(text__startswith="Samtidig fråga").count(),
}}))
"""


def hemma(env, *args, code=None) -> dict | None:
    command = [str(BIN / "hemma"), *args] + (["-c", code] if code else [])
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """A logged-in member of staff: cookies, the CSRF token, no redirects followed."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, method, path, form=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status
        finally:
            connection.close()

    def login(self, username):
        assert self.request("GET", "/login/") == 200
        status = self.request("POST", "/login/", {"username": username, "password": PASSWORD})
        assert status == 302 and "sessionid" in self.cookies, f"{username} could not log in"


def device_post(port, token, n, when, patient):
    body = {
        "resourceType": "Observation",
        "status": "final",
        "subject": {"reference": f"Patient/{patient}"},
        "identifier": [{"system": SYSTEM, "value": f"obs-{n}"}],
        "category": [{"coding": [{"code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "effectiveDateTime": when,
        "valueQuantity": {"value": 70 + n, "system": "http://unitsofmeasure.org", "code": "/min"},
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            "/fhir/Observation",
            json.dumps(body),
            {"Content-Type": "application/fhir+json", "Authorization": f"Bearer {token}"},
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.fixture
def server(tmp_path):
    """Migrate and load the demo into a fresh SQLite file, enrol devices, start gunicorn."""
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'hemma.sqlite3'}",
        # Several processes and threads, whatever the machine's cores and the default.
        HEMMA_WEB_WORKERS="4",
        HEMMA_WEB_THREADS="2",
    )
    hemma(env, "migrate", "--noinput")
    hemma(env, "load_demo", "--quiet")
    demo = hemma(env, "shell", code=ENROL)
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [BIN / "gunicorn", "-c", "gunicorn.conf.py", "hemma.wsgi", f"--bind=127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                if Browser(port).request("GET", "/healthz") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield {"port": port, "env": env, "log": log_path, **demo}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_devices_and_staff_at_once_on_sqlite(server):
    port = server["port"]
    statuses = []  # (what, status or the exception raised)
    lock = threading.Lock()
    patient, request = server["patient"], server["request"]
    # Who opens what (three rounds each, all at once with the devices); karin.hsv also asks
    # the ward a question on the care request. Opening the request as its receiver writes
    # the read receipt: a write on a GET, by two nurses at once.
    staff = {
        "anna.ssk": [f"/patients/{patient}/", f"/episodes/{server['episode']}/", "/patients/"],
        "karin.hsv": ["/care-requests/", f"/care-requests/{request}/", f"/patients/{patient}/"],
        "nils.hsv": [f"/care-requests/{request}/", "/care-requests/"],
    }
    ask_url, question = f"/care-requests/{request}/ask/", {"question": "Samtidig fråga: när?"}
    start = threading.Barrier(DEVICE_POSTS + len(staff))

    def record(what, call):
        try:
            status = call()
        except Exception as error:  # a dropped connection is a failure, not a crash here
            status = f"{type(error).__name__}: {error}"
        with lock:
            statuses.append((what, status))

    def device(n):
        token = server["tokens"][n % DEVICES]
        # Distinct times further apart than a NEWS2 set: each post is its own reading.
        when = time.strftime(
            "%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 4 * 3600 + n * 6 * 60)
        )
        start.wait()
        record("device", lambda: device_post(port, token, n, when, patient))

    def member_of_staff(username, pages):
        browser = Browser(port)
        browser.login(username)
        start.wait()
        for round_ in range(3):
            for page in pages:
                record(f"{username} GET {page}", lambda page=page: browser.request("GET", page))
            if username == "karin.hsv" and round_ == 0:
                record("POST ask", lambda: browser.request("POST", ask_url, question))

    threads = [threading.Thread(target=device, args=(n,)) for n in range(DEVICE_POSTS)]
    threads += [threading.Thread(target=member_of_staff, args=item) for item in staff.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    log = server["log"].read_text()
    failed = [(what, s) for what, s in statuses if not isinstance(s, int) or s >= 500]
    assert not failed, f"{len(failed)} failed: {failed[:5]}\n{log[-3000:]}"
    assert "database is locked" not in log
    assert "Traceback" not in log, log[-3000:]
    assert [s for what, s in statuses if what == "device"] == [201] * DEVICE_POSTS
    assert [s for what, s in statuses if what == "POST ask"] == [302]  # back to the request
    pages = [(what, s) for what, s in statuses if " GET " in what]
    assert len(pages) == 3 * sum(len(p) for p in staff.values())
    assert {s for _what, s in pages} == {200}, pages

    stored = hemma(server["env"], "shell", code=CHECK.replace("REQUEST", str(request)))
    # Every device post stored exactly once (the identifier is unique per episode).
    assert sorted(stored["identifiers"]) == sorted(f"obs-{n}" for n in range(DEVICE_POSTS))
    assert stored["read"]  # the read receipt written by a GET
    assert stored["questions"] == 1


JOB = """
import json
from hemma.jobs.models import Job
job = Job.objects.order_by("-pk").first()
print("RESULT " + json.dumps({"status": job.status, "error": job.error, "attempts": job.attempts}))
"""


def test_planning_runs_on_the_worker_while_devices_and_a_colleague_write(server):
    """'Planera dagen' with a real `hemma monitor` worker on the same SQLite file: while it
    solves (5 s, outside any transaction), devices post and a colleague adds a visit, and
    nobody waits for the solver or gets 'database is locked'."""
    port, env = server["port"], server["env"]
    worker_log = server["log"].with_name("worker.log")
    with open(worker_log, "w") as log:
        worker = subprocess.Popen(
            [BIN / "hemma", "monitor", "--interval", "60"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        planner, colleague = Browser(port), Browser(port)
        planner.login("karin.hsv")
        colleague.login("nils.hsv")
        day = time.strftime("%Y-%m-%d")
        # A 10-s solve: a request that waited for it would take several seconds more than
        # the bound below, which leaves room for a machine busy with other work.
        assert planner.request("POST", "/visits/plan/", {"day": day, "seconds": "10"}) == 302
        time.sleep(2)  # the worker has claimed the job and is solving
        statuses, timings = [], []

        def timed(what, call):
            started = time.monotonic()
            statuses.append((what, call()))
            timings.append((what, time.monotonic() - started))

        threads = [
            threading.Thread(
                target=timed,
                args=(
                    "device",
                    lambda n=n: device_post(
                        port,
                        server["tokens"][n % DEVICES],
                        100 + n,
                        time.strftime(
                            "%Y-%m-%dT%H:%M:%S+00:00",
                            time.gmtime(time.time() - 2 * 3600 + n * 6 * 60),
                        ),
                        server["patient"],
                    ),
                ),
            )
            for n in range(10)
        ]
        threads.append(
            threading.Thread(
                target=timed,
                args=("planner page", lambda: colleague.request("GET", f"/visits/?day={day}")),
            )
        )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert [s for what, s in statuses if what == "device"] == [201] * 10, statuses
        assert [s for what, s in statuses if what == "planner page"] == [200]
        # Nobody waited for the rest of the solve (it holds no lock while it searches).
        assert max(seconds for _what, seconds in timings) < 6, timings
        deadline = time.monotonic() + 60
        while True:
            job = hemma(env, "shell", code=JOB)
            if job["status"] in ("done", "failed") or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert job["status"] == "done", (job, worker_log.read_text()[-3000:])
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    for log in (server["log"], worker_log):
        text = log.read_text()
        assert "database is locked" not in text and "Traceback" not in text, text[-3000:]
