"""Benchmark: the routing core (PyVRP) on Solomon VRPTW against the best known solutions.

Reads ../shared/bench/solomon/*.txt and best_known.csv (exact Euclidean distances, fewest
vehicles first) and prints vehicles, distance and the distance gap per instance.

    .venv/bin/python bench/routing_solomon.py [--seconds 10] [--dir ../shared/bench/solomon]
"""

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hemma.routing.solomon import read, solve  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--distance-only", action="store_true", help="no fleet minimisation")
    parser.add_argument("--dir", type=Path, default=ROOT.parent / "shared" / "bench" / "solomon")
    args = parser.parse_args()
    best = {row["instance"]: row for row in csv.DictReader((args.dir / "best_known.csv").open())}
    objective = "distance only" if args.distance_only else "fewest vehicles, then distance"
    print(f"PyVRP 0.14, {args.seconds:g} s per instance, seed 1, {objective}")
    print(
        f"{'instance':9} {'veh':>4} {'distance':>10} {'best veh':>8} {'best dist':>10} {'gap %':>7}"
    )
    gaps, more_vehicles = [], []
    for path in sorted(args.dir.glob("*.txt")):
        instance = read(path)
        started = time.perf_counter()
        vehicles, distance = solve(instance, args.seconds, vehicles_first=not args.distance_only)
        known = best[instance.name]
        gap = (distance / float(known["distance"]) - 1) * 100
        if vehicles > int(known["vehicles"]) and not args.distance_only:
            more_vehicles.append(instance.name)
        else:
            gaps.append(gap)
        took = time.perf_counter() - started
        print(
            f"{instance.name:9} {vehicles:>4} {distance:>10.2f} {known['vehicles']:>8} "
            f"{float(known['distance']):>10.2f} {gap:>7.2f}  ({took:.1f} s)"
        )
    print(
        f"average distance gap {sum(gaps) / max(1, len(gaps)):.2f} % over {len(gaps)} instances"
        f" with the best known number of vehicles; more vehicles: {', '.join(more_vehicles) or '-'}"
    )


if __name__ == "__main__":
    main()
