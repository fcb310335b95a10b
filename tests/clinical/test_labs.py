"""The lab catalogue, the plausibility check and the trend rule a discharge criterion like
"CRP sjunkande 48 h" is checked by (pure Python)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from hemma.clinical import labs

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def at(hours_ago: float):
    return NOW - timedelta(hours=hours_ago)


class TestCatalogue:
    def test_loinc_codes_name_the_analytes(self):
        assert labs.BY_LOINC["1988-5"].code == "crp"
        assert labs.BY_LOINC["718-7"].unit == "g/L"
        assert labs.BY_LOINC["6690-2"].ucum == "10*9/L"
        assert labs.BY_LOINC["2160-0"].name == "Kreatinin"
        assert labs.BY_LOINC["2951-2"].name == "Natrium"
        assert labs.BY_LOINC["2823-3"].name == "Kalium"
        assert {"laktat", "pct"} <= set(labs.CATALOGUE)

    @pytest.mark.parametrize(
        ("code", "value", "problem"),
        [
            ("crp", D("112"), None),
            ("crp", D("-1"), labs.ValueProblem.LOW),
            ("crp", D("1120"), labs.ValueProblem.HIGH),
            ("kalium", D("4.1"), None),
            ("kalium", D("41"), labs.ValueProblem.HIGH),  # a missing decimal comma
            ("hb", D("12.4"), labs.ValueProblem.LOW),  # g/dL, not g/L
            ("pct", D("0.05"), None),
            ("kalium", D("4.1234"), labs.ValueProblem.PRECISION),
            ("glukos", D("5"), labs.ValueProblem.UNKNOWN),
        ],
    )
    def test_plausible_range(self, code, value, problem):
        assert labs.value_problem(code, value) == problem

    def test_values_are_written_as_the_ward_writes_them(self):
        assert labs.format_value(D("112.000")) == "112"
        assert labs.format_value(D("4.100")) == "4,1"


class TestFallingTrend:
    def test_falling_is_met(self):
        trend = labs.falling_trend([(at(40), D("112")), (at(20), D("80")), (at(2), D("48"))], NOW)
        assert trend.verdict == labs.Verdict.MET
        assert (trend.first, trend.latest, trend.count) == (D("112"), D("48"), 3)

    def test_rising_is_not_met(self):
        trend = labs.falling_trend([(at(30), D("48")), (at(2), D("90"))], NOW)
        assert trend.verdict == labs.Verdict.NOT_MET

    def test_a_small_wobble_down_is_not_a_fall(self):
        # Lower than the first, but not at most 75 % of the peak.
        trend = labs.falling_trend([(at(30), D("100")), (at(2), D("90"))], NOW)
        assert trend.verdict == labs.Verdict.NOT_MET

    def test_down_from_a_peak_but_above_the_first_is_not_met(self):
        values = [(at(40), D("50")), (at(20), D("150")), (at(2), D("60"))]
        assert labs.falling_trend(values, NOW).verdict == labs.Verdict.NOT_MET

    def test_one_value_is_insufficient(self):
        trend = labs.falling_trend([(at(2), D("48"))], NOW)
        assert trend.verdict == labs.Verdict.INSUFFICIENT
        assert trend.latest == D("48")

    def test_no_value_is_insufficient(self):
        assert labs.falling_trend([], NOW).verdict == labs.Verdict.INSUFFICIENT

    def test_values_older_than_the_window_do_not_count(self):
        values = [(at(72), D("200")), (at(60), D("150")), (at(2), D("48"))]
        assert labs.falling_trend(values, NOW).verdict == labs.Verdict.INSUFFICIENT
        assert labs.falling_trend(values, NOW, hours=96).verdict == labs.Verdict.MET

    def test_order_of_input_does_not_matter(self):
        values = [(at(2), D("48")), (at(40), D("112"))]
        assert labs.falling_trend(values, NOW).verdict == labs.Verdict.MET


class TestLabCriterion:
    @pytest.mark.parametrize(
        ("text", "code", "hours"),
        [
            ("CRP sjunkande", "crp", 48),
            ("CRP sjunkande 48 h", "crp", 48),
            ("crp sjunkande 72h", "crp", 72),
            ("Prokalcitonin sjunkande över 24 timmar", "pct", 24),
            ("LPK sjunkande", "lpk", 48),
        ],
    )
    def test_a_criterion_naming_a_trend(self, text, code, hours):
        rule = labs.lab_criterion(text)
        assert (rule.analyte.code, rule.hours) == (code, hours)

    @pytest.mark.parametrize(
        "text",
        ["Feberfri i minst 48 timmar", "Provsvar förbättrade", "Glukos sjunkande", "", "CRP"],
    )
    def test_other_criteria_are_ticked_by_hand(self, text):
        assert labs.lab_criterion(text) is None
