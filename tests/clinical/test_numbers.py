"""The one number format of the pages, charts and exports: decimal comma, no-break space
thousands, real minus sign, "%" and "kr" after a no-break space, half-up rounding."""

import math
from decimal import Decimal

import pytest

from hemma.clinical import numbers

NB = "\u00a0"


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (2.2, 1, "2,2"),
        (2.25, 1, "2,3"),  # half up, not to even
        (0.125, 2, "0,13"),
        (Decimal("0.200"), 3, "0,200"),
        (1234.5, 1, f"1{NB}234,5"),
        (1560672, 0, f"1{NB}560{NB}672"),
        (-3, 1, "\u22123,0"),
        (-0.04, 1, "0,0"),  # no "−0,0"
        (999.96, 1, f"1{NB}000,0"),
        (7, 0, "7"),
        ("2.5", 1, "2,5"),
        ("2,5", 1, "2,5"),
    ],
)
def test_decimal(value, decimals, shown):
    assert numbers.decimal(value, decimals) == shown


@pytest.mark.parametrize("missing", [None, math.nan, math.inf, -math.inf, Decimal("NaN")])
def test_no_number_is_a_dash(missing):
    assert numbers.decimal(missing) == "–"
    assert numbers.percent(missing) == "–"
    assert numbers.kronor(missing) == "–"
    assert numbers.csv_number(missing) == ""


@pytest.mark.parametrize("hostile", ["abc", "1e", "\ud800", "\x00", object(), [1]])
def test_what_is_not_a_number_is_refused(hostile):
    with pytest.raises(ValueError):
        numbers.decimal(hostile)


def test_percent_share_and_kronor():
    assert numbers.percent(10.66) == f"10,7{NB}%"
    assert numbers.percent(4, 0) == f"4{NB}%"
    assert numbers.share(3, 10) == f"30{NB}%"
    assert numbers.share(1, 3, 1) == f"33,3{NB}%"
    assert numbers.share(3, 0) == "–" and numbers.share(None, 5) == "–"
    assert numbers.kronor(5419) == f"5{NB}419{NB}kr"
    assert numbers.kronor(1560672) == f"1{NB}560{NB}672{NB}kr"
    assert numbers.kronor(Decimal("5419.5")) == f"5{NB}420{NB}kr"
    assert numbers.kronor(-5419.5) == f"\u22125{NB}420{NB}kr"
    assert numbers.integer(True) == "–"  # a boolean is not a count


def test_csv_numbers_stay_machine_readable():
    assert numbers.csv_number(2.25) == "2,25"
    assert numbers.csv_number(1560672) == "1560672"
    assert numbers.csv_number(-1.5) == "-1,5"
    assert numbers.csv_number(2.25, 1) == "2,3"


def test_nice_ticks():
    assert numbers.nice_ticks(27.5) == [0, 10, 20, 30]
    assert numbers.nice_ticks(78) == [0, 20, 40, 60, 80]
    assert numbers.nice_ticks(2.3) == [0, 0.5, 1, 1.5, 2, 2.5]
    assert numbers.nice_ticks(0.8) == [0, 0.2, 0.4, 0.6, 0.8]
    assert numbers.nice_ticks(3, whole=True) == [0, 1, 2, 3]
    assert numbers.nice_ticks(0) == [0, 1]


def test_vital_signs_as_staff_write_them():
    assert numbers.vital("pulse", 118.0) == "118"
    assert numbers.vital("pulse", Decimal("110.0")) == "110"
    assert numbers.vital("temperature", Decimal("38.6")) == "38,6"
    assert numbers.vital("temperature", 37) == "37,0"
    assert numbers.vital("spo2", None) == "–"
