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
