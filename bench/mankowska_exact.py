"""Proven optimum of the 10-patient Mankowska et al. (2014) instances with OR-Tools CP-SAT,
so the benchmark compares Hemma with the optimum where it is known, not only with the best
published (heuristic) costs.

OR-Tools is not a Hemma dependency; run this with a separate virtualenv that has OR-Tools
and PyVRP (hemma.routing.mankowska reads and evaluates without Django and without numba,
but imports hemma.routing.solomon, which imports PyVRP):

    python3 -m venv /tmp/ortools-venv
    /tmp/ortools-venv/bin/pip install ortools numpy pyvrp==0.14.1
    /tmp/ortools-venv/bin/python bench/mankowska_exact.py [--write-json]

Hemma's column runs `mankowska.solve(instance, seconds, seed=1)`; it needs numba, so when
the venv has none it runs `hemma plan --format mankowska` with the project's own venv
(`--hemma-python`, default .venv/bin/python). `--write-json` stores the optimal routes in
tests/routing/data/mankowska/optimum.json, which a test re-checks without OR-Tools.

The model (exactly Mankowska's problem, as `mankowska.evaluate` scores it):
- one circuit per staff member through the depot and the (patient, service) tasks that
  staff member is qualified for; a task left out of a circuit is a self-loop; each task is
  in exactly one circuit; the two tasks of a double-service patient in two different ones;
- a start time per task: not before the window's start e; if staff member v goes from task
  i to task j, start(j) >= start(i) + p[node i][v][service i] + d[i][j] (waiting allowed);
  the first task of a route starts no earlier than d[depot][j] (leaving the depot at 0);
- double service s1 < s2 at a patient: start(s2) - start(s1) in [mind, maxd];
- tardiness of a task = max(0, start - l); objective (total distance + total tardiness +
  maximum tardiness) / 3; no limit on the return to the depot (the evaluator has none).

Start times are free (CP-SAT may delay a start) while the evaluator takes the earliest
schedule of the routes. Both give the same optimum: every constraint above has the form
start(x) >= start(y) + c or start(x) >= c, so for fixed routes the feasible start times are
closed under the componentwise minimum and have a least element – the earliest schedule –
and tardiness only grows with start times. Every optimum found is re-scored by
`mankowska.evaluate` (must be feasible and cost the same to 1e-6).

Exactness: all data are whole numbers except the distances, which the files give with at
most 7 decimals; times and costs are scaled by 10^7 (checked on the file's own text, so an
eighth decimal would stop the run), which makes the integer model the file's problem
exactly, and OPTIMAL with a zero gap limit is a proof of optimality, not an approximation.
"""

import argparse
import csv
import json
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:
    from ortools.sat.python import cp_model
except ImportError:  # pragma: no cover - a notice, not a failure
    sys.exit("OR-Tools is not installed here: see the docstring for the separate venv")

from hemma.routing import mankowska  # noqa: E402

DATA = ROOT.parent / "shared" / "bench" / "hhcrsp-mankowska"
OPTIMUM_JSON = ROOT / "tests" / "routing" / "data" / "mankowska" / "optimum.json"
SCALE = 10**7  # the files give distances with at most 7 decimals


def check_scale(path: Path) -> None:
    """Every number in the file is a whole multiple of 1/SCALE, so scaling is exact."""
    for word in path.read_text().split():
        if (word[0].isdigit() or word[0] in "-.") and (Decimal(word) * SCALE) % 1:
            sys.exit(f"{path.name}: {word} has more than 7 decimals; raise SCALE")


def scaled(value: float) -> int:
    result = round(value * SCALE)
    assert abs(value * SCALE - result) < 1e-3, value
    return result


