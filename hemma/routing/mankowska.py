"""Home health care routing and scheduling with interdependent services (Mankowska, Meisel
and Bierwirth 2014): reader, evaluator and solver for the published benchmark. No Django;
the local search is compiled with Numba (fastsearch.py).

A patient needs one or two services; staff are qualified for some services; a double
service needs two staff whose starts differ by a gap in [mind, maxd] (0/0 = at the same
time). Starting after the window's end is allowed but is tardiness. Objective:
(travel distance + total tardiness + maximum tardiness) / 3.

Long module: the benchmark's file format, its reference evaluator and the solver share
one data model and are checked against each other (tests/routing/test_mankowska*.py)."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .solomon import BadInstance

KEYWORDS = (
    "nbNodes",
    "nbVehi",
    "nbServi",
    "r",
    "DS",
    "a",
    "x",
    "y",
    "d",
    "p",
    "mind",
    "maxd",
    "e",
    "l",
)


@dataclass(frozen=True)
class Instance:
    name: str
    nodes: int  # node 0 and the last node are the depot
    vehicles: int
    services: int
    requires: list[list[int]]  # [node][service] 1 if needed
    double: frozenset[int]  # 0-based patient nodes with a double service
    qualified: list[list[int]]  # [vehicle][service]
    x: list[float]
    y: list[float]
    distance: list[list[float]]
    processing: list[list[list[float]]]  # [node][vehicle][service]
    min_gap: list[float]
    max_gap: list[float]
    earliest: list[float]
    latest: list[float]

    @property
    def patients(self) -> range:
        return range(1, self.nodes - 1)

    def needed(self, node: int) -> list[int]:
        return [s for s in range(self.services) if self.requires[node][s]]

    def tasks(self) -> list[tuple[int, int]]:
        """Every (node, service) that must be done."""
        return [(node, s) for node in self.patients for s in self.needed(node)]


def _blocks(text: str) -> dict[str, list[tuple[int, str]]]:
    """Values after each keyword, each with the line it is on."""
    blocks: dict[str, list[tuple[int, str]]] = {}
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        for word in line.split():
            if word in KEYWORDS:
                current = word
                blocks[current] = []
            elif current is None:
                raise BadInstance(f"line {number}: value {word!r} before the first keyword")
            else:
                blocks[current].append((number, word))
    missing = [k for k in KEYWORDS if k not in blocks]
    if missing:
        raise BadInstance(f"missing block(s): {', '.join(missing)}")
    return blocks


def _numbers(block: list[tuple[int, str]], count: int, keyword: str) -> list[float]:
    values = []
    for number, word in block:
        try:
            values.append(float(word))
        except ValueError:
            raise BadInstance(f"line {number}: {keyword}: {word!r} is not a number") from None
    if len(values) != count:
        where = block[-1][0] if block else "?"
        raise BadInstance(f"line {where}: {keyword}: expected {count} values, found {len(values)}")
    return values


def _rows(values: list[float], width: int) -> list[list[float]]:
    return [values[i : i + width] for i in range(0, len(values), width)]


def parse(text: str, name: str = "") -> Instance:
    blocks = _blocks(text)
    n = int(_numbers(blocks["nbNodes"], 1, "nbNodes")[0])
    v = int(_numbers(blocks["nbVehi"], 1, "nbVehi")[0])
    s = int(_numbers(blocks["nbServi"], 1, "nbServi")[0])
    requires = [[int(x) for x in row] for row in _rows(_numbers(blocks["r"], n * s, "r"), s)]
    double_raw = _numbers(blocks["DS"], len(blocks["DS"]), "DS")
    double = frozenset(int(x) - 1 for x in double_raw)  # the file numbers them from 1
    for (line, _), node in zip(blocks["DS"], sorted(double), strict=False):
        if node not in range(1, n - 1) or sum(requires[node]) != 2:
            raise BadInstance(f"line {line}: DS: node {node + 1} does not need two services")
    qualified = [[int(x) for x in row] for row in _rows(_numbers(blocks["a"], v * s, "a"), s)]
    p_rows = _rows(_numbers(blocks["p"], n * v * s, "p"), s)
    return Instance(
        name=name,
        nodes=n,
        vehicles=v,
        services=s,
        requires=requires,
        double=double,
        qualified=qualified,
        x=_numbers(blocks["x"], n, "x"),
        y=_numbers(blocks["y"], n, "y"),
        distance=_rows(_numbers(blocks["d"], n * n, "d"), n),
        processing=[p_rows[i * v : (i + 1) * v] for i in range(n)],
        min_gap=_numbers(blocks["mind"], n, "mind"),
        max_gap=_numbers(blocks["maxd"], n, "maxd"),
        earliest=_numbers(blocks["e"], n, "e"),
        latest=_numbers(blocks["l"], n, "l"),
    )


def read(path: str | Path) -> Instance:
    path = Path(path)
    return parse(path.read_text(), name=path.stem)


# A solution: per vehicle the ordered (node, service) pairs it does, depot not listed.
Routes = list[list[tuple[int, int]]]


def parse_solution(text: str, instance: Instance) -> Routes:
    """The published format: `<vehicle> <arcs>` then arcs `<from> <to> <vehicle> <service>`."""
    routes: Routes = [[] for _ in range(instance.vehicles)]
    lines = [
        (number, line.split())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    i = 0
    while i < len(lines):
        number, words = lines[i]
        try:
            vehicle, arcs = int(words[0]), int(words[1])
        except (ValueError, IndexError):
            raise BadInstance(f"line {number}: expected '<vehicle> <number of arcs>'") from None
        if not 0 <= vehicle < instance.vehicles:
            raise BadInstance(f"line {number}: no vehicle {vehicle}")
        for number, words in lines[i + 1 : i + 1 + arcs]:
            try:
                _, node, _, service = (int(w) for w in words)
            except ValueError:
                raise BadInstance(f"line {number}: expected four whole numbers") from None
            if node != 0:
                if not 0 < node < instance.nodes - 1 or not 0 <= service < instance.services:
                    raise BadInstance(f"line {number}: no node {node} / service {service}")
                routes[vehicle].append((node, service))
        if i + 1 + arcs > len(lines):
            raise BadInstance(f"line {number}: vehicle {vehicle} announces {arcs} arcs")
        i += 1 + arcs
    return routes


@dataclass
class Evaluation:
    distance: float
    tardiness: float
    max_tardiness: float
    starts: dict[tuple[int, int], float]  # (node, service) -> start
    problems: list[str]

    @property
    def cost(self) -> float:
        return (self.distance + self.tardiness + self.max_tardiness) / 3

    @property
    def feasible(self) -> bool:
        return not self.problems


def _schedule(instance: Instance, routes: Routes) -> tuple[dict, bool]:
    """The earliest start of every service that respects the windows' starts and the
    double-service gaps: walk the routes, push a start that breaks a gap, repeat."""
    floor: dict[tuple[int, int], float] = {}
    pairs = [(node, *instance.needed(node)) for node in instance.double]
    for _ in range(4 * (len(pairs) + 1) + 20):
        starts = {}
        for vehicle, route in enumerate(routes):
            time, here = 0.0, 0
            for node, service in route:
                arrival = time + instance.distance[here][node]
                start = max(arrival, instance.earliest[node], floor.get((node, service), 0.0))
                starts[(node, service)] = start
                time, here = start + instance.processing[node][vehicle][service], node
        pushed = False
        for node, first, second in pairs:
            a, b = starts.get((node, first)), starts.get((node, second))
            if a is None or b is None:
                continue
            if b < a + instance.min_gap[node] - 1e-9:
                floor[(node, second)] = a + instance.min_gap[node]
                pushed = True
            elif b > a + instance.max_gap[node] + 1e-9:
                floor[(node, first)] = b - instance.max_gap[node]
                pushed = True
        if not pushed:
            return starts, True
    return starts, False


def evaluate(instance: Instance, routes: Routes) -> Evaluation:
    problems = []
    done: dict[tuple[int, int], int] = {}
    distance = 0.0
    for vehicle, route in enumerate(routes):
        here = 0
        for node, service in route:
            if not instance.qualified[vehicle][service]:
                problems.append(f"vehicle {vehicle} is not qualified for service {service}")
            if not instance.requires[node][service]:
                problems.append(f"node {node} does not need service {service}")
            if (node, service) in done:
                problems.append(f"node {node} service {service} done twice")
            done[(node, service)] = vehicle
            distance += instance.distance[here][node]
            here = node
        distance += instance.distance[here][0]
    for task in instance.tasks():
        if task not in done:
            problems.append(f"node {task[0]} service {task[1]} not done")
    for node in instance.double:
        first, second = instance.needed(node)
        if (node, first) in done and done.get((node, first)) == done.get((node, second)):
            problems.append(f"node {node}: one staff member cannot do both services")
    starts, settled = _schedule(instance, routes)
    if not settled:
        problems.append("the double-service gaps cannot all be met in this order")
    late = [max(0.0, start - instance.latest[node]) for (node, _), start in starts.items()]
    return Evaluation(distance, sum(late), max(late, default=0.0), starts, problems)


def to_json(instance: Instance, routes: Routes, evaluation: Evaluation) -> dict:
    return {
        "cost": round(evaluation.cost, 6),
        "distance": round(evaluation.distance, 6),
        "tardiness": round(evaluation.tardiness, 6),
        "max_tardiness": round(evaluation.max_tardiness, 6),
        "routes": [
            [
                {
                    "node": node,
                    "vehicle": vehicle,
                    "service": service,
                    "start": round(evaluation.starts.get((node, service), 0.0), 6),
                }
                for node, service in route
            ]
            for vehicle, route in enumerate(routes)
        ],
        "feasible": evaluation.feasible,
        "problems": evaluation.problems,
    }


# --- Solver --------------------------------------------------------------------------
# PyVRP routes the services (each service a client, each skill a load dimension the
# unqualified have no room for, the window's end a deadline it treats as time warp); it knows
# nothing of double-service gaps or tardiness. An iterated local search on the exact
# objective above (relocate and swap moves between qualified staff, random kicks; compiled
# with Numba in fastsearch.py) then repairs and improves what PyVRP cannot see. Both stop at
# the time limit.

SCALE = 1000  # PyVRP works in whole numbers


def _pyvrp_routes(instance: Instance, seconds: float, seed: int, deadlines: bool = True):
    """PyVRP's routes and whether they are feasible for PyVRP. Without deadlines only the
    window starts bind, so a feasible routing always exists."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    model = Model()
    locations = [
        model.add_location(x=round(instance.x[n] * SCALE), y=round(instance.y[n] * SCALE))
        for n in range(instance.nodes - 1)
    ]
    depot = model.add_depot(locations[0])
    tasks = instance.tasks()
    big = len(tasks)
    doubles = sorted(instance.double)
    for vehicle in range(instance.vehicles):
        model.add_vehicle_type(
            capacity=[big if q else 0 for q in instance.qualified[vehicle]] + [1] * len(doubles),
            start_depot=depot,
            end_depot=depot,
            name=str(vehicle),
        )
    for node, service in tasks:
        model.add_client(
            locations[node],
            delivery=[1 if s == service else 0 for s in range(instance.services)]
            + [1 if node == other else 0 for other in doubles],
            service_duration=round(instance.processing[node][0][service] * SCALE),
            tw_early=round(instance.earliest[node] * SCALE),
            tw_late=round(instance.latest[node] * SCALE) if deadlines else 10**12,
            name=f"{node}:{service}",
        )
    for a in range(instance.nodes - 1):
        for b in range(instance.nodes - 1):
            value = round(instance.distance[a][b] * SCALE) if a != b else 0
            model.add_edge(locations[a], locations[b], distance=value, duration=value)
    result = model.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    data = model.data()
    routes: Routes = [[] for _ in range(instance.vehicles)]
    for route in result.best.routes():
        for activity in route.schedule():
            if activity.is_client():
                node, service = data.client(activity.idx).name.split(":")
                routes[route.vehicle_type()].append((int(node), int(service)))
    return routes, result.best.is_feasible()


