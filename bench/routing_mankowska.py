"""Benchmark: home health care routing with skills and double services (Mankowska et al.
2014), the 20 published instances (10–100 patients) against a reference that says what it
is: `opt` = the proven optimum (the 10-patient instances, bench/mankowska_exact.py, stored
in tests/routing/data/mankowska/optimum.json), `bk` = the best known cost otherwise (best of
15 seeds of BRKGA-MP-IPR, Kummer et al. 2021 – a heuristic, not an optimum, rounded to 0.1).

Objective (Mankowska): (travel distance + total tardiness + maximum tardiness) / 3; every
result is re-evaluated by the independent evaluator (skills, every service once, two
different staff for a double service, gaps met) and must be feasible.

    .venv/bin/python bench/routing_mankowska.py [--seconds 10 60] [--sizes 10 25 50 100]
        [--extra ../shared/bench/hhcrsp-mankowska-200 --sizes 50 100 200]

`--extra DIR` adds the instances of DIR with the reference in its `reference.csv`
(`instance,reference_cost,kind`; kind `ub` = a published upper bound that is not the BRKGA
value, see that directory's README). Every result line also gives the CPU seconds the solve
used (`cpu`): on a machine loaded by other work a time limit buys less search than it says,
and the load average is printed at the start and the end.
"""

import argparse
import csv
import json
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hemma.routing import mankowska  # noqa: E402

DATA = ROOT.parent / "shared" / "bench" / "hhcrsp-mankowska"
OPTIMA = ROOT / "tests" / "routing" / "data" / "mankowska" / "optimum.json"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, nargs="*", default=[10, 60])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 25, 50, 100])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=DATA)
    parser.add_argument("--extra", type=Path, nargs="*", default=[])
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # PyVRP's penalty warnings on tight deadlines
    reference = {
        row["instance"]: (float(row["best_known_cost"]), "bk")
        for row in csv.DictReader((args.dir / "best_known.csv").open())
    }
    for name, optimum in json.loads(OPTIMA.read_text())["optima"].items():
        reference[name] = (optimum["cost"], "opt")
    paths = list(args.dir.glob("Instanz*.txt"))
    for extra in args.extra:
        for row in csv.DictReader((extra / "reference.csv").open()):
            reference[row["instance"]] = (float(row["reference_cost"]), row["kind"])
        paths += list(extra.glob("Instanz*.txt"))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"PyVRP + exact local search, seed {args.seed}, "
        f"{'/'.join(f'{s:g}' for s in args.seconds)} s per instance; gap % against the "
        "reference: opt = proven optimum, bk = best known (BRKGA-MP-IPR, best of 15 seeds)"
    )
    header = f"{'instance':26} {'reference':>13}"
    for seconds in args.seconds:
        header += f" {f'{seconds:g} s':>9} {'gap %':>7} {'cpu':>5}"
    print(header + "  feasible")
    gaps: dict[tuple[int, float], list[float]] = {}
    for path in sorted(paths, key=lambda p: (int(p.stem.split("_")[2]), p.stem)):
        size = int(path.stem.split("_")[2])
        if size not in args.sizes:
            continue
        instance = mankowska.read(path)
        value, kind = reference[path.stem]
        shown = f"{value:.3f}" if kind == "opt" else f"{value:.1f}  "  # as published
        line = f"{path.stem:26} {shown:>9} {kind:>3}"
        feasible = True
        for seconds in args.seconds:
            cpu = time.process_time()
            routes = mankowska.solve(instance, seconds=seconds, seed=args.seed)
            cpu = time.process_time() - cpu
            result = mankowska.evaluate(instance, routes)
            feasible &= result.feasible
            gap = (result.cost / value - 1) * 100
            gaps.setdefault((size, seconds), []).append(gap)
            line += f" {result.cost:>9.3f} {round(gap, 2) + 0.0:>7.2f} {cpu:>5.1f}"  # no "-0.00"
        print(line + ("  yes" if feasible else "  NO"), flush=True)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("average gap per size (10 patients: to the optimum; 200: to the upper bound `ub`; ")
    print("others: to the best known):")
    for (size, seconds), values in sorted(gaps.items()):
        print(
            f"  {size:>3} patients, {seconds:g} s: "
            f"{sum(values) / len(values):6.2f} % ({len(values)} instances)"
        )


if __name__ == "__main__":
    main()
