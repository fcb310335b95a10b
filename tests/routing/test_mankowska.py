"""The Mankowska et al. (2014) home health care benchmark: the evaluator reproduces the
published costs of three solutions to the third decimal; the solver's result is feasible
by the evaluator (skills, every service once, two different staff for a double service,
gaps met); malformed files name the line; the `hemma plan` / `hemma evaluate` tools."""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from hemma.routing import fastsearch, mankowska
from hemma.routing.solomon import BadInstance

DATA = Path(__file__).parent / "data" / "mankowska"
PUBLISHED = [
    ("InstanzCPLEX_HCSRP_10_1", "solution-10-1-1", 226.978, 680.934, 0.0, 0.0),
    ("InstanzCPLEX_HCSRP_50_1", "solution-50-1-1", 965.154, 1734.169, 970.475, 190.818),
    ("InstanzVNS_HCSRP_100_1", "solution-100-1-1", 1368.227, 2853.346, 1027.452, 223.883),
]


@pytest.mark.parametrize(("name", "solution", "cost", "distance", "tardy", "worst"), PUBLISHED)
def test_the_evaluator_reproduces_the_published_costs(name, solution, cost, distance, tardy, worst):
    instance = mankowska.read(DATA / f"{name}.txt")
    routes = mankowska.parse_solution((DATA / f"{solution}.txt").read_text(), instance)
    result = mankowska.evaluate(instance, routes)
    assert result.feasible, result.problems
    assert round(result.cost, 3) == cost
    assert round(result.distance, 3) == distance
    assert round(result.tardiness, 3) == tardy
    assert round(result.max_tardiness, 3) == worst


def test_the_instance_is_read_with_one_based_double_services():
    instance = mankowska.read(DATA / "InstanzCPLEX_HCSRP_10_1.txt")
    assert (instance.nodes, instance.vehicles, instance.services) == (12, 3, 6)
    # the file's DS block says 11 10 9: nodes 10, 9 and 8 counted from 0
    assert instance.double == {8, 9, 10}
    assert all(len(instance.needed(node)) == 2 for node in instance.double)
    assert instance.processing[3][2][0] == 14.0


def test_the_evaluator_finds_broken_rules():
    instance = mankowska.read(DATA / "InstanzCPLEX_HCSRP_10_1.txt")
    routes = mankowska.parse_solution((DATA / "solution-10-1-1.txt").read_text(), instance)
    # vehicle 1 (qualified for services 4 and 5 only) takes over vehicle 0's first service
    broken = [list(route) for route in routes]
    broken[1].insert(0, broken[0].pop(0))
    problems = mankowska.evaluate(instance, broken).problems
    assert any("not qualified" in p for p in problems)
    # both halves of double-service node 10 on one staff member, one service forgotten
    node10 = [t for route in routes for t in route if t[0] == 10]
    merged = [[t for t in route if t[0] != 10] for route in routes]
    merged[0] += node10
    merged[2] = merged[2][:-1]
    problems = mankowska.evaluate(instance, merged).problems
    assert any("cannot do both" in p for p in problems)
    assert any("not done" in p for p in problems)


def test_the_gap_of_a_double_service_is_kept_in_the_schedule():
    instance = mankowska.read(DATA / "InstanzCPLEX_HCSRP_10_1.txt")
    routes = mankowska.parse_solution((DATA / "solution-10-1-1.txt").read_text(), instance)
    starts = mankowska.evaluate(instance, routes).starts
    for node in instance.double:
        first, second = instance.needed(node)
        between = starts[(node, second)] - starts[(node, first)]
        assert instance.min_gap[node] - 1e-6 <= between <= instance.max_gap[node] + 1e-6


def test_a_malformed_file_names_the_line():
    text = (DATA / "InstanzCPLEX_HCSRP_10_1.txt").read_text().splitlines()
    x_line = text.index("x") + 1
    text[x_line] = text[x_line].replace("47", "forty-seven")
    with pytest.raises(BadInstance, match=f"line {x_line + 1}: x: 'forty-seven' is not a number"):
        mankowska.parse("\n".join(text))
    short = (DATA / "InstanzCPLEX_HCSRP_10_1.txt").read_text().replace("e\n0  345", "e\n345")
    with pytest.raises(BadInstance, match="e: expected 12 values, found 11"):
        mankowska.parse(short)
    with pytest.raises(BadInstance, match="missing block"):
        mankowska.parse("nbNodes 3")
    instance = mankowska.read(DATA / "InstanzCPLEX_HCSRP_10_1.txt")
    with pytest.raises(BadInstance, match="line 2: no node 40"):
        mankowska.parse_solution("0 1\n0 40 0 1\n", instance)