def build(instance: mankowska.Instance):
    model = cp_model.CpModel()
    tasks = instance.tasks()
    d = [[scaled(x) for x in row] for row in instance.distance]
    # A start never needs to be later than the longest chain of lower bounds.
    horizon = scaled(
        max(instance.earliest)
        + sum(
            max(instance.processing[n][v][s] for v in range(instance.vehicles))
            + max(instance.distance[n])
            for n, s in tasks
        )
        + sum(instance.min_gap[n] for n in instance.double)
        + max(max(row) for row in instance.distance)
    )
    start = [
        model.new_int_var(scaled(instance.earliest[n]), horizon, f"start_{n}_{s}") for n, s in tasks
    ]
    late = [model.new_int_var(0, horizon, f"late_{n}_{s}") for n, s in tasks]
    worst = model.new_int_var(0, horizon, "worst")
    for k, (n, _) in enumerate(tasks):
        model.add(late[k] >= start[k] - scaled(instance.latest[n]))
        model.add(worst >= late[k])
    visits = {}  # (vehicle, task) -> literal
    arcs = {}  # (vehicle, i, j) -> literal, i/j task index + 1, 0 = depot
    travel = []
    for v in range(instance.vehicles):
        allowed = [k for k, (_, s) in enumerate(tasks) if instance.qualified[v][s]]
        circuit = []
        used = model.new_bool_var(f"used_{v}")
        circuit.append((0, 0, ~used))
        for k in allowed:
            visits[(v, k)] = model.new_bool_var(f"visit_{v}_{k}")
            circuit.append((k + 1, k + 1, ~visits[(v, k)]))
            model.add_implication(visits[(v, k)], used)
        for i in [None, *allowed]:
            for j in [None, *allowed]:
                if i == j:
                    continue
                a = 0 if i is None else tasks[i][0]
                b = 0 if j is None else tasks[j][0]
                if i is not None and j is not None and a == b:
                    continue  # the two halves of a double service are never on one route
                literal = model.new_bool_var(f"arc_{v}_{i}_{j}")
                arcs[(v, i, j)] = literal
                circuit.append((0 if i is None else i + 1, 0 if j is None else j + 1, literal))
                travel.append(d[a][b] * literal)
                if j is None:
                    continue  # back to the depot: no time limit
                if i is None:
                    model.add(start[j] >= d[0][b]).only_enforce_if(literal)
                else:
                    service = scaled(instance.processing[a][v][tasks[i][1]])
                    model.add(start[j] >= start[i] + service + d[a][b]).only_enforce_if(literal)
        model.add_circuit(circuit)
    for k in range(len(tasks)):
        model.add_exactly_one(visits[(v, k)] for v in range(instance.vehicles) if (v, k) in visits)
    index = {task: k for k, task in enumerate(tasks)}
    for n in instance.double:
        first, second = (index[(n, s)] for s in instance.needed(n))
        gap = start[second] - start[first]
        model.add(gap >= scaled(instance.min_gap[n]))
        model.add(gap <= scaled(instance.max_gap[n]))
        for v in range(instance.vehicles):
            if (v, first) in visits and (v, second) in visits:
                model.add_bool_or([~visits[(v, first)], ~visits[(v, second)]])
    model.minimize(sum(travel) + sum(late) + worst)
    return model, tasks, arcs


def solve_exact(instance: mankowska.Instance, seconds: float, workers: int) -> dict:
    model, tasks, arcs = build(instance)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.relative_gap_limit = 0.0
    solver.parameters.absolute_gap_limit = 0.0
    began = time.monotonic()
    status = solver.solve(model)
    wall = time.monotonic() - began
    result = {"status": solver.status_name(status), "seconds": round(wall, 2)}
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return result
    routes: mankowska.Routes = []
    for v in range(instance.vehicles):
        route, here = [], None
        while True:
            here = next(
                j
                for (w, i, j), literal in arcs.items()
                if w == v and i == here and solver.boolean_value(literal)
            )
            if here is None:
                break
            route.append(tasks[here])
        routes.append(route)
    result.update(
        routes=routes,
        objective=solver.objective_value / SCALE / 3,
        bound=solver.best_objective_bound / SCALE / 3,
    )
    return result


def hemma_cost(instance, path: Path, seconds: float, seed: int, python: Path) -> float | None:
    """Hemma's own solver, in this process when numba is here, else in the project's venv."""
    try:
        routes = mankowska.solve(instance, seconds=seconds, seed=seed)
        result = mankowska.evaluate(instance, routes)
        assert result.feasible, result.problems
        return result.cost
    except mankowska.MissingDependency:
        pass
    if not python.exists():
        return None
    command = [str(python), "-m", "hemma.cli", "plan", "--format", "mankowska", str(path)]
    command += ["--seconds", f"{seconds:g}", "--seed", str(seed)]
    output = subprocess.run(  # noqa: S603 – our own venv and CLI
        command, capture_output=True, text=True, cwd=ROOT, check=True
    )
    plan = json.loads(output.stdout)
    assert plan["feasible"], plan["problems"]
    return plan["cost"]


