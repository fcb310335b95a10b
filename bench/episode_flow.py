"""Benchmark: the early-discharge flow and its worklists under a busy ward.

Builds a throw-away database (SQLite in var/bench.sqlite3, or DATABASE_URL) with the demo
region plus N episodes walked through the real services to a spread of states, then
measures with Django's test client:
- the whole flow through the services (candidate → discharged), flows per second;
- latency (p50/p95/p99) and query count of the ward worklist, the home health care
  worklist (with today's activities), the care-request inbox, the episode page, the
  agreement page and the patient's print view.

    .venv/bin/python bench/episode_flow.py [--episodes 300] [--requests 200]
"""

import argparse
import time

from common import fresh_database, percentiles  # noqa: E402  (bench/ on sys.path)
from flow_builder import FlowBuilder  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    fresh_database()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from hemma.accounts.models import Staff
    from hemma.demo.services import demo_load
    from hemma.episodes.models import Episode

    demo_load()
    builder = FlowBuilder(safety_beds=args.episodes)
    patient, walk = builder.new_patient, builder.walk

    spread = ["candidate", "agreed", "at_home", "at_home", "discharged"]
    started = time.perf_counter()
    full_flows = 0
    for index in range(args.episodes):
        p = patient(index)
        if p is None:
            continue
        until = spread[index % len(spread)]
        walk(p, until)
        full_flows += until == "discharged"
    elapsed = time.perf_counter() - started
    print(f"built {Episode.objects.count()} episodes in {elapsed:.1f} s")
    flow_started = time.perf_counter()
    for index in range(args.episodes, args.episodes + 20):
        p = patient(index)
        if p is not None:
            walk(p, "discharged")
    per_flow = (time.perf_counter() - flow_started) / 20
    print(
        f"whole flow through the services    {1 / per_flow:.1f} flows/s  ({per_flow * 1000:.0f} ms)"
    )

    some_episode = Episode.objects.filter(state="at_home").first()

    def measure(label, username, url):
        client = Client()
        client.force_login(Staff.objects.get(user__username=username).user)
        client.get(url)  # warm-up
        samples, queries = [], 0
        for _ in range(args.requests):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(captured)
        print(f"{label:34} {percentiles(samples)}  queries/request {queries}")

    measure("ward worklist", "anna.ssk", reverse("episodes:worklist"))
    measure("home health worklist (today)", "karin.hsv", reverse("episodes:worklist"))
    measure("care-request inbox", "karin.hsv", reverse("carerequests:inbox"))
    measure("episode page", "anna.ssk", reverse("episodes:detail", args=[some_episode.pk]))
    measure("agreement page", "anna.ssk", reverse("careplans:agreement", args=[some_episode.pk]))
    measure("print view", "anna.ssk", reverse("careplans:print", args=[some_episode.pk]))
    open_count = Episode.objects.exclude(state__in=["discharged", "cancelled"]).count()
    requests = some_episode.care_requests.model.objects.count()
    print(f"open episodes {open_count}, care requests {requests}")


if __name__ == "__main__":
    main()
