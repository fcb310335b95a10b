"""Benchmark: concurrent devices against gunicorn (gunicorn.conf.py) over real HTTP.

Builds a throw-away database (SQLite in a temp file with the default settings, or
DATABASE_URL, e.g. PostgreSQL), loads the demo region, puts --clients patients at home
with an enrolled device each, starts gunicorn on a free port and lets the devices post
for --seconds: most post single Observations (one vital each, four make a set), every
--bundle-every'th client posts Bundles of 100 (25 sets of 4 vitals). Then one Bundle of
1,000 observations alone (the largest request; gunicorn's timeout must cover it).

Prints requests, errors (anything but 200/201, must be 0), observations/s, p50/p95/p99
latency for singles and Bundles, wall time and the CPU time of the gunicorn processes
(master + workers, from /proc: Linux only), and checks that every acknowledged
observation is stored exactly once and that the server log has no "database is locked".

    .venv/bin/python bench/concurrency.py [--clients 20] [--seconds 30] [--workers N] [--threads N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hemma_bench \
        .venv/bin/python bench/concurrency.py

DEBUG is off in the server (as in production); everything else is the default settings.
"""

import argparse
import http.client
import json
import os
import runpy
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMP = None
if "DATABASE_URL" not in os.environ:  # SQLite by default, in a temp file (not var/)
    TEMP = tempfile.mkdtemp(prefix="hemma-concurrency-")
    os.environ["DATABASE_URL"] = f"sqlite:///{TEMP}/bench.sqlite3"

from common import fresh_database, percentiles  # noqa: E402  (bench/ on sys.path)

VITALS = [
    ("8867-4", 78, "/min"),
    ("59408-5", 96, "%"),
    ("8310-5", 37.2, "Cel"),
    ("9279-1", 16, "/min"),
]
SET_SPACING = timedelta(minutes=6)  # sets further apart than HEMMA_NEWS2_SET_MINUTES (5)


CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def observation(loinc, value, unit, ident, when, patient_id):
    """A vital-signs Observation as the profile wants it: category and subject included."""
    return {
        "resourceType": "Observation",
        "status": "final",
        "identifier": [{"system": "urn:bench", "value": ident}],
        "category": [{"coding": [{"system": CATEGORY, "code": "vital-signs"}]}],
        "subject": {"reference": f"Patient/{patient_id}"},
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "effectiveDateTime": when.isoformat(),
        "valueQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": unit},
    }