def _hemma(*args):
    return subprocess.run(
        [sys.executable, "-m", "hemma.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_hemma_evaluate_prints_the_published_cost_as_json():
    result = _hemma(
        "evaluate",
        "--format",
        "mankowska",
        str(DATA / "InstanzCPLEX_HCSRP_10_1.txt"),
        str(DATA / "solution-10-1-1.txt"),
    )
    output = json.loads(result.stdout)
    assert round(output["cost"], 3) == 226.978 and output["feasible"] is True
    assert set(output) >= {"cost", "distance", "tardiness", "max_tardiness", "routes"}
    first = output["routes"][0][0]
    assert first == {"node": 10, "vehicle": 0, "service": 2, "start": first["start"]}


def test_hemma_plan_prints_a_feasible_plan_and_a_bad_file_gives_a_clear_error(tmp_path):
    result = _hemma(
        "plan", "--format", "mankowska", str(DATA / "InstanzCPLEX_HCSRP_10_1.txt"), "--seconds", "1"
    )
    output = json.loads(result.stdout)
    assert output["feasible"] is True and len(output["routes"]) == 3
    served = sorted((s["node"], s["service"]) for route in output["routes"] for s in route)
    instance = mankowska.read(DATA / "InstanzCPLEX_HCSRP_10_1.txt")
    assert served == sorted(instance.tasks())
    bad = tmp_path / "bad.txt"
    bad.write_text((DATA / "InstanzCPLEX_HCSRP_10_1.txt").read_text().replace("12", "three", 1))
    result = _hemma("plan", "--format", "mankowska", str(bad))
    assert result.returncode == 1 and "line 2" in json.loads(result.stdout)["error"]


def test_the_time_ordered_plan_is_feasible_on_every_shipped_instance():
    for path in sorted(DATA.glob("Instanz*.txt")):
        instance = mankowska.read(path)
        result = mankowska.evaluate(instance, mankowska._ordered_by_time(instance))  # noqa: SLF001
        assert result.feasible, (path.stem, result.problems)


def test_the_compiled_objective_equals_the_evaluator():
    """fastsearch.cost is what the search minimises: on every feasible order it must be the
    published objective, and an order that breaks a rule must cost more than any plan."""
    instance = mankowska.read(DATA / "InstanzCPLEX_HCSRP_50_1.txt")
    fast = mankowska._Fast(instance)  # noqa: SLF001
    published = mankowska.parse_solution((DATA / "solution-50-1-1.txt").read_text(), instance)
    assert fast(published) == pytest.approx(965.154, abs=1e-3)
    rng = random.Random(3)
    route, length = fast.arrays(published)
    feasible = broken = 0
    for _ in range(300):
        trial_route, trial_length = route.copy(), length.copy()
        fastsearch.kick(trial_route, trial_length, fast.data, rng.randint(1, 4))
        routes = fast.routes(trial_route, trial_length)
        expected = mankowska.evaluate(instance, routes)
        value = fastsearch.cost(trial_route, trial_length, fast.data)
        if expected.feasible:
            feasible += 1
            assert value == pytest.approx(expected.cost, rel=1e-9)
        else:
            broken += 1
            assert value > 10_000
    assert feasible > 50 and broken > 10  # both kinds were tried


def test_the_compiled_descent_only_improves_and_keeps_every_service():
    instance = mankowska.read(DATA / "InstanzCPLEX_HCSRP_50_1.txt")
    fast = mankowska._Fast(instance)  # noqa: SLF001
    start = mankowska._ordered_by_time(instance)  # noqa: SLF001
    route, length = fast.arrays(start)
    before = fast(start)
    fastsearch.seed(1)
    after, done = fastsearch.improve(route, length, before, fast.data, 10**9)
    routes = fast.routes(route, length)
    assert done and after < before
    assert sorted(task for tasks in routes for task in tasks) == sorted(instance.tasks())
    result = mankowska.evaluate(instance, routes)
    assert result.feasible and result.cost == pytest.approx(after, rel=1e-9)


def test_100_patients_within_5_per_cent_of_the_best_known_in_10_seconds():
    instance = mankowska.read(DATA / "InstanzVNS_HCSRP_100_1.txt")
    result = mankowska.evaluate(instance, mankowska.solve(instance, seconds=10))
    assert result.feasible, result.problems
    assert result.cost <= 1318.9 * 1.05  # best known
