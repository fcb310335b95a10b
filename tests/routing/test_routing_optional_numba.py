"""Issue 15: numba is a benchmark-only dependency (the `bench` extra): the app, its visit
planning and `hemma plan --format solomon` work without it, and the Mankowska solver says
what to install; and the compiled search uses each staff member's own processing times."""

import dataclasses
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from hemma.routing import fastsearch, mankowska

DATA = Path(__file__).parent / "data" / "mankowska"
ROOT = Path(__file__).resolve().parents[2]

WITHOUT_NUMBA = """
import sys
sys.modules["numba"] = None  # as if not installed: `import numba` raises ImportError
"""


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_NUMBA + code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_every_module_of_the_app_imports_without_numba():
    result = _run(
        """
import os, pkgutil, importlib
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hemma.settings")
os.environ["DATABASE_URL"] = "sqlite://:memory:"
import django
django.setup()
import hemma
skipped = {"hemma.routing.fastsearch"}
names = [m.name for m in pkgutil.walk_packages(hemma.__path__, "hemma.")]
for name in names:
    if name not in skipped and ".migrations." not in name:
        importlib.import_module(name)
import hemma.urls
print(len(names))
"""
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip()) > 100


def test_visit_planning_solves_without_numba():
    """The day planner (PyVRP) behind Planera dagen, on twelve visits and two nurses."""
    result = _run(
        """
from hemma.routing.check import violations
from hemma.routing.solve import solve
from tests.routing.test_routing import problem
built = problem()
plan = solve(built, seconds=1)
assert violations(built, plan) == []
print(sum(len(stops) for stops in plan.routes.values()))
"""
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip()) >= 1


def test_hemma_plan_without_numba_solves_solomon_and_explains_mankowska(tmp_path):
    mankowska_run = _run(
        f"""
from hemma.cli import main
sys.argv = ["hemma", "plan", "--format", "mankowska", {str(DATA / "InstanzCPLEX_HCSRP_10_1.txt")!r}]
sys.exit(main())
"""
    )
    assert mankowska_run.returncode == 1
    assert "hemma[bench]" in json.loads(mankowska_run.stdout)["error"]
    evaluate_run = _run(
        f"""
from hemma.cli import main
sys.argv = ["hemma", "evaluate", "--format", "mankowska",
            {str(DATA / "InstanzCPLEX_HCSRP_10_1.txt")!r}, {str(DATA / "solution-10-1-1.txt")!r}]
sys.exit(main())
"""
    )
    assert evaluate_run.returncode == 0, evaluate_run.stderr[-2000:]
    assert round(json.loads(evaluate_run.stdout)["cost"], 3) == 226.978


def _with_slow_staff(instance: mankowska.Instance) -> mankowska.Instance:
    """Staff 1 takes twice as long, staff 2 half as long, for every service."""
    factor = {0: 1.0, 1: 2.0, 2: 0.5}
    processing = [
        [[time * factor.get(v, 1.0) for time in staff] for v, staff in enumerate(node)]
        for node in instance.processing
    ]
    return dataclasses.replace(instance, processing=processing)


def test_the_compiled_search_uses_each_staff_members_processing_times():
    """With the first staff member's times for everyone (as before), the compiled cost of
    plans differs from the evaluator as soon as staff differ."""
    instance = _with_slow_staff(mankowska.read(DATA / "InstanzCPLEX_HCSRP_10_1.txt"))
    fast = mankowska._Fast(instance)  # noqa: SLF001
    start = mankowska._ordered_by_time(instance)  # noqa: SLF001
    route, length = fast.arrays(start)
    rng = random.Random(5)
    compared = 0
    for _ in range(200):
        trial_route, trial_length = route.copy(), length.copy()
        fastsearch.kick(trial_route, trial_length, fast.data, rng.randint(1, 4))
        routes = fast.routes(trial_route, trial_length)
        expected = mankowska.evaluate(instance, routes)
        if expected.feasible:
            compared += 1
            value = fastsearch.cost(trial_route, trial_length, fast.data)
            assert value == pytest.approx(expected.cost, rel=1e-9)
    assert compared > 20


def test_the_solver_plan_is_feasible_with_staff_dependent_times():
    instance = _with_slow_staff(mankowska.read(DATA / "InstanzCPLEX_HCSRP_10_1.txt"))
    routes = mankowska.solve(instance, seconds=1)
    result = mankowska.evaluate(instance, routes)
    assert result.feasible, result.problems
    fast = mankowska._Fast(instance)  # noqa: SLF001
    assert fast(routes) == pytest.approx(result.cost, rel=1e-9)