def bundle(prefix, first_set, sets, start, patient_id):
    entries = []
    for s in range(first_set, first_set + sets):
        when = start + s * SET_SPACING
        for v, (loinc, value, unit) in enumerate(VITALS):
            resource = observation(loinc, value, unit, f"{prefix}-{s}-{v}", when, patient_id)
            entries.append(
                {"resource": resource, "request": {"method": "POST", "url": "Observation"}}
            )
    return {"resourceType": "Bundle", "type": "batch", "entry": entries}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_cpu_seconds(master_pid: int) -> float:
    """User + system CPU of the gunicorn master and its live workers (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master_pid or ppid == master_pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


class Device(threading.Thread):
    """One device: posts until the deadline, records (kind, latency ms, status, stored)."""

    def __init__(self, port, token, index, bundles, start, deadline, patient_id):
        super().__init__(daemon=True)
        self.port, self.token, self.index, self.bundles = port, token, index, bundles
        self.patient_id = patient_id
        self.start_time, self.deadline = start, deadline
        self.results = []  # (kind, ms, status, observations acknowledged)
        self.sets = 0

    def post(self, connection, path, body):
        payload = json.dumps(body)
        headers = {
            "Content-Type": "application/fhir+json",
            "Authorization": f"Bearer {self.token}",
        }
        t0 = time.perf_counter()
        try:
            connection.request("POST", path, payload, headers)
            response = connection.getresponse()
            content = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            return (time.perf_counter() - t0) * 1000, 0, b""
        return (time.perf_counter() - t0) * 1000, status, content

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        max_sets = int(timedelta(days=6) / SET_SPACING)  # readings older than 7 days are refused
        n = 0
        while time.monotonic() < self.deadline and self.sets < max_sets:
            if self.bundles:
                body = bundle(f"d{self.index}", self.sets, 25, self.start_time, self.patient_id)
                ms, status, content = self.post(connection, "/fhir", body)
                stored = 0
                if status == 200:
                    entries = json.loads(content)["entry"]
                    stored = sum(e["response"]["status"].startswith("201") for e in entries)
                    if stored != 100:
                        status = -1  # an entry was refused: counted as an error
                self.results.append(("bundle", ms, status, stored))
                self.sets += 25
            else:
                loinc, value, unit = VITALS[n % 4]
                when = self.start_time + self.sets * SET_SPACING
                ident = f"d{self.index}-{self.sets}-{n % 4}"
                body = observation(loinc, value, unit, ident, when, self.patient_id)
                ms, status, _content = self.post(connection, "/fhir/Observation", body)
                self.results.append(("single", ms, status, 1 if status == 201 else 0))
                n += 1
                if n % 4 == 0:
                    self.sets += 1
        connection.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument(
        "--bundle-every", type=int, default=4, help="every Nth client posts Bundles"
    )
    parser.add_argument("--workers", type=int, help="HEMMA_WEB_WORKERS (default: the config's)")
    parser.add_argument("--threads", type=int, help="HEMMA_WEB_THREADS (default: the config's)")
    args = parser.parse_args()

    database = fresh_database()
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    from django.db import connections
    from django.utils import timezone

    from hemma.accounts.models import Staff, Unit
    from hemma.clinical.identifiers import luhn_check_digit, parse_personal_identity
    from hemma.demo.services import demo_load
    from hemma.episodes.models import Episode
    from hemma.monitoring import services
    from hemma.monitoring.models import FhirIdentifier
    from hemma.patients.models import Patient

    demo_load()
    ward = Unit.objects.get(kind="ward")
    nurse = Staff.objects.get(user__username="anna.ssk")
    now = timezone.now()

    def device_at_home(index):
        nine = f"{30 + index % 50:02d}{1 + index % 12:02d}{1 + index % 28:02d}{900 + index:03d}"
        patient = Patient(first_name=f"Bench{index}", last_name="Testsson")
        patient.apply_identity(parse_personal_identity(f"19{nine}{luhn_check_digit(nine)}"))
        patient.save()
        episode = Episode.objects.create(
            patient=patient, ward=ward, created_by=nurse, state="at_home", at_home_since=now
        )
        code = services.enrolment_issue(staff=nurse, unit=ward, episode=episode)
        return episode, services.enrolment_claim_api(code=code).access_token

    devices = [device_at_home(i) for i in range(args.clients + 1)]
    connections.close_all()  # the server gets the database to itself

    port = free_port()
    env = dict(os.environ, DEBUG="false", HEMMA_ACCESS_LOG="")
    if args.workers:
        env["HEMMA_WEB_WORKERS"] = str(args.workers)
    if args.threads:
        env["HEMMA_WEB_THREADS"] = str(args.threads)
    os.environ.update(env)  # what the config file will see, to print its threads
    threads = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["threads"]
    log_path = Path(tempfile.mkdtemp(prefix="hemma-gunicorn-")) / "server.log"
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    with open(log_path, "w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [gunicorn, "-c", "gunicorn.conf.py", "hemma.wsgi", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(port, server)
        # Warm-up requests before the clock starts.
        for _ in range(20):
            warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            warm.request("GET", "/healthz")
            warm.getresponse().read()
            warm.close()
        workers = sum(
            1 for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == server.pid
        )
        start = now - timedelta(days=6, hours=12)
        cpu_before = process_cpu_seconds(server.pid)
        started = time.monotonic()
        deadline = started + args.seconds
        clients = [
            Device(
                port,
                token,
                i,
                (i + 1) % args.bundle_every == 0,
                start,
                deadline,
                episode.patient_id,
            )
            for i, (episode, token) in enumerate(devices[: args.clients])
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        wall = time.monotonic() - started
        cpu = process_cpu_seconds(server.pid) - cpu_before

        # The largest request alone: a Bundle of 1,000 observations.
        big_episode, big_token = devices[-1]
        patient_id = big_episode.patient_id
        big = Device(port, big_token, args.clients, True, start, 0, patient_id)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        body = bundle("big", 0, 250, start, patient_id)
        big_ms, big_status, content = big.post(connection, "/fhir", body)
        connection.close()
        if big_status == 200:
            entries = json.loads(content)["entry"]
            if sum(e["response"]["status"].startswith("201") for e in entries) != 1000:
                big_status = -1  # an entry was refused
    finally:
        server.terminate()
        server.wait(timeout=90)

    results = [r for client in clients for r in client.results]
    singles = [r for r in results if r[0] == "single"]
    bundles = [r for r in results if r[0] == "bundle"]
    errors = [r for r in results if r[2] not in (200, 201)]
    acknowledged = sum(r[3] for r in results)
    stored = {
        episode.pk: FhirIdentifier.objects.filter(episode=episode).count()
        for episode, _token in devices[: args.clients]
    }
    expected = {
        episode.pk: sum(r[3] for r in client.results)
        for (episode, _token), client in zip(devices, clients, strict=False)
    }
    log_text = log_path.read_text()
    locked = log_text.count("database is locked")
    tracebacks = log_text.count("Traceback")

    bundle_clients = sum(1 for client in clients if client.bundles)
    print(f"database: {engine}   gunicorn: {workers} workers × {threads} threads")
    print(f"{args.clients} devices ({bundle_clients} posting Bundles of 100) for {args.seconds} s")
    print(f"requests {len(results):,}  errors {len(errors)}  observations stored {acknowledged:,}")
    print(f"observations/s {acknowledged / wall:,.0f}   requests/s {len(results) / wall:,.1f}")
    for label, kind in (("single Observation", singles), ("Bundle of 100", bundles)):
        if kind:
            print(f"{label:<20} {len(kind):,} requests  {percentiles([r[1] for r in kind])}")
    print(
        f"wall {wall:.1f} s   gunicorn CPU {cpu:.1f} s ({cpu / wall:.2f} cores; not the database's)"
    )
    print(f"Bundle of 1,000 alone  {big_ms / 1000:.2f} s  (status {big_status})")
    print(f"server log: 'database is locked' {locked}, tracebacks {tracebacks}")
    if stored != expected:
        print(f"STORED != ACKNOWLEDGED: {stored} vs {expected}")
    if TEMP:
        shutil.rmtree(TEMP, ignore_errors=True)
    if errors or locked or tracebacks or stored != expected or big_status != 200:
        print(f"FAILED (see {log_path}); first errors: {errors[:5]}")
        sys.exit(1)
    shutil.rmtree(log_path.parent, ignore_errors=True)


def _ppid(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1


def wait_until_up(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz in time")


if __name__ == "__main__":
    main()
