"""Solomon VRPTW instances (Solomon 1987, original text format) for benchmarking the
routing core against the best known solutions. Pure Python."""

import math
from dataclasses import dataclass
from pathlib import Path

from pyvrp import Model
from pyvrp.stop import MaxRuntime


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


def read(path: Path) -> Instance:
    return parse(path.read_text(), path.stem)


SCALE = 1000  # PyVRP works in integers: exact Euclidean distances to three decimals


def solve(
    instance: Instance, seconds: float, seed: int = 1, vehicles_first: bool = True
) -> tuple[int, float]:
    """(vehicles used, total distance) of the best solution found within `seconds`.
    vehicles_first: a large fixed cost per vehicle gives the benchmark's hierarchical
    objective (fewest vehicles, then distance); off, distance alone is minimised."""
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
        fixed_cost=10_000 * SCALE if vehicles_first else 0,
    )
    for location, customer in zip(locations[1:], instance.customers[1:], strict=True):
        model.add_client(
            location,
            delivery=customer.demand,
            service_duration=customer.service * SCALE,
            tw_early=customer.ready * SCALE,
            tw_late=customer.due * SCALE,
        )
    for a, ca in zip(locations, instance.customers, strict=True):
        for b, cb in zip(locations, instance.customers, strict=True):
            d = 0 if a is b else round(math.dist((ca.x, ca.y), (cb.x, cb.y)) * SCALE)
            model.add_edge(a, b, distance=d, duration=d)
    result = model.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    best = result.best
    if not best.is_feasible():
        return 0, math.inf
    return best.num_routes(), best.distance() / SCALE