def percent(value: float, reference: float) -> float:
    return round((value / reference - 1) * 100, 2) + 0.0  # no "-0.00"


def dump(document: dict) -> str:
    """JSON with one line per route."""
    text = json.dumps(document, indent=1)
    text = re.sub(r"\[\s+(\d+),\s+(\d+)\s+\]", r"[\1, \2]", text)  # a task
    return re.sub(  # a route
        r"\[\s+((?:\[\d+, \d+\],?\s*)+)\]",
        lambda m: "[" + re.sub(r",\s+", ", ", m.group(1).strip()) + "]",
        text,
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, default=DATA)
    parser.add_argument("--instances", nargs="*", default=[f"10_{k}" for k in range(1, 6)])
    parser.add_argument("--limit", type=float, default=600, help="CP-SAT seconds per instance")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hemma-seconds", type=float, default=10, help="0: skip Hemma")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hemma-python", type=Path, default=ROOT / ".venv" / "bin" / "python")
    parser.add_argument("--write-json", action="store_true", help=f"write {OPTIMUM_JSON.name}")
    args = parser.parse_args()
    best = {
        row["instance"]: float(row["best_known_cost"])
        for row in csv.DictReader((args.dir / "best_known.csv").open())
    }
    print(f"CP-SAT (OR-Tools), {args.workers} workers; Hemma {args.hemma_seconds:g} s, seed 1")
    print(
        f"{'instance':26} {'optimum':>9} {'status':>8} {'CP-SAT s':>9} "
        f"{'BRKGA':>7} {'gap %':>6} {'Hemma':>9} {'gap %':>6}"
    )
    stored = {}
    for name in args.instances:
        path = args.dir / f"InstanzCPLEX_HCSRP_{name}.txt"
        check_scale(path)
        instance = mankowska.read(path)
        exact = solve_exact(instance, args.limit, args.workers)
        if "routes" not in exact:
            print(f"{path.stem:26} {'-':>9} {exact['status']:>8} {exact['seconds']:>9.1f}")
            continue
        check = mankowska.evaluate(instance, exact["routes"])
        assert check.feasible, (path.stem, check.problems)
        assert abs(check.cost - exact["objective"]) < 1e-6, (check.cost, exact["objective"])
        optimum = check.cost
        known = best[path.stem]
        hemma = None
        if args.hemma_seconds > 0:
            hemma = hemma_cost(instance, path, args.hemma_seconds, args.seed, args.hemma_python)
        line = (
            f"{path.stem:26} {optimum:>9.3f} {exact['status']:>8} {exact['seconds']:>9.1f} "
            f"{known:>7.1f} {percent(known, optimum):>6.2f}"
        )
        if hemma is not None:
            line += f" {hemma:>9.3f} {percent(hemma, optimum):>6.2f}"
        print(line, flush=True)
        if exact["status"] == "OPTIMAL":
            stored[path.stem] = {
                "cost": round(check.cost, 6),
                "distance": round(check.distance, 6),
                "tardiness": round(check.tardiness, 6),
                "max_tardiness": round(check.max_tardiness, 6),
                "cp_sat_seconds": exact["seconds"],
                "routes": [[[n, s] for n, s in route] for route in exact["routes"]],
            }
    print("gap % = (value / optimum - 1) x 100; optimum re-scored by mankowska.evaluate;")
    print("BRKGA = best_known.csv, rounded there to 0.1 (hence a gap of -0.01 %)")
    if args.write_json:
        document = {
            "about": (
                "Proven optima (OR-Tools CP-SAT, status OPTIMAL, exact integer model scaled "
                "by 10^7) of the 10-patient Mankowska instances, written by "
                "bench/mankowska_exact.py --write-json. routes: per staff member the "
                "ordered [node, service] pairs, depot not listed."
            ),
            "optima": stored,
        }
        OPTIMUM_JSON.write_text(dump(document) + "\n")
        print(f"wrote {OPTIMUM_JSON.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
