"""Solomon VRPTW instances (Solomon 1987, original text format) for benchmarking the
routing core against the best known solutions. Pure Python."""

import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from pyvrp import Model, Solution
from pyvrp import solve as pyvrp_solve
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import FirstFeasible, MaxRuntime, MultipleCriteria


class BadInstance(ValueError):
    """A malformed file, with the line that is wrong."""


@dataclass(frozen=True)
class Customer:
    number: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True)
class Instance:
    name: str
    vehicles: int
    capacity: int
    customers: list[Customer]  # customers[0] is the depot


def parse(text: str, name: str = "") -> Instance:
    lines = text.splitlines()
    vehicles = capacity = None
    customers: list[Customer] = []
    section = ""
    for number, line in enumerate(lines, start=1):
        words = line.split()
        if not words:
            continue
        if words[0] in ("VEHICLE", "CUSTOMER"):
            section = words[0]
            continue
        if not words[0].lstrip("-").isdigit():
            continue  # headers
        try:
            if section == "VEHICLE":
                vehicles, capacity = int(words[0]), int(words[1])
            elif section == "CUSTOMER":
                values = [float(w) for w in words]
                if len(values) != 7:
                    raise ValueError
                c, x, y, demand, ready, due, service = values
                customers.append(
                    Customer(int(c), x, y, int(demand), int(ready), int(due), int(service))
                )
        except (ValueError, IndexError):
            raise BadInstance(f"line {number}: cannot read {line.strip()!r}") from None
    if vehicles is None or len(customers) < 2:
        raise BadInstance("no VEHICLE or CUSTOMER section")
    return Instance(name or (lines[0].strip() if lines else ""), vehicles, capacity, customers)


def read(path: str | Path) -> Instance:
    path = Path(path)
    return parse(path.read_text(), path.stem)


SCALE = 1000  # PyVRP works in integers: exact Euclidean distances to three decimals


@dataclass
class Result:
    routes: list[list[int]]  # customer numbers per vehicle, depot not listed
    distance: float
    starts: dict[int, float]
    problems: list[str]

    @property
    def vehicles(self) -> int:
        return sum(1 for route in self.routes if route)


def evaluate(instance: Instance, routes: list[list[int]]) -> Result:
    """Recompute a solution independently of the solver: exact Euclidean distances, the
    earliest start in each window, capacity, every customer exactly once."""
    customers = {c.number: c for c in instance.customers}
    depot = instance.customers[0]
    problems, seen, starts, distance = [], set(), {}, 0.0
    for vehicle, route in enumerate(routes):
        here, time, load = depot, 0.0, 0
        for number in route:
            customer = customers.get(number)
            if customer is None or customer is depot:
                problems.append(f"vehicle {vehicle}: no customer {number}")
                continue
            if number in seen:
                problems.append(f"customer {number} visited twice")
            seen.add(number)
            leg = math.dist((here.x, here.y), (customer.x, customer.y))
            distance += leg
            start = max(time + leg, customer.ready)
            if start > customer.due + 1e-6:
                problems.append(f"customer {number} starts {start:.2f} after {customer.due}")
            starts[number] = start
            load += customer.demand
            here, time = customer, start + customer.service
        if route:
            leg = math.dist((here.x, here.y), (depot.x, depot.y))
            distance += leg
            if time + leg > depot.due + 1e-6:
                problems.append(f"vehicle {vehicle} returns after {depot.due}")
        if load > instance.capacity:
            problems.append(f"vehicle {vehicle} carries {load} over {instance.capacity}")
    if sum(1 for r in routes if r) > instance.vehicles:
        problems.append(f"{sum(1 for r in routes if r)} vehicles, only {instance.vehicles}")
    missing = {c.number for c in instance.customers[1:]} - seen
    if missing:
        problems.append(f"customers not visited: {sorted(missing)[:10]}")
    return Result(routes, distance, starts, problems)


