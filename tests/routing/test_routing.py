"""The routing core (no Django): travel times, screening of impossible visits, the PyVRP
planner with skills, and the independent feasibility checker that judges every plan."""

import subprocess
import sys

import pytest

from hemma.routing.check import violations
from hemma.routing.model import Plan, Problem, Stop, Visit, Worker
from hemma.routing.solve import NO_QUALIFIED_STAFF, OUTSIDE_EVERY_SHIFT, solve
from hemma.routing.travel import great_circle_km, matrix, travel_minutes

FALUN = (60.6065, 15.6355)
BORLANGE = (60.4858, 15.4371)
IV = frozenset({"iv"})


def problem(extra=()):
    visits = [
        Visit(
            f"v{i}",
            (60.58 + 0.008 * i, 15.58 + 0.01 * (i % 5)),
            8 * 60,
            16 * 60,
            30,
            IV if i % 3 == 0 else frozenset(),
        )
        for i in range(12)
    ]
    visits += list(extra)
    workers = [
        Worker("anna", FALUN, FALUN, 7 * 60, 15 * 60, IV),
        Worker("bo", BORLANGE, BORLANGE, 7 * 60, 15 * 60, frozenset()),
    ]
    built = Problem(visits, workers)
    built.travel = matrix(built.keys())
    return built


def test_great_circle_and_travel_minutes():
    assert great_circle_km(FALUN, BORLANGE) == pytest.approx(17.7, abs=0.5)
    minutes = travel_minutes(FALUN, BORLANGE)
    assert minutes == travel_minutes(BORLANGE, FALUN) and 25 <= minutes <= 30
    assert travel_minutes(FALUN, FALUN) == 0
    assert travel_minutes(FALUN, BORLANGE, mode="bike") > minutes


def test_the_planner_respects_skills_and_reports_what_nobody_can_do():
    built = problem(
        [
            Visit("pt", FALUN, 600, 700, 30, frozenset({"physio"})),
            Visit("night", FALUN, 23 * 60, 23 * 60 + 10, 30),
        ]
    )
    plan = solve(built, seconds=1)
    assert violations(built, plan) == []
    assert plan.unassigned == {"pt": NO_QUALIFIED_STAFF, "night": OUTSIDE_EVERY_SHIFT}
    iv_visits = {v.id for v in built.visits if v.skills == IV}
    bo_visits = {stop.visit_id for stop in plan.routes["bo"]}
    assert not iv_visits & bo_visits
    assert plan.travel_minutes > 0


def test_a_fixed_time_dose_is_given_within_its_tolerance():
    dose = Visit("dose", (60.59, 15.60), 16 * 60 - 30, 16 * 60 + 30, 20, IV)
    built = problem([dose])
    built.workers[0] = Worker("anna", FALUN, FALUN, 7 * 60, 18 * 60, IV)
    plan = solve(built, seconds=1)
    assert violations(built, plan) == []
    start = next(s.start for s in plan.routes["anna"] if s.visit_id == "dose")
    assert 15 * 60 + 30 <= start <= 16 * 60 + 30


def test_the_checker_finds_every_kind_of_violation():
    built = problem()
    bad = Plan(
        routes={
            "bo": [Stop("v0", 0, 0)],  # v0 needs IV
            "anna": [Stop("v1", 0, 0), Stop("v1", 0, 0)],  # twice
        },
        unassigned={},
    )
    found = "\n".join(violations(built, bad))
    assert "bo lacks ['iv'] for v0" in found
    assert "v1 planned twice for one worker" in found
    assert "v2 neither planned nor reported unassigned" in found
    late = Problem(
        [Visit("x", BORLANGE, 0, 10, 30)],
        [Worker("w", FALUN, FALUN, 0, 40)],
    )
    late.travel = matrix(late.keys())
    found = "\n".join(violations(late, Plan({"w": [Stop("x", 0, 0)]}, {})))
    assert "after its window ends" in found and "after the shift ends" in found


def test_the_routing_package_does_not_import_django():
    code = (
        "import sys, hemma.routing.solve, hemma.routing.check, hemma.routing.travel, "
        "hemma.routing.visits, hemma.routing.osrm, hemma.routing.solomon; "
        "print('django' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_replanning_keeps_started_visits_fixed_and_plans_the_rest():
    from hemma.routing.solve import replan

    built = problem()
    morning = solve(built, seconds=1)
    now = 10 * 60
    started = {
        worker: [s for s in stops if s.start <= now] for worker, stops in morning.routes.items()
    }
    urgent = Visit("urgent", (60.60, 15.62), now, now + 120, 20, IV)
    built.visits.append(urgent)
    built.travel = matrix(built.keys())
    again = replan(built, morning, now=now, seconds=1)
    for worker, stops in started.items():
        assert again.routes[worker][: len(stops)] == stops
    assert "urgent" in {s.visit_id for stops in again.routes.values() for s in stops}
    assert violations(built, again) == []


def test_the_optimiser_travels_no_more_than_planning_by_hand():
    from hemma.routing.greedy import plan_by_hand

    built = problem()
    by_hand = plan_by_hand(built)
    optimised = solve(built, seconds=1)
    assert violations(built, by_hand) == [] and violations(built, optimised) == []
    served = lambda plan: sum(len(stops) for stops in plan.routes.values())  # noqa: E731
    assert served(optimised) >= served(by_hand)
    assert optimised.travel_minutes <= by_hand.travel_minutes
