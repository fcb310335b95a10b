"""Benchmark: lists that log every patient they show.

Every list (worklists, inbox, round list, alert list) writes one access-log entry per
patient shown, in one insert, and skips patients it already logged for the same user,
unit and list within HEMMA_ACCESS_LOG_REPEAT_MINUTES. This measures, in one run on the
same rows:
- query count and latency of each list with 10 and with 200 patients at home (the count
  must not grow with the patients: no N+1), with every display logged (window 0) and
  with the default 5-minute window (a poll that logs nothing new);
- the cost of the log write itself for 200 patients: one batched insert against 200
  single inserts and against the old single "list" entry without patients.

    .venv/bin/python bench/list_logging.py [--requests 50]
"""

import argparse
import time

from common import fresh_database, percentiles  # noqa: E402  (bench/ on sys.path)
from flow_builder import FlowBuilder  # noqa: E402

LISTS = [
    ("ward worklist", "anna.ssk", "episodes:worklist"),
    ("home health worklist", "karin.hsv", "episodes:worklist"),
    ("care-request inbox", "karin.hsv", "carerequests:inbox"),
    ("round list", "anna.ssk", "monitoring:round"),
    ("alert list", "anna.ssk", "monitoring:alerts"),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    database = fresh_database()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from hemma.accounts.models import Staff
    from hemma.audit.models import AccessLogEntry
    from hemma.audit.services import access_log_record, access_log_record_many
    from hemma.demo.services import demo_load
    from hemma.episodes.models import Episode

    print(f"database: {database['ENGINE'].rsplit('.', 1)[-1]}")
    demo_load()
    builder = FlowBuilder(safety_beds=220)
    index = 0

    def at_home(total):
        nonlocal index
        while (
            Episode.objects.filter(state="at_home", patient__first_name__startswith="Bench").count()
            < total
        ):
            patient = builder.new_patient(index)
            index += 1
            if patient is not None:
                builder.walk(patient, "at_home")

    def measure(label, username, name, window):
        settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = window
        client = Client()
        client.force_login(Staff.objects.get(user__username=username).user)
        client.get(reverse(name))  # warm-up (and, with a window, the first logged display)
        samples, queries, written = [], 0, 0
        for _ in range(args.requests):
            before = AccessLogEntry.objects.count()
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get(reverse(name))
                samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (name, response.status_code)
            queries = len(captured)
            written = AccessLogEntry.objects.count() - before
        return (
            f"{label:22} window {window} min  {percentiles(samples)}  "
            f"queries {queries:3}  log rows/request {written}"
        )

    for total in (10, 200):
        at_home(total)
        print(f"\n--- {total} bench patients at home (plus the demo's) ---")
        for label, username, name in LISTS:
            for window in (0, 5):
                print(measure(label, username, name, window))

    # The log write alone, for the 200 patients at home.
    nurse = builder.nurse
    patients = [
        e.patient for e in Episode.objects.filter(state="at_home").select_related("patient")
    ][:200]
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0
    rounds = max(5, args.requests // 5)

    def timed(label, write):
        samples = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            write()
            samples.append((time.perf_counter() - t0) * 1000)
        print(f"{label:46} {percentiles(samples)}")

    print(f"\n--- the log write for {len(patients)} patients ---")
    timed(
        "one batched insert (200 rows)",
        lambda: access_log_record_many(
            staff=nurse, unit=builder.ward, patients=patients, action="list_patients", detail="b"
        ),
    )
    timed(
        "200 single inserts",
        lambda: [
            access_log_record(
                staff=nurse,
                unit=builder.ward,
                patient=p,
                action="list_patients",
                purpose="care",
                outcome="granted",
                detail="s",
            )
            for p in patients
        ],
    )
    timed(
        "one entry without patients (before)",
        lambda: access_log_record(
            staff=nurse,
            unit=builder.ward,
            action="list_patients",
            purpose="care",
            outcome="granted",
            detail="old",
        ),
    )
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 5
    timed(
        "batched, all 200 already logged (the window)",
        lambda: access_log_record_many(
            staff=nurse, unit=builder.ward, patients=patients, action="list_patients", detail="b"
        ),
    )


if __name__ == "__main__":
    main()
