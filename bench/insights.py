"""Benchmark: the outcome dashboard on five years of data, and the capacity simulator.

Builds a throw-away database (SQLite in var/bench.sqlite3, or DATABASE_URL for
PostgreSQL), loads the demo region and generates five years of history – by default
about 20,000 finished episodes, 500,000 ED visits of the listed 80+ population and
2,000,000 observation sets (hemma/insights/history.py) – then times each dashboard panel
(the median of --repeat runs) and counts its SQL queries. Then the simulator: one year ×
100 replications of a 22-bed ward, wall time and peak Python memory.

    .venv/bin/python bench/insights.py [--months 60] [--episodes-per-month 334]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hemma_bench .venv/bin/python bench/insights.py
"""

import argparse
import statistics
import time
import tracemalloc
from datetime import date

from common import fresh_database  # noqa: E402  (bench/ on sys.path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--episodes-per-month", type=int, default=334)
    parser.add_argument("--ed-per-centre-month", type=int, default=2400)
    parser.add_argument("--observations-per-home-day", type=int, default=18)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    parser.add_argument("--simulator-only", action="store_true", help="no database needed")
    args = parser.parse_args()
    if args.simulator_only:
        simulator(args.replications)
        return
    if args.reuse:
        import django

        django.setup()
        from django.conf import settings

        database = settings.DATABASES["default"]
    else:
        database = fresh_database()

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from hemma.accounts.models import Organisation, Staff, Unit
    from hemma.episodes.models import Episode
    from hemma.insights import presenters, selectors
    from hemma.insights.history import HistorySize, generate
    from hemma.insights.models import EdVisitRecord
    from hemma.monitoring.models import ObservationSet

    started = time.perf_counter()
    if args.reuse:
        created = "reused"
    else:
        call_command("load_demo", "--quiet")
        created = generate(
            ward=Unit.objects.get(kind="ward"),
            home_health=Unit.objects.get(kind="home_health_care"),
            staff=Staff.objects.get(user__username="anna.ssk"),
            end=timezone.localdate(),
            size=HistorySize(
                months=args.months,
                episodes_per_month=args.episodes_per_month,
                ed_visits_80_per_centre_month=args.ed_per_centre_month,
                observations_per_home_day=args.observations_per_home_day,
            ),
            seed=7,
        )
    if connection.vendor == "postgresql":  # fresh statistics, as autovacuum keeps them
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"database: {database['ENGINE'].rsplit('.', 1)[-1]}")
    print(
        f"generated in {time.perf_counter() - started:.0f} s: "
        f"{Episode.objects.count():,} episodes, {EdVisitRecord.objects.count():,} ED visits, "
        f"{ObservationSet.objects.count():,} observations ({created})"
    )
    region = Organisation.objects.get(kind="region")
    today = timezone.localdate()
    periods = {
        "last 12 months": selectors.Period(date(today.year - 1, today.month, 1), today),
        "5 years": selectors.Period(date(today.year - 5, today.month, 1), today),
    }
    # each panel as the page builds it: the measures (selectors), then their rows (presenters)
    panels = {
        "care at home": lambda p: presenters.care_at_home_panel(
            selectors.care_at_home(region, p), p
        ),
        "coordination": lambda p: presenters.coordination_panel(selectors.coordination(region, p)),
        "ED per 1000 80+ by centre": lambda p: presenters.population_panel(
            selectors.population(region, p, "centre")
        ),
        "ED per 1000 80+ by municipality": lambda p: presenters.population_panel(
            selectors.population(region, p, "municipality")
        ),
    }
    print(f"{'panel':34} {'period':15} {'median ms':>10} {'queries':>8}")
    for period_name, period in periods.items():
        for name, panel in panels.items():
            times = []
            for _ in range(args.repeat):
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    panel(period)
                    times.append((time.perf_counter() - began) * 1000)
            print(f"{name:34} {period_name:15} {statistics.median(times):>10.0f} {len(queries):>8}")

    simulator(args.replications)


def simulator(replications: int):
    """Wall time without tracing (tracemalloc slows Python down), then peak memory in a
    second, traced run; for today's share at home and for 4 %."""
    from hemma.insights import simulation

    for share in (0.002, 0.04):
        params = simulation.WardParameters(
            early_discharge_share=simulation.share_for_home_bed_days(share, 5.0, 2.5)
        )
        began = time.perf_counter()
        summary = simulation.replicate(params, replications=replications)
        took = time.perf_counter() - began
        tracemalloc.start()
        simulation.replicate(params, replications=replications)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        print(
            f"simulator: {share:.1%} of bed-days at home, 1 year × {replications} replications, "
            f"22 beds: {took:.1f} s, peak Python memory {peak:.1f} MB; mean occupancy "
            f"{summary.mean_occupancy.mean:.1f} ({summary.mean_occupancy.low:.1f}–"
            f"{summary.mean_occupancy.high:.1f})"
        )


if __name__ == "__main__":
    main()
