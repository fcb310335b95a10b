"""Benchmark: vital-signs ingestion through the FHIR API (NEWS2 and alerts included) and
the digital round list.

Builds a throw-away database (SQLite in var/bench.sqlite3, or DATABASE_URL), loads the
demo region, enrols devices and measures in-process with Django's test client:
- single Observation POSTs back to back: observations/s and p50/p95/p99 latency;
- the same at a fixed request rate (--rate per second): latency percentiles;
- batch Bundles of 100 Observations (25 sets of 4 vitals, every fifth alerting) and of
  1,000: observations/s, wall and CPU time, per-Bundle latency, SQL statements per Bundle;
- the raw baseline: the same rows (sets, readings, identifiers) inserted directly, one
  transaction per Bundle, so the API's cost is a ratio measured in the same run;
- peak Python memory (tracemalloc) of Bundles in a separate pass;
- the round list for --patients patients at home with 14 days of values (3 sets a day):
  server time and SQL query count.

    .venv/bin/python bench/monitoring.py [--singles 1000] [--bundles 20] [--patients 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hemma_bench .venv/bin/python bench/monitoring.py
"""

import argparse
import json
import time
import tracemalloc
from datetime import timedelta

from common import fresh_database, percentiles  # noqa: E402  (bench/ on sys.path)

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--bundles", type=int, default=20)
    parser.add_argument("--large", type=int, default=3, help="Bundles of 1,000")
    parser.add_argument("--patients", type=int, default=200)
    args = parser.parse_args()

    database = fresh_database()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    print(f"database: {database['ENGINE'].rsplit('.', 1)[-1]}")

    from hemma.accounts.models import Staff, Unit
    from hemma.clinical.identifiers import luhn_check_digit, parse_personal_identity
    from hemma.demo.services import demo_load
    from hemma.episodes.models import Episode
    from hemma.monitoring import services
    from hemma.monitoring.models import ObservationSet
    from hemma.patients.models import Patient

    demo_load()
    ward = Unit.objects.get(kind="ward")
    nurse = Staff.objects.get(user__username="anna.ssk")
    now = timezone.now()

    def new_patient_at_home(index):
        nine = (
            f"{30 + index % 50:02d}{1 + index % 12:02d}{1 + index % 28:02d}{900 + index % 97:03d}"
        )
        number = f"19{nine}{luhn_check_digit(nine)}"
        patient = Patient.objects.filter(personal_number=number).first()
        if patient is None:
            patient = Patient(first_name=f"Bench{index}", last_name="Testsson")
            patient.apply_identity(parse_personal_identity(number))
            patient.save()
        elif patient.episodes.exists():
            return None
        return Episode.objects.create(
            patient=patient,
            ward=ward,
            created_by=nurse,
            state="at_home",
            at_home_since=now - timedelta(days=14),
        )

    def token_for(episode):
        code = services.enrolment_issue(staff=nurse, unit=ward, episode=episode)
        return services.enrolment_claim_api(code=code).access_token

    client = Client()
    fhir_url = reverse("monitoring:fhir_observation")
    bundle_url = reverse("monitoring:fhir_bundle")

    def post(url, body, token):
        return client.post(
            url,
            json.dumps(body),
            content_type="application/fhir+json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    vitals = [
        ("8867-4", 78, "/min"),
        ("59408-5", 96, "%"),
        ("8310-5", 37.2, "Cel"),
        ("9279-1", 16, "/min"),
    ]
    single_episode = new_patient_at_home(10_000)
    token = token_for(single_episode)
    samples = []
    started = time.perf_counter()
    for n in range(args.singles):
        loinc, value, unit = vitals[n % 4]
        when = now - timedelta(days=6) + timedelta(seconds=n * 30)
        t0 = time.perf_counter()
        body = observation(loinc, value, unit, f"s{n}", when, single_episode.patient_id)
        response = post(fhir_url, body, token)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 201, response.content
    elapsed = time.perf_counter() - started
    print(
        f"single POSTs, back to back   {args.singles / elapsed:,.0f} obs/s  {percentiles(samples)}"
    )

    rate_episode = new_patient_at_home(10_001)
    rate_token = token_for(rate_episode)
    samples, interval = [], 1 / args.rate
    start = time.perf_counter()
    for n in range(args.rate * args.seconds):
        due = start + n * interval
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        loinc, value, unit = vitals[n % 4]
        when = now - timedelta(days=6) + timedelta(seconds=n * 30)
        t0 = time.perf_counter()
        body = observation(loinc, value, unit, f"r{n}", when, rate_episode.patient_id)
        response = post(fhir_url, body, rate_token)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 201
    achieved = len(samples) / (time.perf_counter() - start)
    print(
        f"single POSTs at {args.rate}/s         achieved {achieved:.0f}/s  {percentiles(samples)}"
    )

    def bundle(tag, sets, start, patient_id):
        """`sets` sets of 4 vitals 6 minutes apart (beyond the 5-minute set window); every
        fifth set has a pulse of 135
        (NEWS2 3 for one parameter: an alert), so alerts are part of the work."""
        entries = []
        for s in range(sets):
            when = start + timedelta(minutes=6 * s)
            for v, (loinc, value, unit) in enumerate(vitals):
                if loinc == "8867-4" and s % 5 == 0:
                    value = 135
                ident = f"{tag}-{s}-{v}"
                resource = observation(loinc, value, unit, ident, when, patient_id)
                request = {"method": "POST", "url": "Observation"}
                entries.append({"resource": resource, "request": request})
        return {"resourceType": "Bundle", "type": "batch", "entry": entries}

    def bundles_pass(label, count, sets, seed):
        """POST `count` Bundles of `sets` × 4 observations to a fresh episode: wall time,
        CPU of this process (client + Django; the database server's is not included),
        per-Bundle latency and SQL statements per Bundle."""
        episode = new_patient_at_home(seed)
        token = token_for(episode)
        start = now - timedelta(days=5, hours=12)
        bodies = [
            bundle(f"{seed}-{b}", sets, start + timedelta(minutes=6 * sets * b), episode.patient_id)
            for b in range(count)
        ]
        # One more Bundle first, untimed: it warms the episode up and counts the SQL
        # statements (capturing them costs time, so the timed Bundles run without it).
        warm_up = bundle(f"{seed}-w", sets, start - timedelta(minutes=6 * sets), episode.patient_id)
        with CaptureQueriesContext(connection) as captured:
            assert post(bundle_url, warm_up, token).status_code == 200
        statements = len(captured)
        samples = []
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for body in bodies:
            t0 = time.perf_counter()
            response = post(bundle_url, body, token)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.content[:300]
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        rate = count * sets * 4 / wall
        print(
            f"{label:<28} {rate:,.0f} obs/s  wall {wall:.2f} s  cpu {cpu:.2f} s  "
            f"per Bundle {percentiles(samples)}  statements/Bundle {statements}"
        )
        assert ObservationSet.objects.filter(episode=episode).count() == (count + 1) * sets
        return rate

    api_rate = bundles_pass("Bundles of 100 (25 sets x 4)", args.bundles, 25, 10_002)
    bundles_pass("Bundles of 1,000 (250 x 4)", args.large, 250, 10_004)

    # The like-for-like raw baseline: the same rows a Bundle of 100 stores (25 sets, 25
    # readings, 100 identifiers), one transaction per Bundle, no parsing, NEWS2 or alerts.
    from django.db import transaction

    from hemma.monitoring.models import FhirIdentifier, Reading

    baseline_episode = new_patient_at_home(10_003)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for b in range(args.bundles):
        start = now - timedelta(days=6) + timedelta(minutes=250 * b)
        sets = [
            ObservationSet(
                episode=baseline_episode,
                client_id=f"raw{b}-{s}",
                source="device",
                measured_at=start + timedelta(minutes=10 * s),
                pulse=78,
                spo2=96,
                temperature=37.2,
                respiration_rate=16,
                news2_total=0,
                news2_scores={},
                news2_level="low",
                news2_complete=False,
                news2_missing=[],
            )
            for s in range(25)
        ]
        with transaction.atomic():
            ObservationSet.objects.bulk_create(sets)
            Reading.objects.bulk_create(
                Reading(
                    episode=baseline_episode,
                    observation=row,
                    client_id=row.client_id,
                    source="device",
                    measured_at=row.measured_at,
                    parameters=["pulse", "respiration_rate", "spo2", "temperature"],
                )
                for row in sets
            )
            FhirIdentifier.objects.bulk_create(
                FhirIdentifier(
                    episode=baseline_episode,
                    system="urn:bench",
                    value=f"raw{b}-{s}-{v}",
                    observation=row,
                    content="",
                )
                for s, row in enumerate(sets)
                for v in range(4)
            )
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    raw_rate = args.bundles * 100 / wall
    print(
        f"raw insert, same rows          {raw_rate:,.0f} obs/s  wall {wall:.2f} s  cpu {cpu:.2f} s"
        f"  (API = {api_rate / raw_rate:.0%} of raw)"
    )

    # Memory in its own pass: tracemalloc slows the code it traces about 3x.
    tracemalloc.start()
    bundles_pass("memory pass, Bundles of 100", max(2, args.bundles // 4), 25, 10_005)
    bundles_pass("memory pass, Bundles of 1,000", 1, 250, 10_006)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak Python memory (Bundles)   {peak / 1e6:.1f} MB")

    # The round: N patients at home, 14 days x 3 sets each.
    episodes = [e for e in (new_patient_at_home(i) for i in range(args.patients)) if e]
    history = []
    for episode in episodes:
        for day in range(14):
            for hour in (8, 14, 20):
                history.append(
                    ObservationSet(
                        episode=episode,
                        client_id=f"h{day}-{hour}",
                        source="patient",
                        measured_at=now - timedelta(days=day, hours=hour),
                        pulse=80 + day,
                        spo2=96,
                        systolic_bp=130,
                        temperature=37.0,
                        news2_total=0,
                        news2_scores={},
                        news2_level="low",
                        news2_complete=False,
                        news2_missing=[],
                    )
                )
    ObservationSet.objects.bulk_create(history, batch_size=1000)
    staff_client = Client()
    staff_client.force_login(nurse.user)
    staff_client.get(reverse("monitoring:round"))
    samples, queries = [], 0
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = staff_client.get(reverse("monitoring:round"))
            samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
        queries = len(captured)
    at_home = Episode.objects.filter(ward=ward, state="at_home").count()
    print(
        f"round list, {at_home} patients at home, {len(history):,} sets   "
        f"{percentiles(samples)}  queries {queries}"
    )


if __name__ == "__main__":
    main()
