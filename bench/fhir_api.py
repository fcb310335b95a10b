"""Benchmark: the FHIR read API for system clients (issue 16) on five years of vital signs.

PostgreSQL only (DATABASE_URL). The script migrates the database itself, then seeds – once:
a later run with the same --episodes/--patients reuses the data – a region with two wards
and about 2 million FHIR Observations: --episodes hospital-at-home episodes of 14 days over
five years, a reading every 4 hours, each an ObservationSet with all six parts (respiration
rate, SpO2, pulse, temperature, blood pressure, NEWS2; a few sets lack blood pressure),
precomputed NEWS2, written with COPY. Patients have one to nine episodes (2.5 on average,
four in ten have one), each slotted in its own part of the five years; each patient has an
open care relationship with its own ward only. A system client of the first ward is
registered with a fresh RSA key, so every answer goes through the access policy and the
access log for real.

Then, each in its own pass:

1. GET /fhir/Observation?patient=<id>&date=ge<start of the patient's latest episode>
   (the patients of the client's ward in a shuffled turn, _count default 50): first 100
   calls one at a time (the service time without queueing), then at a steady --rate
   requests/s for --seconds (several rates: --rate 20,35,50), open loop: a scheduler
   hands each request to a thread pool at its planned moment and latency is measured
   from that moment, so queueing in the client or the server counts. Against gunicorn
   with gunicorn.conf.py (DEBUG off), the token from POST /oauth/token with a signed JWT
   assertion. Prints the CPU of gunicorn per request, of this client, and of the rest of
   the machine (PostgreSQL and whatever else runs: the figures are only clean on an
   otherwise idle machine).
2. GET /fhir/Patient/<id>/$everything for patients with one 14-day episode, sequentially.
3. SQL queries of the Observation search with _count=10 and _count=200, in-process
   (Django's test client, CaptureQueriesContext); --explain prints EXPLAIN ANALYZE of the
   search's statements.

    createdb -h 127.0.0.1 -U postgres hemma_bench_fhir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hemma_bench_fhir \
        .venv/bin/python bench/fhir_api.py [--rate 50] [--seconds 30] [--explain]

--reseed drops the data (flush) and seeds again. Figures in bench/README.md.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import common  # noqa: F401 - puts the project on sys.path and sets DJANGO_SETTINGS_MODULE

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID = "bench-ehr"
REGION_NAME = "Region Benchmark FHIR"
EPISODE_DAYS = 14
SET_HOURS = 4
YEARS = 5
SCOPES = "system/Patient.read system/Encounter.read system/Observation.read"


# --- figures -----------------------------------------------------------------------------


def summary(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)

    def at(p):
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    return (
        f"p50 {at(50):.1f} ms  p95 {at(95):.1f} ms  p99 {at(99):.1f} ms  max {ordered[-1]:.1f} ms"
    )


def cpu_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat (Linux)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


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
        if int(entry.name) == master_pid or int(fields[1]) == master_pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


# --- seeding -----------------------------------------------------------------------------


def _personal_number(rng: random.Random, used: set[str]) -> str:
    from hemma.clinical.identifiers import luhn_check_digit

    while True:
        born = datetime(1925, 1, 1) + timedelta(days=rng.randrange(365 * 25))
        digits = f"{born:%y%m%d}{rng.randrange(100, 1000):03d}"
        number = f"{born:%Y%m%d}{digits[6:]}{luhn_check_digit(digits)}"
        if number not in used:
            used.add(number)
            return number


class Scorer:
    """NEWS2 as the store computes it (hemma.clinical.news2), cached per distinct set."""

    def __init__(self):
        self.cache = {}

    def __call__(self, values: dict) -> tuple:
        key = tuple(sorted(values.items()))
        if key not in self.cache:
            from hemma.clinical.news2 import Vitals, news2

            vitals = {k: v for k, v in values.items() if k != "diastolic_bp"}
            if "temperature" in vitals:
                vitals["temperature"] = float(vitals["temperature"])
            result = news2(Vitals(**vitals))
            self.cache[key] = (
                result.total,
                json.dumps(result.per_parameter),
                result.level,
                result.complete,
                json.dumps(result.missing),
            )
        return self.cache[key]


def _set_values(rng: random.Random, base: dict) -> dict:
    """One reading at home: the episode's baseline plus noise, now and then a bad turn."""
    worse = rng.random() < 0.03
    values = {
        "respiration_rate": max(8, round(rng.gauss(base["rr"] + (6 if worse else 0), 1.5))),
        "spo2": min(100, round(rng.gauss(base["spo2"] - (4 if worse else 0), 1.2))),
        "pulse": max(40, round(rng.gauss(base["pulse"] + (25 if worse else 0), 6))),
        "temperature": Decimal(str(round(rng.gauss(base["temp"] + (1.2 if worse else 0), 0.3), 1))),
    }
    if rng.random() >= 0.05:  # now and then no blood pressure: five Observations, not six
        systolic = round(rng.gauss(base["sbp"] - (15 if worse else 0), 8))
        values["systolic_bp"] = systolic
        values["diastolic_bp"] = systolic - rng.randint(35, 55)
    if rng.random() >= 0.15:  # a self-measured set often lacks ACVPU and oxygen: incomplete
        values["consciousness"] = "A"
        values["on_oxygen"] = False
    return values