def _near(instance: Instance, count: int = 40) -> list[set[int]]:
    d = instance.distance
    return [
        set(sorted(instance.patients, key=lambda other: d[node][other])[:count]) | {0}
        for node in range(instance.nodes)
    ]


def _repair(cost, routes: Routes) -> Routes:
    """When the deadlines are too tight PyVRP's best may break a skill or give both halves of
    a double service to one person: move each such service to its cheapest allowed place."""
    instance = cost.instance
    routes = [list(route) for route in routes]
    for v in range(instance.vehicles):
        for task in list(routes[v]):
            node, service = task
            partner = [t for t in routes[v] if t[0] == node and t != task]
            if instance.qualified[v][service] and not partner:
                continue
            routes[v].remove(task)
            options = []
            for w in range(instance.vehicles):
                if not instance.qualified[w][service] or any(t[0] == node for t in routes[w]):
                    continue
                for j in range(len(routes[w]) + 1):
                    trial = [list(route) for route in routes]
                    trial[w].insert(j, task)
                    options.append((cost(trial), w, j))
            _, w, j = min(options)
            routes[w].insert(j, task)
    return routes


def _ordered_by_time(instance: Instance) -> Routes:
    """An always-feasible plan: every staff member takes their services in one global order
    (by window start), so no two staff can wait for each other in a cycle; each service goes
    to the qualified staff member with the least work so far, the halves of a double service
    to two different ones."""
    routes: Routes = [[] for _ in range(instance.vehicles)]
    work = [0.0] * instance.vehicles
    for node in sorted(instance.patients, key=lambda n: (instance.earliest[n], n)):
        used: set[int] = set()
        for service in instance.needed(node):
            options = [
                v
                for v in range(instance.vehicles)
                if instance.qualified[v][service] and v not in used
            ]
            vehicle = min(options, key=lambda v: (work[v], v))
            routes[vehicle].append((node, service))
            work[vehicle] += instance.processing[node][vehicle][service] + 10
            used.add(vehicle)
    return routes


