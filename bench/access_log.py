"""Benchmark: the access log at region and national scale (issue 20), on PostgreSQL.

Fills the partitioned access log with synthetic entries spread over five years (server-side
INSERT … SELECT, in batches: rows/s), then measures log review and the patient extract
through the real views (Django's test client, logged in as the demo's log reviewer):
one patient and one member of staff, over the last month and over five years, p50/p95/max.
The figures are taken at each size of --sizes (e.g. 1 and 10 million rows), growing the
same table, so the growth shows.

    createdb -h 127.0.0.1 -U postgres hemma_bench_log
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hemma_bench_log \\
        .venv/bin/python bench/access_log.py --sizes 1000000,10000000

With --keep the rows already there stay: fill once (--sizes 10000000 --requests 1 --keep)
and measure again later at the same size on a quiet machine (the same command, --requests 30).
--extract-first measures the patient extract before the log review pages instead of after
them; the extract's lines also say how much of each request was SQL and how many requests
ran a full garbage collection.

Memory is not measured here (the rows are written by PostgreSQL itself).
"""

import argparse
import gc
import time
from datetime import timedelta

from common import fresh_database, percentiles  # noqa: E402  (bench/ on sys.path)

STAFF = 2000
PATIENTS = 20000
BATCH = 500_000

INSERT = """
INSERT INTO audit_accesslogentry (occurred_at, user_id, user_display, staff_hsa_id, unit_id,
    unit_display, patient_id, patient_display, action, detail, purpose, outcome)
SELECT now() - (random() * interval '1826 days'),
       u.user_id, u.display, u.hsa_id, un.id, un.name, p.id, p.display,
       'view_patient', '', 'care', 'granted'
FROM generate_series(1::bigint, %(rows)s) AS g(i)
JOIN LATERAL (SELECT (%(users)s::int[])[1 + (g.i * 7919) %% %(n_users)s] AS user_id) uid ON true
JOIN LATERAL (SELECT uid.user_id, 'Bench Loggsson' || uid.user_id AS display,
                     'SE2321000000-BL' || lpad(uid.user_id::text, 5, '0') AS hsa_id) u ON true
JOIN LATERAL (SELECT (%(units)s::bigint[])[1 + (g.i * 31) %% %(n_units)s] AS id,
                     'Bench unit' AS name) un ON true
JOIN LATERAL (SELECT (%(patients)s::uuid[])[1 + (g.i * 104729) %% %(n_patients)s] AS id,
                     'Bench patient' AS display) p ON true
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,10000000", help="rows, comma-separated")
    parser.add_argument("--requests", type=int, default=30, help="per measured page")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the rows already in the database (fill on a busy machine, measure later)",
    )
    parser.add_argument(
        "--extract-first",
        action="store_true",
        help="measure the patient extract before the log review pages (not after them)",
    )
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="leave the loaded app in the garbage collector (gunicorn.conf.py freezes it)",
    )
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))

    database = fresh_database(keep=args.keep)
    assert database["ENGINE"].endswith("postgresql"), "PostgreSQL only (DATABASE_URL)"
    from django.contrib.auth import get_user_model
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from hemma.accounts.models import Staff, Unit
    from hemma.audit import partitions
    from hemma.audit.models import AccessLogEntry
    from hemma.demo.services import demo_load
    from hemma.patients.models import Patient

    request_started.disconnect(reset_queries)  # keep each request's queries for counting
    demo_load()
    with connection.cursor() as cursor:  # partitions for five years back and three ahead
        cursor.execute(
            f"SELECT {partitions.ENSURE_FUNCTION}(3, (now() - interval '1827 days')::date)"
        )
    user_ids, patient_ids = _synthetic_people(get_user_model(), Staff, Patient)
    reviewer_units = list(
        Unit.objects.filter(organisation__units__memberships__staff__user__username="admin.region")
        .distinct()
        .values_list("id", flat=True)
    )
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin.region"))
    patient = Patient.objects.get(pk=patient_ids[17])
    staff = Staff.objects.select_related("user").get(user_id=user_ids[5])
    month_ago = (timezone.localdate() - timedelta(days=30)).isoformat()
    five_years_ago = (timezone.localdate() - timedelta(days=1826)).isoformat()
    pages = {
        "patient, last month": {"personal_number": patient.personal_number, "date_from": month_ago},
        "patient, five years": {
            "personal_number": patient.personal_number,
            "date_from": five_years_ago,
        },
        "staff (HSA-id), last month": {"staff_text": staff.hsa_id, "date_from": month_ago},
        "staff (HSA-id), five years": {"staff_text": staff.hsa_id, "date_from": five_years_ago},
        "staff (name), last month": {"staff_text": staff.user.last_name, "date_from": month_ago},
        "whole organisation, first page": {},
    }
    rows = AccessLogEntry.objects.count()
    if not args.no_gc_freeze:  # as each gunicorn worker does after loading the app
        client.get("/audit/")  # the URLconf and templates loaded, as after a first request
        gc.freeze()
    for size in sizes:
        started, added = time.perf_counter(), 0
        while rows < size:
            batch = min(BATCH, size - rows)
            with connection.cursor() as cursor:
                cursor.execute(
                    INSERT,
                    {
                        "rows": batch,
                        "users": user_ids,
                        "n_users": len(user_ids),
                        "units": reviewer_units,
                        "n_units": len(reviewer_units),
                        "patients": [str(p) for p in patient_ids],
                        "n_patients": len(patient_ids),
                    },
                )
            rows, added = rows + batch, added + batch
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_accesslogentry")
            cursor.execute("SELECT pg_total_relation_size('audit_accesslogentry_default')")
            cursor.execute(
                "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                "WHERE inhparent = 'audit_accesslogentry'::regclass"
            )
            total_bytes = cursor.fetchone()[0]
        print(
            f"\n{rows:,} rows in the access log ({total_bytes / 2**30:.2f} GiB with indexes, "
            f"{len(partitions.attached_partitions())} partitions)"
        )
        if added:
            print(f"  insert: {added:,} rows in {seconds:.1f} s = {added / seconds:,.0f} rows/s")
        if args.extract_first:
            _measure_extract(client, CaptureQueriesContext, connection, patient, args.requests)
        for label, query in pages.items():
            _measure(
                client, CaptureQueriesContext, connection, label, "/audit/", query, args.requests
            )
        if not args.extract_first:
            _measure_extract(client, CaptureQueriesContext, connection, patient, args.requests)


def _synthetic_people(User, Staff, Patient):
    from hemma.clinical.identifiers import luhn_check_digit

    users = User.objects.bulk_create(
        [
            User(username=f"bench.log{i}", first_name="Bench", last_name=f"Loggsson{i}")
            for i in range(STAFF)
        ],
        ignore_conflicts=True,
    )
    users = list(User.objects.filter(username__startswith="bench.log").order_by("id"))
    for user in users:  # the name the entries carry (user_display), found by a name search
        user.last_name = f"Loggsson{user.pk}"
    User.objects.bulk_update(users, ["last_name"])
    Staff.objects.bulk_create(
        [Staff(user=u, profession="nurse", hsa_id=f"SE2321000000-BL{u.pk:05d}") for u in users],
        ignore_conflicts=True,
    )
    patients = []
    for index in range(PATIENTS):
        day, month = 1 + index % 28, 1 + (index // 28) % 12
        year, serial = 20 + (index // 336) % 60, 900 + (index // 20160) % 100
        nine = f"{year:02d}{month:02d}{day:02d}{serial:03d}"
        patients.append(
            Patient(
                personal_number=f"19{nine}{luhn_check_digit(nine)}",
                identity_kind="personnummer",
                first_name=f"Logg{index}",
                last_name="Testsson",
                birth_date=f"19{nine[:2]}-{nine[2:4]}-{nine[4:6]}",
                sex="female",
            )
        )
    Patient.objects.bulk_create(patients, ignore_conflicts=True)
    patient_ids = list(
        Patient.objects.filter(first_name__startswith="Logg")
        .order_by("id")
        .values_list("id", flat=True)
    )
    return [u.pk for u in users], patient_ids


def _measure(client, capture, connection, label, path, query, requests):
    from django.db import reset_queries

    samples = []
    reset_queries()  # the query log is capped: counting needs it empty
    with capture(connection) as queries:
        response = client.get(path, query)
    assert response.status_code == 200, (label, response.status_code)
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, query)
        samples.append((time.perf_counter() - started) * 1000)
    print(
        f"  log review, {label:32} {percentiles(samples)}  max {max(samples):.1f} ms  "
        f"queries {len(queries)}"
    )


def _measure_extract(client, capture, connection, patient, requests):
    from django.db import reset_queries

    samples = []
    reset_queries()
    with capture(connection) as queries:
        response = client.post("/audit/extract/", {"personal_number": patient.personal_number})
    assert response.status_code == 200, response.status_code
    entries = response.context["extract"].rows
    sql_samples, full_collections = [], 0
    for _ in range(requests):
        timer, collections = _SqlTimer(), gc.get_stats()[2]["collections"]
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            client.post("/audit/extract/", {"personal_number": patient.personal_number})
        samples.append((time.perf_counter() - started) * 1000)
        sql_samples.append(timer.ms)
        full_collections += gc.get_stats()[2]["collections"] > collections
    print(
        f"  patient extract ({len(entries):,} entries)       {percentiles(samples)}  "
        f"max {max(samples):.1f} ms  queries {len(queries)}"
    )
    # Where the slow requests' time goes: in the database or in the process.
    rest = [total - sql for total, sql in zip(samples, sql_samples, strict=True)]
    print(
        f"    of which SQL                       {percentiles(sql_samples)}\n"
        f"    of which the process               {percentiles(rest)}  "
        f"requests with a full garbage collection {full_collections}"
    )


class _SqlTimer:
    """An execute wrapper adding up the time spent in the database's statements."""

    def __init__(self):
        self.ms = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
