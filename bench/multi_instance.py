"""Benchmark: two app instances and two workers on one PostgreSQL under a mixed load (issue 20).

Builds its own database (default postgres://postgres@127.0.0.1:5432/hemma_bench_multi,
created if missing, migrated and emptied), loads the demo region, puts --tablets patients
at home on the demo ward with an enrolled device each, then starts two gunicorn instances
(gunicorn.conf.py, each on its own port, its default worker count) and two `hemma monitor`
workers, all on that database and one Redis cache (CACHE_URL, default
redis://127.0.0.1:6379/2). Without --proxy the clients send their requests round-robin
to the two ports themselves, as a proxy without sticky sessions would; with --proxy every
request goes through Debian's nginx (apt-get install nginx) configured like
deploy/nginx/hemma.conf (buffering, keepalive upstream, X-Forwarded-For, X-Request-ID) but
on plain HTTP, balancing round-robin over the two instances. --tls puts TLS on that nginx
(TLS 1.2/1.3 as in deploy/nginx/hemma.conf, a self-signed certificate made with openssl for
the run, checked by the clients) and sends X-Forwarded-Proto; it implies --proxy. By default
every request opens a new connection (with --tls: a full TLS handshake each time, the
worst case); --keepalive lets each client keep its connection open between requests, as a
browser or a tablet does.

For --seconds (default 120):
- each tablet posts one set of four vital signs (a FHIR Bundle) every --set-every seconds
  (default 5, ±20 %) on its own schedule, however long the answers take (a late answer
  does not slow the tablet down), every fifth set red (NEWS2 11: a high alert);
- each of --staff sessions (default 10; logged in on one instance before the clock starts,
  then used on both) opens the ward's worklist, the alert page, the alert panel (what the
  page polls) and the round, one after the other, with a think time of --think seconds
  (default 2, ±50 %).

The workers escalate with HEMMA_ALERT_ESCALATION_MINUTES=1 and a pass every 5 s, so alerts
of the first minute are escalated during the run. Printed: requests, throughput, errors
(any status but 200, or a refused observation: must be 0), p50/p95/p99 per kind of
request; then, with the workers stopped, escalation events per alert and step (each must be
1), tasks from escalations against events, and the workers' own counts. Then, in a separate
short pass after the load (not during it), the resident memory (RSS) of every process.

    .venv/bin/python bench/multi_instance.py [--seconds 120] [--tablets 20] [--staff 10]
        [--proxy] [--tls] [--keepalive]
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hemma_bench_multi")

from common import fresh_database, percentiles  # noqa: E402  (bench/ on sys.path)

PASSWORD = "hemma-demo-2026"  # the demo's
STAFF = ["anna.ssk", "erik.lak", "sofie.lak"]  # the demo ward's nurse and physicians
PAGES = [
    ("worklist", "/episodes/"),
    ("alert page", "/monitoring/alerts/"),
    ("alert panel", "/monitoring/alerts/panel/"),
    ("round", "/monitoring/round/"),
]
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
NORMAL = [("8867-4", 78, "/min"), ("59408-5", 96, "%"), ("8310-5", 37.2, "Cel")]
NORMAL.append(("9279-1", 16, "/min"))
RED = [("8867-4", 135, "/min"), ("59408-5", 91, "%"), ("8310-5", 39.4, "Cel")]
RED.append(("9279-1", 26, "/min"))
SET_SPACING = timedelta(minutes=6)  # sets further apart than HEMMA_NEWS2_SET_MINUTES (5)


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RoundRobin:
    """Every request goes to the next instance's port (a proxy without sticky sessions)."""

    def __init__(self, ports):
        self.ports, self.n, self.lock = ports, 0, threading.Lock()

    def next(self) -> int:
        with self.lock:
            self.n += 1
            return self.ports[self.n % len(self.ports)]


