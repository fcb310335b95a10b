import pytest

from hemma.routing.solomon import BadInstance, parse, solve

SMALL = """TINY

VEHICLE
NUMBER     CAPACITY
  3         20

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0         0          0          0       1000          0
    1      3         4         10          0        100          5
    2      6         8         10          0        200          5
    3     -3        -4          5          0        300          5
"""


def test_a_small_instance_is_read_and_solved():
    instance = parse(SMALL)
    assert instance.name == "TINY" and instance.vehicles == 3 and len(instance.customers) == 4
    vehicles, distance = solve(instance, seconds=0.5, vehicles_first=False)
    # 0→1→2→0 needs 20 capacity; 3 alone: 20 + 10 = 30 (or other splits, never less)
    assert vehicles == 2 and distance == pytest.approx(30.0)


def test_a_malformed_line_is_named():
    with pytest.raises(BadInstance, match="line 12"):
        parse(SMALL.replace("    2      6         8", "    2      six       8"))


def test_the_solomon_solution_is_checked_independently_and_printed_as_json(tmp_path):
    import json
    import subprocess
    import sys

    from hemma.routing.solomon import evaluate, solve_routes

    instance = parse(SMALL)
    result = solve_routes(instance, seconds=0.5, vehicles_first=False)
    assert result.problems == [] and result.distance == pytest.approx(30.0)
    assert "customer 2 visited twice" in evaluate(instance, [[1, 2], [2, 3]]).problems
    late = evaluate(instance, [[3, 2, 1]]).problems  # 1 is due at 100, far too late
    assert any("over 20" in p for p in late)
    assert any("customers not visited" in p for p in evaluate(instance, [[1]]).problems)
    path = tmp_path / "tiny.txt"
    path.write_text(SMALL)
    output = subprocess.run(
        [sys.executable, "-m", "hemma.cli", "plan", "--format", "solomon", str(path)]
        + ["--seconds", "0.5"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    data = json.loads(output)
    assert data["problems"] == []
    assert data["feasible"] is True and data["vehicles"] == 2 and data["tardiness"] == 0.0
    assert sorted(s["node"] for r in data["routes"] for s in r) == [1, 2, 3]


def test_fewer_vehicles_first_then_distance_from_that_solution():
    from hemma.routing.solomon import solve_routes

    # three vehicles available; demand 25 over capacity 20 needs two
    result = solve_routes(parse(SMALL), seconds=1.0, vehicles_first=True)
    assert result.problems == []
    assert result.vehicles == 2 and result.distance == pytest.approx(30.0)
    assert sorted(c for route in result.routes for c in route) == [1, 2, 3]
