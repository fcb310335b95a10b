"""Benchmark: a realistic Dalarna day of home visits, the optimiser against planning by hand.

A generated day (seeded, so every run plans the same day): 60 visits to 30 patients around
Falun, Borlänge and Ludvika – IV antibiotic doses at 08/16 or 09/17 (± 30 min), morning care,
lunchtime medication, wound care and samples, physiotherapy, and three double visits
(lift transfers, two assistant nurses at once) – and 10 staff at three bases with mixed
skills, lunch breaks and one cyclist. Travel by the embedded model (great circle × 1.3 at
car/bike speed; with --towns at town speed inside Falun, Borlänge and Ludvika and rural
speed outside). Prints travel, visits planned, doses on time and solve time for the
greedy by-hand planner and for PyVRP at the given time limits; every plan is judged by the
independent checker.

    .venv/bin/python bench/routing_day.py [--seconds 5 10 30] [--seed 2026] [--towns]
        [--visits 400]

`--visits N` (default 60, the day above) builds a larger day of the same kind: blocks of 30
patients with the same mix of visits (16 IV doses at 08/16 or 09/17 ± 30 min, three double
visits, lunchtime medication …) and for each block the same 10 staff (4 nurses of whom one
on a late shift, 4 assistant nurses, 2 physiotherapists, lunch 11–13), homes spread around
the same three towns; the last block is cut to N visits (its last visits dropped). 400
visits = 7 blocks: 200 patients, 70 staff, 112 doses. Also prints the CPU seconds of each
solve and the load average (a loaded machine gives the search less than the time limit).
"""

import argparse
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hemma.routing.check import violations  # noqa: E402
from hemma.routing.greedy import plan_by_hand  # noqa: E402
from hemma.routing.model import Problem, Visit, Worker  # noqa: E402
from hemma.routing.solve import solve  # noqa: E402
from hemma.routing.travel import UrbanArea, matrix  # noqa: E402

BASES = {"Falun": (60.6066, 15.6310), "Borlänge": (60.4858, 15.4371), "Ludvika": (60.1496, 15.1878)}
NURSE, ASSISTANT, PHYSIO = (
    frozenset({"nurse"}),
    frozenset({"assistant_nurse"}),
    frozenset({"physio"}),
)
H = 60
# --towns: the three towns driven at town speed, the countryside at rural speed
TOWNS = (
    UrbanArea(60.6066, 15.6310, 4.0),
    UrbanArea(60.4858, 15.4371, 4.0),
    UrbanArea(60.1496, 15.1878, 3.0),
)


def staff(blocks: int = 1) -> list[Worker]:
    lunch = {"break_earliest": 11 * H, "break_latest": 13 * H, "break_minutes": 30}
    rows = [
        ("ssk-falun-1", "Falun", 7, 16, NURSE, "car"),
        ("ssk-falun-2", "Falun", 11, 20, NURSE, "car"),
        ("ssk-borlange", "Borlänge", 7, 18, NURSE, "car"),
        ("ssk-ludvika", "Ludvika", 7, 18, NURSE, "car"),
        ("usk-falun-1", "Falun", 7, 16, ASSISTANT, "car"),
        ("usk-falun-2", "Falun", 7, 16, ASSISTANT, "bike"),
        ("usk-borlange", "Borlänge", 7, 16, ASSISTANT, "car"),
        ("usk-ludvika", "Ludvika", 7, 16, ASSISTANT, "car"),
        ("ft-falun", "Falun", 8, 16, PHYSIO, "car"),
        ("ft-borlange", "Borlänge", 8, 16, PHYSIO, "car"),
    ]
    return [
        Worker(
            name + (f"-{block}" if block else ""),
            BASES[base],
            BASES[base],
            start * H,
            end * H,
            skills,
            mode=mode,
            **lunch,
        )
        for block in range(blocks)
        for name, base, start, end, skills, mode in rows
    ]


def patients(rng: random.Random, count: int = 30) -> list[tuple[float, float]]:
    homes = []
    towns = list(BASES.values())
    for index in range(count):
        lat, lon = towns[index % 3]
        spread = 0.12 if index % 7 == 0 else 0.05  # some live out in the countryside
        homes.append(
            (
                round(lat + rng.uniform(-spread, spread), 5),
                round(lon + rng.uniform(-2 * spread, 2 * spread), 5),
            )
        )
    return homes