def solve_routes(
    instance: Instance,
    seconds: float,
    seed: int = 1,
    vehicles_first: bool = True,
    fleet_share: float = 0.3,
) -> Result:
    """The best solution PyVRP finds within `seconds`, checked by evaluate().
    vehicles_first: the benchmark's hierarchical objective (fewest vehicles, then
    distance; `fleet_share` of the time on the fleet); off, distance alone is minimised."""
    model = Model()
    locations = [model.add_location(x=round(c.x), y=round(c.y)) for c in instance.customers]
    depot_data = instance.customers[0]
    depot = model.add_depot(locations[0], tw_early=0, tw_late=depot_data.due * SCALE)
    model.add_vehicle_type(
        num_available=instance.vehicles,
        capacity=instance.capacity,
        start_depot=depot,
        end_depot=depot,
        tw_late=depot_data.due * SCALE,
    )
    for location, customer in zip(locations[1:], instance.customers[1:], strict=True):
        model.add_client(
            location,
            delivery=customer.demand,
            service_duration=customer.service * SCALE,
            tw_early=customer.ready * SCALE,
            tw_late=customer.due * SCALE,
            name=str(customer.number),
        )
    for a, ca in zip(locations, instance.customers, strict=True):
        for b, cb in zip(locations, instance.customers, strict=True):
            d = 0 if a is b else round(math.dist((ca.x, ca.y), (cb.x, cb.y)) * SCALE)
            model.add_edge(a, b, distance=d, duration=d)
    data = model.data()
    warnings.filterwarnings("ignore", category=PenaltyBoundWarning)  # fleet search probes
    start = None
    if vehicles_first:
        # fewer vehicles for part of the time, then distance with that fleet from there
        data, start = _fewest_vehicles(data, seconds * fleet_share, seed)
        seconds *= 1 - fleet_share
    result = pyvrp_solve(
        data, stop=MaxRuntime(seconds), seed=seed, display=False, initial_solution=start
    )
    routes = [
        [int(data.client(a.idx).name) for a in route.schedule() if a.is_client()]
        for route in result.best.routes()
    ]
    checked = evaluate(instance, routes)
    if not result.best.is_feasible():
        checked.problems.append("PyVRP found no feasible solution in time")
    return checked


def _fewest_vehicles(data, seconds: float, seed: int):
    """PyVRP's fleet minimisation (as pyvrp.minimise_fleet: one vehicle fewer while a
    feasible solution is found), keeping that solution so the distance search starts from it
    instead of from scratch. Returns (data with the smallest fleet found, its solution)."""
    deadline = time.monotonic() + seconds
    demand = sum(client.delivery[0] for client in data.clients())
    lower_bound = max(1, math.ceil(demand / max(1, data.vehicle_type(0).capacity[0])))
    fleet, found = data.vehicle_type(0), None
    while fleet.num_available > lower_bound and time.monotonic() < deadline:
        trial = data.replace(vehicle_types=[fleet.replace(num_available=fleet.num_available - 1)])
        stop = MultipleCriteria([FirstFeasible(), MaxRuntime(deadline - time.monotonic())])
        best = pyvrp_solve(trial, stop=stop, seed=seed, display=False).best
        if not best.is_feasible():
            break
        fleet = fleet.replace(num_available=min(best.num_routes(), fleet.num_available - 1))
        found = [[a.idx for a in route.schedule() if a.is_client()] for route in best.routes()]
    data = data.replace(vehicle_types=[fleet])
    return data, Solution(data, found) if found else None


def solve(
    instance: Instance, seconds: float, seed: int = 1, vehicles_first: bool = True
) -> tuple[int, float]:
    """(vehicles used, total distance) of the best solution found within `seconds`."""
    result = solve_routes(instance, seconds, seed, vehicles_first)
    if result.problems:
        return 0, math.inf
    return result.vehicles, result.distance


def to_json(result: Result) -> dict:
    return {
        "cost": round(result.distance, 6),
        "distance": round(result.distance, 6),
        "vehicles": result.vehicles,
        "tardiness": 0.0,
        "max_tardiness": 0.0,
        "routes": [
            [
                {
                    "node": n,
                    "vehicle": v,
                    "service": 0,
                    "start": round(result.starts.get(n, 0.0), 6),
                }
                for n in route
            ]
            for v, route in enumerate(r for r in result.routes if r)
        ],
        "feasible": not result.problems,
        "problems": result.problems,
    }
