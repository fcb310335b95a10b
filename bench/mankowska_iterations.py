"""Benchmark: the compiled Mankowska search per iteration, not per wall second – a loaded
machine makes time-limited gaps pessimistic, so this runs a fixed amount of search and
prints its result and CPU time: from the time-ordered plan one descent, then `--kicks`
random kicks each followed by a descent (no clock, no PyVRP; deterministic for a seed).
Two versions of the search give the same result when they make the same moves, so comparing
their CPU seconds compares their speed exactly.

    .venv/bin/python bench/mankowska_iterations.py PATH [PATH ...] [--kicks 30] [--root DIR]

`--root DIR`: import `hemma` from DIR (a copy of an earlier version) instead of this checkout.
"""

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", type=Path, nargs="+")
    parser.add_argument("--kicks", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args()
    sys.path.insert(0, str(args.root))
    from hemma.routing import mankowska  # noqa: PLC0415 – from --root

    fastsearch = mankowska._fastsearch()  # noqa: SLF001
    for path in args.paths:
        instance = mankowska.read(path)
        fast = mankowska._Fast(instance)  # noqa: SLF001
        start = mankowska._ordered_by_time(instance)  # noqa: SLF001
        route, length = fast.arrays(start)
        fastsearch.improve(route, length, fast(start), fast.data, 10)  # compile first
        fastsearch.seed(args.seed)
        rng = random.Random(args.seed)  # noqa: S311 – search, not security
        route, length = fast.arrays(start)
        cpu = time.process_time()
        best, _ = fastsearch.improve(route, length, fast(start), fast.data, 10**15)
        for _ in range(args.kicks):
            trial_route, trial_length = route.copy(), length.copy()
            fastsearch.kick(trial_route, trial_length, fast.data, rng.randint(2, 4))
            value = fastsearch.cost(trial_route, trial_length, fast.data)
            value, _ = fastsearch.improve(trial_route, trial_length, value, fast.data, 10**15)
            if value < best - 1e-9:
                route, length, best = trial_route, trial_length, value
        cpu = time.process_time() - cpu
        result = mankowska.evaluate(instance, fast.routes(route, length))
        print(
            f"{path.stem:26} kicks {args.kicks}: cost {best:.3f} (evaluator {result.cost:.3f}, "
            f"feasible {'yes' if result.feasible else 'NO'}), CPU {cpu:.1f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
