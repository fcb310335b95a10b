"""The proven optima of the 10-patient Mankowska instances (OR-Tools CP-SAT, written by
bench/mankowska_exact.py into data/mankowska/optimum.json; OR-Tools is not needed here):
the stored routes are feasible by the independent evaluator and cost what is stored, and
Hemma's solver reaches the optimum on 10_1 within 2 s – the reference docs/routing.md
compares with where the optimum is known."""

import json
from pathlib import Path

import pytest

from hemma.routing import mankowska

DATA = Path(__file__).parent / "data" / "mankowska"
OPTIMA = json.loads((DATA / "optimum.json").read_text())["optima"]
PROVEN = {  # bench/mankowska_exact.py, status OPTIMAL; docs/routing.md quotes these
    "InstanzCPLEX_HCSRP_10_1": 218.199,
    "InstanzCPLEX_HCSRP_10_2": 246.626,
    "InstanzCPLEX_HCSRP_10_3": 305.860,
    "InstanzCPLEX_HCSRP_10_4": 186.897,
    "InstanzCPLEX_HCSRP_10_5": 189.543,
}


def _routes(name: str) -> mankowska.Routes:
    return [[(node, service) for node, service in route] for route in OPTIMA[name]["routes"]]


@pytest.mark.parametrize("name", sorted(PROVEN))
def test_the_stored_optimum_is_feasible_and_reproduces_its_cost(name):
    instance = mankowska.read(DATA / f"{name}.txt")
    result = mankowska.evaluate(instance, _routes(name))
    assert result.feasible, result.problems
    stored = OPTIMA[name]
    assert result.cost == pytest.approx(stored["cost"], abs=1e-6)
    assert result.distance == pytest.approx(stored["distance"], abs=1e-6)
    assert result.tardiness == pytest.approx(stored["tardiness"], abs=1e-6)
    assert result.max_tardiness == pytest.approx(stored["max_tardiness"], abs=1e-6)
    assert round(result.cost, 3) == PROVEN[name]


def test_the_published_brkga_route_of_10_1_costs_more_than_the_optimum():
    instance = mankowska.read(DATA / "InstanzCPLEX_HCSRP_10_1.txt")
    routes = mankowska.parse_solution((DATA / "solution-10-1-1.txt").read_text(), instance)
    published = mankowska.evaluate(instance, routes)
    assert published.feasible
    assert published.cost == pytest.approx(226.978, abs=1e-3)
    assert published.cost > PROVEN["InstanzCPLEX_HCSRP_10_1"] + 8


def test_the_solver_reaches_the_proven_optimum_on_10_1_in_2_seconds():
    instance = mankowska.read(DATA / "InstanzCPLEX_HCSRP_10_1.txt")
    result = mankowska.evaluate(instance, mankowska.solve(instance, seconds=2, seed=1))
    assert result.feasible, result.problems
    assert result.cost == pytest.approx(OPTIMA["InstanzCPLEX_HCSRP_10_1"]["cost"], abs=1e-6)