class Connections:
    """How a client reaches the servers: plain HTTP or TLS, a new connection per request or
    one kept open per server port (--keepalive)."""

    def __init__(self, tls_context=None, keepalive=False):
        self.tls_context, self.keepalive = tls_context, keepalive
        self.open = {}  # port -> connection, with --keepalive

    def connect(self, port):
        if self.tls_context is not None:
            return http.client.HTTPSConnection(
                "127.0.0.1", port, timeout=120, context=self.tls_context
            )
        return http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def send(self, port, method, path, body=None, headers=None):
        """(ms, status, body, headers); status 0 for a failed connection."""
        reused = port in self.open
        connection = self.open.pop(port, None) or self.connect(port)
        t0 = time.perf_counter()
        try:
            connection.request(method, path, body, headers or {})
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            if reused:  # the server closed an idle connection: once more on a new one
                return self.send(port, method, path, body, headers)
            return (time.perf_counter() - t0) * 1000, 0, b"", None
        ms = (time.perf_counter() - t0) * 1000
        if self.keepalive and not response.will_close:
            self.open[port] = connection
        else:
            connection.close()
        return ms, response.status, content, response.headers

    def close(self):
        for connection in self.open.values():
            connection.close()
        self.open.clear()


def bundle(prefix, number, when, patient_id, vitals) -> str:
    entries = [
        {
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "identifier": [{"system": "urn:bench:multi", "value": f"{prefix}-{number}-{v}"}],
                "category": [{"coding": [{"system": CATEGORY, "code": "vital-signs"}]}],
                "subject": {"reference": f"Patient/{patient_id}"},
                "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
                "effectiveDateTime": when.isoformat(),
                "valueQuantity": {
                    "value": value,
                    "system": "http://unitsofmeasure.org",
                    "code": unit,
                },
            },
            "request": {"method": "POST", "url": "Observation"},
        }
        for v, (loinc, value, unit) in enumerate(vitals)
    ]
    return json.dumps({"resourceType": "Bundle", "type": "batch", "entry": entries})


class Tablet(threading.Thread):
    def __init__(self, index, token, patient_id, start, ports, deadline, every, connections):
        super().__init__(daemon=True)
        self.connections = connections
        self.index, self.token, self.patient_id = index, token, patient_id
        self.start_time, self.ports, self.deadline, self.every = start, ports, deadline, every
        self.results = []  # (kind, ms, ok)
        self.red = 0

    def run(self):
        rng = random.Random(self.index)  # noqa: S311 - load timing, not secrets
        # On a schedule, whatever the answers take: the tablets do not post in step.
        next_at = time.monotonic() + rng.uniform(0, self.every)
        number = 0
        headers = {
            "Content-Type": "application/fhir+json",
            "Authorization": f"Bearer {self.token}",
        }
        while True:
            time.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() >= self.deadline:
                break
            red = number % 5 == 4
            when = self.start_time + number * SET_SPACING
            body = bundle(f"t{self.index}", number, when, self.patient_id, RED if red else NORMAL)
            ms, status, content, _headers = self.connections.send(
                self.ports.next(), "POST", "/fhir", body, headers
            )
            ok = status == 200 and all(
                entry["response"]["status"].startswith("201")
                for entry in json.loads(content)["entry"]
            )
            self.results.append(("tablet set", ms, ok, status))
            self.red += red and ok
            number += 1
            next_at += self.every * rng.uniform(0.8, 1.2)
        self.connections.close()


