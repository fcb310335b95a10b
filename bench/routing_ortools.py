"""Comparison: Google OR-Tools routing (guided local search) on the same Solomon VRPTW
instances as bench/routing_solomon.py, to choose the solver with measurements.

OR-Tools is not a Hemma dependency; run this with any Python that has both packages:

    python -m venv /tmp/ort && /tmp/ort/bin/pip install ortools pyvrp==0.14.1
    /tmp/ort/bin/python bench/routing_ortools.py --seconds 10

Same objective as the PyVRP benchmark: fewest vehicles (a fixed cost per vehicle), then
distance (exact Euclidean, three decimals); every solution is re-checked by Hemma's
independent Solomon evaluator.
"""

import argparse
import csv
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2
except ImportError:  # pragma: no cover - a notice, not a failure
    sys.exit("OR-Tools is not installed here: pip install ortools (see the docstring)")

from hemma.routing.solomon import evaluate, read  # noqa: E402

SCALE = 1000


def solve(instance, seconds: float) -> list[list[int]]:
    customers = instance.customers
    n = len(customers)
    manager = pywrapcp.RoutingIndexManager(n, instance.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    dist = [
        [round(math.dist((a.x, a.y), (b.x, b.y)) * SCALE) for b in customers] for a in customers
    ]

    def distance(i, j):
        return dist[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def travel_time(i, j):
        a = manager.IndexToNode(i)
        return dist[a][manager.IndexToNode(j)] + customers[a].service * SCALE

    arc = routing.RegisterTransitCallback(distance)
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    routing.SetFixedCostOfAllVehicles(10_000 * SCALE)
    timing = routing.RegisterTransitCallback(travel_time)
    horizon = customers[0].due * SCALE
    routing.AddDimension(timing, horizon, horizon, False, "time")
    time_dimension = routing.GetDimensionOrDie("time")
    for node, customer in enumerate(customers):
        if node == 0:
            continue
        index = manager.NodeToIndex(node)
        time_dimension.CumulVar(index).SetRange(customer.ready * SCALE, customer.due * SCALE)
    demand = routing.RegisterUnaryTransitCallback(
        lambda i: customers[manager.IndexToNode(i)].demand
    )
    routing.AddDimensionWithVehicleCapacity(
        demand, 0, [instance.capacity] * instance.vehicles, True, "load"
    )
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return []
    routes = []
    for vehicle in range(instance.vehicles):
        index, route = routing.Start(vehicle), []
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node:
                route.append(customers[node].number)
            index = solution.Value(routing.NextVar(index))
        routes.append(route)
    return routes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--dir", type=Path, default=ROOT.parent / "shared" / "bench" / "solomon")
    args = parser.parse_args()
    best = {row["instance"]: row for row in csv.DictReader((args.dir / "best_known.csv").open())}
    print(f"OR-Tools guided local search, {args.seconds:g} s per instance")
    print(
        f"{'instance':9} {'veh':>4} {'distance':>10} {'best veh':>8} {'best dist':>10} {'gap %':>7}"
    )
    gaps = []
    for path in sorted(args.dir.glob("*.txt")):
        instance = read(path)
        started = time.perf_counter()
        result = evaluate(instance, solve(instance, args.seconds))
        known = best[instance.name]
        gap = (result.distance / float(known["distance"]) - 1) * 100
        same = result.vehicles == int(known["vehicles"])
        if same and not result.problems:
            gaps.append(gap)
        note = "" if not result.problems else "  INFEASIBLE " + result.problems[0]
        print(
            f"{instance.name:9} {result.vehicles:>4} {result.distance:>10.2f} "
            f"{known['vehicles']:>8} {float(known['distance']):>10.2f} {gap:>7.2f}"
            f"  ({time.perf_counter() - started:.1f} s){'' if same else '  vehicles differ'}{note}"
        )
    print(f"average distance gap {sum(gaps) / max(1, len(gaps)):.2f} % over {len(gaps)} instances")


if __name__ == "__main__":
    main()