class MissingDependency(RuntimeError):
    """The compiled search needs numba, an optional dependency."""


def _fastsearch():
    """The compiled local search. Imported when a solve starts, not with this module:
    numba is in the optional `bench` extra (`pip install 'hemma[bench]'`), and reading,
    evaluating and the app's visit planning work without it."""
    try:
        from . import fastsearch
    except ImportError as error:
        raise MissingDependency(
            "the Mankowska solver needs numba: pip install 'hemma[bench]'"
        ) from error
    return fastsearch


class _Fast:
    """The instance as arrays for the compiled search (fastsearch.py), and its objective on
    plain routes (with `instance`, as _repair needs)."""

    def __init__(self, instance: Instance):
        self.instance = instance
        self.tasks = instance.tasks()
        index = {task: i for i, task in enumerate(self.tasks)}
        pairs = [(node, *instance.needed(node)) for node in sorted(instance.double)]
        near = np.zeros((instance.nodes, instance.nodes), dtype=np.bool_)
        for node, close in enumerate(_near(instance, 40)):
            near[node, sorted(close)] = True
        self.data = (
            np.array(instance.distance, dtype=np.float64),
            np.array(instance.earliest, dtype=np.float64),
            np.array(instance.latest, dtype=np.float64),
            np.array([node for node, _ in self.tasks], dtype=np.int64),
            np.array(  # [vehicle, task]: processing times may differ between staff
                [
                    [instance.processing[n][v][s] for n, s in self.tasks]
                    for v in range(instance.vehicles)
                ],
                dtype=np.float64,
            ),
            np.array([index[(node, a)] for node, a, _ in pairs], dtype=np.int64),
            np.array([index[(node, b)] for node, _, b in pairs], dtype=np.int64),
            np.array([instance.min_gap[node] for node, *_ in pairs], dtype=np.float64),
            np.array([instance.max_gap[node] for node, *_ in pairs], dtype=np.float64),
            np.array(
                [[bool(q[s]) for _, s in self.tasks] for q in instance.qualified], dtype=np.bool_
            ),
            near,
        )
        self.index = index

    def arrays(self, routes: Routes):
        route = np.zeros((self.instance.vehicles, len(self.tasks) + 1), dtype=np.int64)
        length = np.zeros(self.instance.vehicles, dtype=np.int64)
        for v, tasks in enumerate(routes):
            route[v, : len(tasks)] = [self.index[task] for task in tasks]
            length[v] = len(tasks)
        return route, length

    def routes(self, route, length) -> Routes:
        return [[self.tasks[t] for t in route[v, : length[v]]] for v in range(len(length))]

    def __call__(self, routes: Routes) -> float:
        return _fastsearch().cost(*self.arrays(routes), self.data)


