"""Benchmark: the access policy and the access log under a realistic region.

Builds a throw-away database (SQLite in var/bench.sqlite3, or DATABASE_URL) with
N patients spread over many units, then measures with Django's test client:
- patient page latency (p50/p95/p99) and query count, which includes the policy
  check and the access-log write;
- patient list / search latency and query count;
- access-log write throughput;
- log review page latency with a large log.

    .venv/bin/python bench/access_policy.py [--patients 5000] [--requests 300]
"""

import argparse
import time
import tracemalloc

from common import fresh_database, percentiles  # noqa: E402  (bench/ on sys.path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    database = fresh_database()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hemma.accounts.models import Unit
    from hemma.audit.models import AccessLogEntry
    from hemma.audit.services import access_log_record
    from hemma.clinical.identifiers import luhn_check_digit
    from hemma.demo.services import demo_load
    from hemma.patients.models import CareRelationship, Patient

    demo_load()
    ward = Unit.objects.get(kind="ward")
    units = list(Unit.objects.all())
    started = time.perf_counter()
    patients = []
    for index in range(args.patients):
        # Synthetic numbers with birth numbers 9xx (Skatteverket's test range).
        day, month = 1 + index % 28, 1 + (index // 28) % 12
        year, serial = 20 + (index // 336) % 60, 900 + (index // 20160) % 100
        nine = f"{year:02d}{month:02d}{day:02d}{serial:03d}"
        number = f"19{nine}{luhn_check_digit(nine)}"
        patients.append(
            Patient(
                personal_number=number,
                identity_kind="personnummer",
                first_name=f"Bench{index}",
                last_name="Testsson",
                birth_date=f"19{nine[:2]}-{nine[2:4]}-{nine[4:6]}",
                sex="female",
            )
        )
    Patient.objects.bulk_create(patients, ignore_conflicts=True)
    patients = list(Patient.objects.filter(first_name__startswith="Bench"))
    CareRelationship.objects.bulk_create(
        [CareRelationship(patient=p, unit=units[i % len(units)]) for i, p in enumerate(patients)],
        ignore_conflicts=True,
    )
    print(
        f"setup: {len(patients)} patients over {len(units)} units "
        f"in {time.perf_counter() - started:.1f} s ({database['ENGINE'].rsplit('.', 1)[-1]})"
    )

    client = Client()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="anna.ssk"))
    ward_patients = [p for i, p in enumerate(patients) if units[i % len(units)] == ward]

    def measure(label, urls):
        samples = []
        reset_queries()  # DEBUG's query log is capped; start from empty
        with CaptureQueriesContext(connection) as first:
            client.get(urls[0])
        for url in urls:
            began = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"{label:<32} {percentiles(samples)}  queries/request {len(first)}")

    measure(
        "patient page (policy + log)",
        [f"/patients/{ward_patients[i % len(ward_patients)].pk}/" for i in range(args.requests)],
    )
    measure("patient list (first 200)", ["/patients/"] * max(20, args.requests // 10))
    measure(
        "search by name",
        [f"/patients/?q=Bench{i}" for i in range(max(20, args.requests // 3))],
    )
    measure(
        "search by personnummer",
        [f"/patients/?q={p.personal_number}" for p in ward_patients[: max(20, args.requests // 3)]],
    )

    from hemma.accounts.models import Staff

    staff = Staff.objects.get(user__username="anna.ssk")
    count = 5000
    tracemalloc.start()
    began = time.perf_counter()
    for index in range(count):
        access_log_record(
            staff=staff,
            unit=ward,
            patient=patients[index % len(patients)],
            action="view_patient",
            purpose="care",
            outcome="granted",
        )
    elapsed = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate = f"{count / elapsed:,.0f} entries/s"
    print(f"{'access-log writes':<32} {rate}  peak memory {peak / 1e6:.1f} MB")

    client.force_login(get_user_model().objects.get(username="admin.region"))
    total = AccessLogEntry.objects.count()
    measure(f"log review ({total:,} entries)", ["/audit/"] * 30)
    measure(
        "log review filtered by patient",
        [f"/audit/?personal_number={p.personal_number}" for p in ward_patients[:30]],
    )


if __name__ == "__main__":
    main()