def visits(rng: random.Random, homes, day: list[Visit] | None = None) -> list[Visit]:
    """One block of 30 patients' visits, appended to `day`."""
    day = [] if day is None else day

    def add(kind, home, earliest, latest, minutes, skills, staff=1):
        day.append(
            Visit(f"{kind}-{len(day)}", home, earliest, latest, minutes, skills, staff=staff)
        )

    for index, home in enumerate(homes[:8]):  # IV antibiotics twice a day, ± 30 min
        morning, evening = (8 + index % 2) * H, (16 + index % 2) * H  # 08/16 or 09/17
        add("dose-am", home, morning - 30, morning + 30, 20, NURSE)
        add("dose-pm", home, evening - 30, evening + 30, 20, NURSE)
    for home in homes[8:20]:  # morning care
        add("morning", home, 7 * H + 30, 10 * H + 30, rng.choice([30, 45]), ASSISTANT)
    for home in homes[20:23]:  # lift transfer: two assistant nurses together
        add("lift", home, 8 * H, 10 * H, 40, ASSISTANT, staff=2)
    for home in homes[3:13]:  # wound care and samples
        add("wound", home, 8 * H, 15 * H, rng.choice([20, 30]), NURSE)
    for home in homes[13:19]:  # physiotherapy
        add("physio", home, 9 * H, 15 * H, 45, PHYSIO)
    for home in homes[18:28]:  # lunchtime medication
        add("meds", home, 11 * H, 13 * H, 15, ASSISTANT)
    for home in homes[25:28]:  # afternoon nurse visits
        add("afternoon", home, 13 * H, 15 * H, 30, NURSE)
    return day


def build(seed: int, towns: tuple[UrbanArea, ...] = (), count: int = 60) -> Problem:
    """The day of `count` visits (60: the original day; more: blocks, see the docstring)."""
    rng = random.Random(seed)  # noqa: S311 – a reproducible benchmark day
    blocks = max(1, math.ceil(count / 60))
    homes = patients(rng, 30 * blocks)
    day: list[Visit] = []
    for block in range(blocks):
        visits(rng, homes[30 * block : 30 * block + 30], day)
    problem = Problem(day[:count], staff(blocks))
    keys = problem.keys()
    problem.travel = matrix(keys, mode="car", urban_areas=towns)
    problem.mode_travel = {"bike": matrix(keys, mode="bike", urban_areas=towns)}
    return problem


def report(name: str, problem: Problem, plan, took: float, cpu: float = 0.0) -> tuple[int, int]:
    doses = [v for v in problem.visits if v.id.startswith("dose")]
    starts = {s.visit_id: s.start for stops in plan.routes.values() for s in stops}
    on_time = sum(1 for v in doses if v.id in starts and v.earliest <= starts[v.id] <= v.latest)
    planned = len({s.visit_id for stops in plan.routes.values() for s in stops})
    broken = violations(problem, plan)
    print(
        f"{name:16} {plan.travel_minutes:>8} {planned:>4}/{len(problem.visits):<3} "
        f"{on_time:>3}/{len(doses):<3} {len(plan.unassigned):>4} {len(broken):>6} {took:>7.1f} "
        f"{cpu:>5.1f}"
    )
    for line in broken[:5]:
        print("   ", line)
    return plan.travel_minutes, planned


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, nargs="*", default=[5, 10, 30])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--towns", action="store_true", help="town speed in Falun, Borlänge, Ludvika; rural outside"
    )
    parser.add_argument("--visits", type=int, default=60)
    parser.add_argument("--progress", action="store_true", help="print the solver's rounds")
    args = parser.parse_args()
    problem = build(args.seed, TOWNS if args.towns else (), args.visits)
    speeds = "urban/rural speeds" if args.towns else "one average speed"
    print(
        f"Dalarna day (seed {args.seed}, {speeds}): {len(problem.visits)} visits, "
        f"{len(problem.workers)} staff, 3 bases; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"{'planner':16} {'travel':>8} {'planned':>8} {'doses':>7} {'left':>4} "
        f"{'broken':>6} {'seconds':>7} {'cpu':>5}"
    )
    started = time.perf_counter()
    greedy_travel, greedy_planned = report(
        "by hand (greedy)", problem, plan_by_hand(problem), time.perf_counter() - started
    )
    for seconds in args.seconds:
        started, cpu = time.perf_counter(), time.process_time()

        def progress(round_number, rounds, started=started):
            if args.progress:
                print(
                    f"    round {round_number} of {rounds}: {time.perf_counter() - started:.1f} s"
                )

        plan = solve(problem, seconds=seconds, seed=1, progress=progress)
        travel, planned = report(
            f"PyVRP {seconds:g} s",
            problem,
            plan,
            time.perf_counter() - started,
            time.process_time() - cpu,
        )
        saving = (1 - travel / greedy_travel) * 100 if greedy_travel else 0
        print(
            f"    travel {saving:.1f} % less than by hand, "
            f"{planned - greedy_planned:+d} visits planned"
        )


if __name__ == "__main__":
    main()