BUDGET = 20_000  # evaluations between looks at the clock (a few milliseconds)


def _descend_fast(fast: _Fast, route, length, value: float, deadline: float) -> float:
    import time

    fastsearch = _fastsearch()
    while True:
        value, done = fastsearch.improve(route, length, value, fast.data, BUDGET)
        if done or time.monotonic() >= deadline:
            return value


def solve(instance: Instance, seconds: float = 10.0, seed: int = 1, progress=None) -> Routes:
    """The best plan found within `seconds`; always feasible (skills, every service once,
    double services by two staff with their gaps met) – if the search ends on an order that
    deadlocks a gap, the best feasible plan seen is returned, at worst the time-ordered one.
    PyVRP gives the first routes, the compiled local search (iterated: random kicks, then
    descent) improves them."""
    import random
    import time

    rng = random.Random(seed)  # noqa: S311 – search, not security
    deadline = time.monotonic() + seconds
    fastsearch = _fastsearch()
    fastsearch.seed(seed)
    fast = _Fast(instance)
    fallback = _ordered_by_time(instance)
    safe, safe_value = fallback, fast(fallback)
    routes, _ = _pyvrp_routes(instance, max(0.5, seconds * 0.3), seed)
    routes = _repair(fast, routes)
    route, length = fast.arrays(routes)
    current = fast(routes)
    if safe_value < current:
        # PyVRP's order deadlocks a gap: improve both starts, half the remaining time each,
        # and go on from the better (the time-ordered one is always feasible).
        halfway = time.monotonic() + (deadline - time.monotonic()) / 2
        current = _descend_fast(fast, route, length, current, halfway)
        other_route, other_length = fast.arrays(fallback)
        other = _descend_fast(fast, other_route, other_length, safe_value, deadline)
        if other < current:
            route, length, current = other_route, other_length, other
    else:
        current = _descend_fast(fast, route, length, current, deadline)
    best_route, best_length, best = route, length, current
    while time.monotonic() < deadline:
        route, length = best_route.copy(), best_length.copy()
        fastsearch.kick(route, length, fast.data, rng.randint(2, 4))
        value = fastsearch.cost(route, length, fast.data)
        value = _descend_fast(fast, route, length, value, deadline)
        if value < best - 1e-9:
            best_route, best_length, best = route, length, value
            if progress:
                progress(best)
    best_routes = fast.routes(best_route, best_length)
    if best < safe_value and evaluate(instance, best_routes).feasible:
        return best_routes
    return safe if evaluate(instance, safe).feasible else fallback