def seeded(episodes: int, patients: int):
    """The bench's region if it holds exactly the wanted size, else None."""
    from hemma.accounts.models import Organisation
    from hemma.episodes.models import Episode
    from hemma.patients.models import Patient

    region = Organisation.objects.filter(name=REGION_NAME).first()
    if region is None:
        return None
    same = (
        Episode.objects.filter(ward__organisation=region).count() == episodes
        and Patient.objects.filter(care_relationships__unit__organisation=region).count()
        == patients
    )
    return region if same else None


def seed(episodes: int, patients: int, seed_value: int = 16) -> None:
    """Region, two wards, staff, patients, care relationships, episodes (ORM), then the
    observation sets with COPY – all in one transaction, so a failed run leaves nothing."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from hemma.accounts.models import Membership, Organisation, Staff, Unit
    from hemma.episodes.models import Episode
    from hemma.monitoring.models import ObservationSet
    from hemma.patients.models import CareRelationship, Patient

    rng = random.Random(seed_value)  # noqa: S311 - synthetic data
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    first_day = now - timedelta(days=365 * YEARS)
    span_days = (now - first_day).days - EPISODE_DAYS
    with transaction.atomic():
        region = Organisation.objects.create(
            kind="region",
            name=REGION_NAME,
            organisation_number="232100-0180",
            hsa_id="SE2321000180-FHIRB",
        )
        wards = [
            Unit.objects.create(
                organisation=region,
                name=name,
                kind="ward",
                hsa_id=f"SE2321000180-{suffix}",
                phone="023-49 00 00",
                beds=22,
            )
            for name, suffix in (("Infektionsavdelning", "INF"), ("Medicinavdelning", "MED"))
        ]
        user = get_user_model().objects.create(
            username="bench.ssk", first_name="Bench", last_name="Sjuksköterska"
        )
        nurse = Staff.objects.create(user=user, profession="nurse", hsa_id="SE2321000180-BSSK")
        for ward in wards:
            Membership.objects.create(staff=nurse, unit=ward, role="member")

        used: set[str] = set()
        people = []
        for index in range(patients):
            number = _personal_number(rng, used)
            people.append(
                Patient(
                    personal_number=number,
                    identity_kind=Patient.IdentityKind.PERSONNUMMER,
                    first_name="Bench",
                    last_name=f"Patient {index + 1:05d}",
                    birth_date=datetime.strptime(number[:8], "%Y%m%d").date(),
                    sex="female" if int(number[10]) % 2 == 0 else "male",
                    city="Falun",
                )
            )
        Patient.objects.bulk_create(people, batch_size=2000)
        home_ward = {p.pk: wards[i % 2] for i, p in enumerate(people)}
        CareRelationship.objects.bulk_create(
            [CareRelationship(patient=p, unit=home_ward[p.pk]) for p in people], batch_size=2000
        )

        # Two patients in five have one episode (the $everything pass uses them); the rest
        # share the remaining episodes, each in its own slot of the five years.
        counts = [1] * patients
        several = list(range(int(patients * 0.4), patients))
        for _ in range(episodes - patients):
            counts[rng.choice(several)] += 1
        rows = []
        for patient, count in zip(people, counts, strict=True):
            slot = span_days / count
            for k in range(count):
                start = first_day + timedelta(
                    days=int(slot * k + rng.uniform(0, slot - EPISODE_DAYS)),
                    hours=rng.randint(9, 16),
                )
                end = start + timedelta(days=EPISODE_DAYS)
                state = "discharged" if end <= now else "at_home"
                rows.append(
                    Episode(
                        patient=patient,
                        ward=home_ward[patient.pk],
                        state=state,
                        tier="kim",
                        flag_reason="FHIR-benchmark",
                        created_by=nurse,
                        at_home_since=start,
                        ended_at=end if state == "discharged" else None,
                    )
                )
        Episode.objects.bulk_create(rows, batch_size=2000)
        with connection.cursor() as cursor:  # created two days before going home
            cursor.execute(
                f"UPDATE {Episode._meta.db_table}"  # noqa: S608 - our own table name
                " SET created_at = at_home_since - interval '2 days'"
                " WHERE flag_reason = 'FHIR-benchmark'"
            )

        fields = [f for f in ObservationSet._meta.concrete_fields if not f.primary_key]
        columns = [f.column for f in fields]
        scorer = Scorer()
        sources = ("patient", "patient", "patient", "device", "home_health")
        written = 0
        table = ObservationSet._meta.db_table
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3: COPY
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for episode in rows:
                    base = {
                        "rr": rng.uniform(14, 19),
                        "spo2": rng.uniform(94, 98),
                        "pulse": rng.uniform(65, 92),
                        "temp": rng.uniform(36.6, 37.3),
                        "sbp": rng.uniform(115, 150),
                    }
                    moment = episode.at_home_since + timedelta(minutes=rng.randint(0, 60))
                    index = 0
                    while moment < (episode.ended_at or now) and moment < now:
                        values = _set_values(rng, base)
                        total, scores, level, complete, missing = scorer(values)
                        measured = moment + timedelta(minutes=rng.randint(-20, 20))
                        row = {
                            "episode_id": episode.pk,
                            "client_id": f"bench-{episode.pk}-{index}",
                            "source": rng.choice(sources),
                            "method": "device",
                            "recorded_by_id": None,
                            "measured_at": measured,
                            "received_at": measured + timedelta(seconds=rng.randint(20, 600)),
                            "respiration_rate": values.get("respiration_rate"),
                            "spo2": values.get("spo2"),
                            "on_oxygen": values.get("on_oxygen"),
                            "systolic_bp": values.get("systolic_bp"),
                            "diastolic_bp": values.get("diastolic_bp"),
                            "pulse": values.get("pulse"),
                            "consciousness": values.get("consciousness", ""),
                            "temperature": values.get("temperature"),
                            "feeling": "",
                            "note": "",
                            "spo2_scale": 1,
                            "news2_total": total,
                            "news2_scores": scores,
                            "news2_level": level,
                            "news2_complete": complete,
                            "news2_missing": missing,
                        }
                        copy.write_row([row[f.attname] for f in fields])
                        written += 1
                        index += 1
                        moment += timedelta(hours=SET_HOURS)
    print(f"seeded {written:,} observation sets in {len(rows):,} episodes of {patients:,} patients")


# --- the system client and its token -----------------------------------------------------


def client_key(ward):
    """A fresh RSA key per run: registered on the first run, swapped in on later ones."""
    from joserfc.jwk import RSAKey

    from hemma.fhirapi import services
    from hemma.fhirapi.models import SystemClient

    key = RSAKey.generate_key(2048, parameters={"kid": f"bench-{uuid.uuid4().hex[:8]}"})
    jwks = {"keys": [key.as_dict(private=False)]}
    if not SystemClient.objects.filter(client_id=CLIENT_ID).update(jwks=jwks):
        services.system_client_register(
            client_id=CLIENT_ID, name="Benchmark EHR", unit=ward, jwks=jwks, scopes=SCOPES
        )
    return key


def assertion(key, token_url: str) -> str:
    from joserfc import jwt

    now = int(time.time())
    claims = {
        "iss": CLIENT_ID,
        "sub": CLIENT_ID,
        "aud": token_url,
        "exp": now + 240,
        "jti": str(uuid.uuid4()),
    }
    header = {"alg": "RS384", "kid": key.kid, "typ": "JWT"}
    return jwt.encode(header, claims, key, algorithms=["RS384"])


def token_form(key, token_url: str) -> dict:
    return {
        "grant_type": "client_credentials",
        "scope": SCOPES,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion(key, token_url),
    }


def http_token(port: int, key) -> str:
    from urllib.parse import urlencode

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urlencode(token_form(key, f"http://127.0.0.1:{port}/oauth/token"))
    connection.request(
        "POST", "/oauth/token", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()
    if response.status != 200:
        raise SystemExit(f"token request refused: {response.status} {answer}")
    return answer["access_token"]


# --- gunicorn ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(workers: int | None):
    port = free_port()
    env = dict(os.environ, DEBUG="false", HEMMA_ACCESS_LOG="")
    if workers:
        env["HEMMA_WEB_WORKERS"] = str(workers)
    log_path = Path(tempfile.mkdtemp(prefix="hemma-fhir-bench-")) / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [
                ROOT / ".venv" / "bin" / "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "hemma.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log_path}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                return server, port, log_path
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz in time")


def workers_of(server) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            count += ppid == server.pid
    return count


def get(port: int, path: str, token: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return 0, b""
    finally:
        connection.close()


# --- the passes --------------------------------------------------------------------------


def search_paths(ward, rng: random.Random) -> list[str]:
    """One Observation search per patient of the client's ward: since the start day of
    their latest episode (a full first page: 14 days of sets)."""
    from django.db.models import Max
    from django.utils import timezone

    from hemma.episodes.models import Episode

    latest = (
        Episode.objects.filter(ward=ward).values("patient_id").annotate(start=Max("at_home_since"))
    )
    paths = [
        f"/fhir/Observation?patient={row['patient_id']}"
        f"&date=ge{timezone.localdate(row['start']).isoformat()}"
        for row in latest
    ]
    rng.shuffle(paths)
    return paths


def open_loop(port, token, paths, rate, seconds, pool_size=64):
    """Requests at fixed moments (start + i / rate) whatever the answers' pace; latency
    from the planned moment to the last byte. Returns [(latency ms, service ms, status)]."""
    total = int(rate * seconds)
    results = [None] * total
    start = time.perf_counter() + 0.5

    def one(i):
        planned = start + i / rate
        sent = time.perf_counter()
        status, body = get(port, paths[i % len(paths)], token)
        done = time.perf_counter()
        if status == 200 and i % 50 == 0:  # spot check: a searchset with entries
            try:
                status = 200 if json.loads(body).get("entry") else -1
            except ValueError:
                status = -2
        results[i] = ((done - planned) * 1000, (done - sent) * 1000, status)

    with concurrent.futures.ThreadPoolExecutor(max_workers=pool_size) as pool:
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, i)
    return results


def observation_pass(port, key, paths, args, server):
    token = http_token(port, key)
    for path in paths[-100:]:  # warm-up: every worker connected, code paths loaded
        get(port, path, token)
    alone = []  # one request at a time: the service time without queueing
    for path in paths[-200:-100]:
        began = time.perf_counter()
        get(port, path, token)
        alone.append((time.perf_counter() - began) * 1000)
    print(
        f"\n1. Observation search (patient + date=ge, _count 50), open loop for "
        f"{args.seconds:.0f} s per rate, {len(paths):,} patients in turn"
    )
    print(f"   one at a time (100 calls)  {summary(alone)}")
    ok = True
    for rate in args.rate:
        token = http_token(port, key)  # a token lives 5 minutes
        load = os.getloadavg()[0]
        before = (process_cpu_seconds(server.pid), time.process_time(), cpu_busy())
        began = time.perf_counter()
        results = open_loop(port, token, paths, rate, args.seconds)
        wall = time.perf_counter() - began
        gunicorn = process_cpu_seconds(server.pid) - before[0]
        client = time.process_time() - before[1]
        busy = cpu_busy()
        machine = (busy[0] - before[2][0]) / max(1, busy[1] - before[2][1])
        rest = machine * (os.cpu_count() or 1) - (gunicorn + client) / wall
        errors = [r for r in results if r[2] != 200]
        ok &= not errors
        print(
            f"   at {rate:g}/s: requests {len(results):,}  errors {len(errors)}  "
            f"achieved {len(results) / wall:.1f}/s  (load average before {load:.2f})"
        )
        print(f"     latency from planned send  {summary([r[0] for r in results])}")
        print(f"     service time (sent → done) {summary([r[1] for r in results])}")
        print(
            f"     CPU: gunicorn {gunicorn / len(results) * 1000:.1f} ms per request "
            f"({gunicorn / wall:.2f} cores), this client {client / wall:.2f} cores, the rest "
            f"(PostgreSQL, other jobs) {rest:.2f} cores; machine busy {machine:.0%} of "
            f"{os.cpu_count()} cores"
        )
    return ok


def single_episode_patients(ward, limit: int) -> list:
    from django.db.models import Count

    from hemma.episodes.models import Episode

    return list(
        Episode.objects.filter(ward=ward, state="discharged")
        .values("patient_id")
        .annotate(n=Count("id"))
        .filter(n=1)
        .order_by("patient_id")
        .values_list("patient_id", flat=True)[:limit]
    )


def everything_pass(port, key, single, calls):
    token = http_token(port, key)
    get(port, f"/fhir/Patient/{single[-1]}/$everything", token)  # warm-up
    times, sizes, entries, statuses = [], [], [], set()
    for i in range(calls):
        began = time.perf_counter()
        status, body = get(port, f"/fhir/Patient/{single[i % len(single)]}/$everything", token)
        times.append((time.perf_counter() - began) * 1000)
        statuses.add(status)
        sizes.append(len(body))
        if status == 200:
            entries.append(len(json.loads(body)["entry"]))
    print(f"\n2. Patient/$everything, one 14-day episode, {calls} sequential calls")
    print(f"   {summary(times)}   statuses {sorted(statuses)}")
    if entries:
        print(
            f"   resources per answer {min(entries)}–{max(entries)}, "
            f"{sum(sizes) / len(sizes) / 1024:.0f} KiB"
        )
    return statuses == {200}


def query_count_pass(ward, reserved: list[str], single: list, explain: bool):
    """Statements per search on patients pass 1 did not touch (so the first display
    writes its log entry, as outside the repeat window), then the same again."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from hemma.audit.models import AccessLogEntry

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    key = client_key(ward)
    client = Client()
    answer = client.post("/oauth/token", token_form(key, "http://testserver/oauth/token"))
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['access_token']}"}
    # Patients not read in the repeat window (a run minutes ago may have), from the first
    # set on, so that a page of 200 is full.
    since = timezone.now() - timedelta(minutes=settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES + 1)
    recent = {
        str(p)
        for p in AccessLogEntry.objects.filter(occurred_at__gte=since).values_list(
            "patient_id", flat=True
        )
    }
    fresh = [p.split("&date=")[0] for p in reserved if p.split("=")[1].split("&")[0] not in recent]
    if len(fresh) < 2:
        raise SystemExit("pass 3: no patient left outside the access log's repeat window")
    small, large = (p + "&date=ge2000-01-01" for p in fresh[:2])
    print("\n3. Observation search, SQL statements per request (in-process test client)")
    captured = []
    for label, path, count in (
        ("first display   _count=10 ", small, 10),
        ("first display   _count=200", large, 200),
        ("repeat (<5 min) _count=10 ", small, 10),
        ("repeat (<5 min) _count=200", large, 200),
    ):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{path}&_count={count}", **bearer)
        entries = len(response.json().get("entry", []))
        print(
            f"   {label}  {len(queries):>2} statements, {entries:>3} entries "
            f"(status {response.status_code})"
        )
        if count == 200:
            captured = queries.captured_queries
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/fhir/Patient/{single[0]}/$everything", **bearer)
    entries = len(response.json().get("entry", []))
    print(f"   $everything (one episode)   {len(queries):>2} statements, {entries} entries")
    if explain:
        with connection.cursor() as cursor:
            for sql in (q["sql"] for q in captured + queries.captured_queries):
                if sql.lstrip().upper().startswith("SELECT"):
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    print("\n   …" + sql[sql.find(" FROM ") :][:1500])
                    for (line,) in cursor.fetchall():
                        print(f"      {line}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=4000)
    parser.add_argument("--patients", type=int, default=1600)
    parser.add_argument(
        "--rate",
        type=lambda text: [float(r) for r in text.split(",")],
        default=[50.0],
        help="requests/s of pass 1, or several: 20,35,50",
    )
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--everything-calls", type=int, default=50)
    parser.add_argument("--workers", type=int, help="HEMMA_WEB_WORKERS (default: the config's)")
    parser.add_argument("--reseed", action="store_true", help="flush and seed again")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the search")
    args = parser.parse_args()
    if args.episodes < args.patients:
        parser.error("--episodes must be at least --patients")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (see the docstring)")
    call_command("migrate", verbosity=0)
    from hemma.accounts.models import Unit
    from hemma.monitoring.models import ObservationSet

    region = None if args.reseed else seeded(args.episodes, args.patients)
    if region is None:
        call_command("flush", interactive=False, verbosity=0)
        began = time.perf_counter()
        seed(args.episodes, args.patients)
        seeding = time.perf_counter() - began
        began = time.perf_counter()
        with connection.cursor() as cursor:  # the steady state autovacuum would reach
            cursor.execute("VACUUM ANALYZE")
        print(f"seeding took {seeding:.0f} s, VACUUM ANALYZE {time.perf_counter() - began:.0f} s")
    else:
        print("seeded data reused (--reseed to build it again)")

    ward = Unit.objects.get(hsa_id="SE2321000180-INF")
    table = ObservationSet._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            # one Observation per value present, blood pressure as one panel, plus NEWS2
            "SELECT count(*), count(*) + count(systolic_bp) + count(respiration_rate)"  # noqa: S608
            " + count(spo2) + count(pulse) + count(temperature), "
            f"pg_size_pretty(pg_total_relation_size('{table}')) FROM {table}"
        )
        sets, observations, size = cursor.fetchone()
    print(
        f"database: PostgreSQL {connection.pg_version // 10000} "
        f"({settings.DATABASES['default']['NAME']}): {sets:,} observation sets = "
        f"{observations:,} FHIR Observations, table and indexes {size}"
    )

    key = client_key(ward)
    paths = search_paths(ward, random.Random(16))  # noqa: S311
    reserved, paths = paths[:10], paths[10:]  # pass 3's patients: not logged by pass 1
    single = single_episode_patients(ward, args.everything_calls)
    connections.close_all()  # the server gets the database to itself
    server, port, log_path = start_gunicorn(args.workers)
    ok = True
    try:
        print(f"gunicorn: {workers_of(server)} workers (gunicorn.conf.py), DEBUG off")
        ok &= observation_pass(port, key, paths, args, server)
        ok &= everything_pass(port, key, single, args.everything_calls)
    finally:
        server.terminate()
        server.wait(timeout=90)
    query_count_pass(ward, reserved, single, args.explain)
    tracebacks = log_path.read_text().count("Traceback")
    if not ok or tracebacks:
        print(f"FAILED: errors in a pass or {tracebacks} tracebacks in {log_path}")
        sys.exit(1)
    shutil.rmtree(log_path.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