class Staff(threading.Thread):
    def __init__(self, index, username, ports, deadline, think, connections):
        super().__init__(daemon=True)
        self.connections = connections
        self.index, self.username, self.ports = index, username, ports
        self.deadline, self.think = deadline, think
        self.cookies = {}
        self.results = []

    def request(self, method, path, form=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        port = self.ports.next()
        if self.connections.tls_context is not None:
            # Over HTTPS Django's CSRF check wants the page's origin, as a browser sends it.
            headers["Origin"] = f"https://127.0.0.1:{port}"
        ms, status, _content, response_headers = self.connections.send(
            port, method, path, body, headers
        )
        for header in (response_headers.get_all("Set-Cookie") if response_headers else None) or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return ms, status

    def login(self):
        """On whichever instance comes next; the session then serves on both."""
        self.request("GET", "/login/")
        _ms, status = self.request(
            "POST", "/login/", {"username": self.username, "password": PASSWORD}
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"{self.username} could not log in ({status})")

    def run(self):
        rng = random.Random(100 + self.index)  # noqa: S311 - load timing, not secrets
        page = self.index % len(PAGES)
        time.sleep(rng.uniform(0, self.think))
        while time.monotonic() < self.deadline:
            kind, path = PAGES[page % len(PAGES)]
            ms, status = self.request("GET", path)
            self.results.append((kind, ms, status == 200, status))
            page += 1
            time.sleep(self.think * rng.uniform(0.5, 1.5))
        self.connections.close()


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in KiB from /proc (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _sep, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


NGINX_CONF = """
daemon off;
worker_processes 1;
pid {temp}/nginx.pid;
error_log {temp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    upstream hemma {{
        server 127.0.0.1:{a} max_fails=3 fail_timeout=10s;
        server 127.0.0.1:{b} max_fails=3 fail_timeout=10s;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port}{tls};
        client_max_body_size 10m;
        proxy_read_timeout 65s;
        location / {{
            proxy_pass http://hemma;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;  # with the port: a free one, not 443
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Request-ID $request_id;
            {forwarded_proto}
            proxy_next_upstream error timeout http_502 http_503;
        }}
    }}
}}
"""
TLS_DIRECTIVES = """ ssl;
        ssl_certificate     {temp}/server.crt;
        ssl_certificate_key {temp}/server.key;
        ssl_protocols TLSv1.2 TLSv1.3"""


def make_certificate(temp: Path) -> Path:
    """A self-signed certificate for 127.0.0.1, for this run only; its path."""
    subprocess.run(  # noqa: S603 - Debian's openssl, fixed arguments
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(temp / "server.key"), "-out", str(temp / "server.crt")],
        check=True,
        capture_output=True,
    )
    return temp / "server.crt"


def start_nginx(temp: Path, ports: list[int], tls: bool):
    """nginx on a free port in front of the two instances; (process, its port)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("--proxy needs nginx (apt-get install nginx)")
    port = free_port()
    conf = temp / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            temp=temp,
            a=ports[0],
            b=ports[1],
            port=port,
            tls=TLS_DIRECTIVES.format(temp=temp) if tls else "",
            forwarded_proto="proxy_set_header X-Forwarded-Proto https;" if tls else "",
        )
    )
    # Before it opens its error log nginx complains on stderr: kept in that same file.
    with (temp / "nginx-error.log").open("a") as log:
        process = subprocess.Popen(  # noqa: S603 - Debian's nginx, our own config
            [nginx, "-c", str(conf), "-p", str(temp)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return process, port


def wait_until_up(port, process, log, connections):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{log.name}: the server exited: {log.read_text()[-2000:]}")
        if connections.send(port, "GET", "/healthz")[1] == 200:
            return
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz in time")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--tablets", type=int, default=20)
    parser.add_argument("--staff", type=int, default=10)
    parser.add_argument("--set-every", type=float, default=5.0, help="seconds between sets")
    parser.add_argument("--think", type=float, default=2.0, help="staff think time, seconds")
    parser.add_argument("--cache", default="redis://127.0.0.1:6379/2", help="CACHE_URL")
    parser.add_argument("--proxy", action="store_true", help="every request through nginx")
    parser.add_argument("--tls", action="store_true", help="TLS at nginx (implies --proxy)")
    parser.add_argument("--keepalive", action="store_true", help="clients keep connections")
    args = parser.parse_args()
    args.proxy = args.proxy or args.tls

    ensure_database(os.environ["DATABASE_URL"])
    database = fresh_database()
    if database["ENGINE"].endswith("sqlite3"):
        raise SystemExit("PostgreSQL only: several instances share one server")
    from django.db import connections
    from django.utils import timezone

    from hemma.accounts.models import Staff as StaffMember
    from hemma.accounts.models import Unit
    from hemma.clinical.identifiers import luhn_check_digit, parse_personal_identity
    from hemma.coordination.models import Task
    from hemma.demo.services import demo_load
    from hemma.episodes.models import Episode
    from hemma.monitoring import services
    from hemma.monitoring.models import Alert, AlertEvent
    from hemma.patients.models import CareRelationship, Patient

    demo_load()
    ward = Unit.objects.get(kind="ward")
    nurse = StaffMember.objects.get(user__username="anna.ssk")
    now = timezone.now()

    def tablet_at_home(index):
        nine = f"{30 + index % 50:02d}{1 + index % 12:02d}{1 + index % 28:02d}{800 + index:03d}"
        patient = Patient(first_name=f"Surfplatta{index}", last_name="Testsson")
        patient.apply_identity(parse_personal_identity(f"19{nine}{luhn_check_digit(nine)}"))
        patient.save()
        CareRelationship.objects.create(patient=patient, unit=ward)
        episode = Episode.objects.create(
            patient=patient, ward=ward, created_by=nurse, state="at_home", at_home_since=now
        )
        code = services.enrolment_issue(staff=nurse, unit=ward, episode=episode)
        return episode, services.enrolment_claim_api(code=code).access_token

    tablets = [tablet_at_home(i) for i in range(args.tablets)]
    alerts_before = set(Alert.objects.values_list("pk", flat=True))
    last_event = AlertEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    tasks_before = Task.objects.filter(source="alert").count()
    connections.close_all()

    temp = Path(tempfile.mkdtemp(prefix="hemma-multi-"))
    env = dict(
        os.environ,
        DEBUG="false",
        HEMMA_ACCESS_LOG="",
        SECRET_KEY="bench-multi-instance-key-shared-by-every-instance",
        CACHE_URL=args.cache,
        CACHE_KEY_PREFIX=f"bench-multi-{os.getpid()}",
        HEMMA_ALERT_ESCALATION_MINUTES="1",
        HEMMA_WORKER_INTERVAL_SECONDS="5",
        PYTHONUNBUFFERED="1",
        # Behind the proxy Hemma takes the client address from its X-Forwarded-For.
        HEMMA_TRUSTED_PROXY_COUNT="1" if args.proxy else "0",
        # Behind TLS the proxy says so in X-Forwarded-Proto (cookies, redirects).
        BEHIND_TLS_PROXY="true" if args.tls else "false",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    ports = [free_port(), free_port()]
    apps, workers, proxy = [], [], None
    for name, port in zip("AB", ports, strict=True):
        log = temp / f"app-{name}.log"
        with log.open("w") as out:
            apps.append(
                (
                    subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
                        [ROOT / ".venv/bin/gunicorn", "-c", "gunicorn.conf.py", "hemma.wsgi"]
                        + ["--bind", f"127.0.0.1:{port}"],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    ),
                    log,
                )
            )
    for n in (1, 2):
        log = temp / f"worker-{n}.log"
        with log.open("w") as out:
            workers.append(
                (
                    subprocess.Popen(  # noqa: S603 - our own command
                        [ROOT / ".venv/bin/hemma", "monitor"],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    ),
                    log,
                )
            )
    tls_context = None
    if args.tls:
        tls_context = ssl.create_default_context(cafile=str(make_certificate(temp)))

    def connections():
        return Connections(tls_context, keepalive=args.keepalive)

    try:
        for (process, log), port in zip(apps, ports, strict=True):
            wait_until_up(port, process, log, Connections())
        robin = RoundRobin(ports)
        if args.proxy:
            proxy, proxy_port = start_nginx(temp, ports, args.tls)
            wait_until_up(proxy_port, proxy, temp / "nginx-error.log", connections())
            robin = RoundRobin([proxy_port])
        for _ in range(20):  # warm every gunicorn worker up a little
            connections().send(robin.next(), "GET", "/healthz")
        staff = [
            Staff(i, STAFF[i % len(STAFF)], robin, 0, args.think, connections())
            for i in range(args.staff)
        ]
        for member in staff:
            member.login()
        start_readings = now - timedelta(days=6, hours=12)
        started = time.monotonic()
        deadline = started + args.seconds
        for member in staff:
            member.deadline = deadline
        clients = [
            Tablet(
                i,
                token,
                episode.patient_id,
                start_readings,
                robin,
                deadline,
                args.set_every,
                connections(),
            )
            for i, (episode, token) in enumerate(tablets)
        ] + staff
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        wall = time.monotonic() - started

        # Memory in a separate pass, after the load: every process, idle but warmed up.
        time.sleep(2)
        memory = []
        for (process, _log), name in zip(apps, "AB", strict=True):
            pids = [process.pid, *children(process.pid)]
            memory.append((f"app {name} (master + {len(pids) - 1} workers)", pids))
        for (process, _log), n in zip(workers, (1, 2), strict=True):
            memory.append((f"worker {n}", [process.pid]))
        memory = [(label, [rss_kib(pid) for pid in pids]) for label, pids in memory]
        # Read before the shutdown: only what happened under load counts.
        tracebacks = sum(log.read_text().count("Traceback") for _p, log in apps + workers)
    finally:
        if proxy is not None:
            proxy.send_signal(signal.SIGQUIT)  # nginx's graceful stop
            proxy.wait(timeout=30)
        for process, _log in workers:
            process.send_signal(signal.SIGTERM)
        for process, _log in apps:
            process.send_signal(signal.SIGTERM)
        for process, _log in workers + apps:
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    results = [r for client in clients for r in client.results]
    errors = [r for r in results if not r[2]]
    by_kind = defaultdict(list)
    for kind, ms, _ok, _status in results:
        by_kind[kind].append(ms)
    print(
        f"database: PostgreSQL   cache: {args.cache}   2 app instances × "
        f"{len(memory[0][1]) - 1} gunicorn workers, 2 workers (hemma monitor)"
    )
    print(
        f"{args.tablets} tablets (a set every {args.set_every:g} s, every 5th red), "
        f"{args.staff} staff (think {args.think:g} s), {args.seconds} s, "
        + ("through nginx (round-robin upstream)" if args.proxy else "round-robin, no proxy")
        + (", TLS" if args.tls else "")
        + (", connections kept open" if args.keepalive else ", a new connection per request")
    )
    print(f"requests {len(results):,}  errors {len(errors)}  {len(results) / wall:.1f} requests/s")
    for kind in ["tablet set"] + [kind for kind, _path in PAGES]:
        samples = by_kind.get(kind, [])
        if samples:
            print(
                f"  {kind:<12} {len(samples):>6,}  {len(samples) / wall:6.1f}/s  "
                f"{percentiles(samples)}"
            )
    if errors:
        print(f"first errors: {Counter((k, s) for k, _ms, _ok, s in errors).most_common(5)}")

    # Escalation: exactly once per alert and step. Every event of the run counts: the
    # demo's own open alerts are escalated too.
    alerts = Alert.objects.exclude(pk__in=alerts_before)
    events = Counter(
        AlertEvent.objects.filter(pk__gt=last_event).values_list("alert_id", "round", "step")
    )
    all_events = sum(events.values())
    tasks = Task.objects.filter(source="alert").count() - tasks_before
    escalated_logged = 0
    for _process, log in workers:
        for line in log.read_text().splitlines():
            if line.startswith("escalated "):
                escalated_logged += int(line.split()[1].rstrip(","))
    steps = Counter(step for (_alert, _round, step) in events)
    red = sum(client.red for client in clients if isinstance(client, Tablet))
    print(
        f"alerts raised {alerts.count()} (red sets stored {red}), escalation events "
        f"{all_events} (step 1: {steps[1]}, step 2: {steps[2]}, step 3: {steps[3]})"
    )
    duplicates = sum(1 for count in events.values() if count > 1)
    print(
        f"events per alert and step > 1: {duplicates}   tasks from escalations {tasks}   "
        f"workers' own count {escalated_logged}"
    )
    for label, samples in memory:
        rss = sum(r for r, _hwm in samples) / 1024
        largest = max(r for r, _hwm in samples) / 1024
        peak = max(h for _r, h in samples) / 1024
        print(f"RSS {label:<32} {rss:6.0f} MiB (largest process {largest:.0f}, peak {peak:.0f})")
    print(f"tracebacks in the server and worker logs under load: {tracebacks}")
    failed = (
        errors
        or duplicates
        or tasks != all_events
        or escalated_logged != all_events
        or tracebacks
        # Alerts are escalated after a minute: a run of 75 s or more must see some.
        or (args.seconds >= 75 and not all_events)
    )
    if failed:
        print(f"FAILED (logs in {temp})")
        sys.exit(1)
    shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
