"""NEWS2 against RCP 2017 Chart 1: every band edge of every parameter, both SpO2 scales on
air and on oxygen, aggregates, the single-3 rule, response levels and incomplete sets."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hemma.cli import main
from hemma.clinical.news2 import (
    PARAMETERS,
    InvalidVitals,
    Vitals,
    news2,
    score_consciousness,
    score_pulse,
    score_respiration_rate,
    score_spo2_scale_1,
    score_spo2_scale_2,
    score_systolic_bp,
    score_temperature,
    vitals_from_dict,
)

FULL_NORMAL = dict(
    respiration_rate=16,
    spo2=97,
    on_oxygen=False,
    systolic_bp=130,
    pulse=70,
    consciousness="A",
    temperature=37.0,
)


@pytest.mark.parametrize(
    ("rate", "score"),
    [(0, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (60, 3)],
)
def test_respiration_rate_bands(rate, score):
    assert score_respiration_rate(rate) == score


@pytest.mark.parametrize(
    ("spo2", "score"),
    [(70, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)],
)
@pytest.mark.parametrize("on_oxygen", [False, True])
def test_spo2_scale_1_bands_are_the_same_on_air_and_oxygen(spo2, score, on_oxygen):
    assert score_spo2_scale_1(spo2) == score
    result = news2(Vitals(spo2=spo2, on_oxygen=on_oxygen))
    assert result.per_parameter["spo2"] == score
    assert result.per_parameter["on_oxygen"] == (2 if on_oxygen else 0)


@pytest.mark.parametrize(
    ("spo2", "on_air", "on_oxygen"),
    [
        (70, 3, 3),
        (83, 3, 3),
        (84, 2, 2),
        (85, 2, 2),
        (86, 1, 1),
        (87, 1, 1),
        (88, 0, 0),
        (92, 0, 0),
        (93, 0, 1),
        (94, 0, 1),
        (95, 0, 2),
        (96, 0, 2),
        (97, 0, 3),
        (100, 0, 3),
    ],
)
def test_spo2_scale_2_bands_on_air_and_on_oxygen(spo2, on_air, on_oxygen):
    assert score_spo2_scale_2(spo2, on_oxygen=False) == on_air
    assert score_spo2_scale_2(spo2, on_oxygen=True) == on_oxygen
    assert news2(Vitals(spo2=spo2, spo2_scale=2, on_oxygen=True)).per_parameter["spo2"] == (
        on_oxygen
    )


@pytest.mark.parametrize(
    ("systolic", "score"),
    [(50, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3)],
)
def test_systolic_bp_bands(systolic, score):
    assert score_systolic_bp(systolic) == score


@pytest.mark.parametrize(
    ("pulse", "score"),
    [
        (30, 3),
        (40, 3),
        (41, 1),
        (50, 1),
        (51, 0),
        (90, 0),
        (91, 1),
        (110, 1),
        (111, 2),
        (130, 2),
        (131, 3),
    ],
)
def test_pulse_bands(pulse, score):
    assert score_pulse(pulse) == score


@pytest.mark.parametrize(
    ("temperature", "score"),
    [
        (34.0, 3),
        (35.0, 3),
        (35.1, 1),
        (36.0, 1),
        (36.1, 0),
        (38.0, 0),
        (38.1, 1),
        (39.0, 1),
        (39.1, 2),
        (41.0, 2),
    ],
)
def test_temperature_bands(temperature, score):
    assert score_temperature(temperature) == score


def test_temperature_is_read_to_one_decimal():
    assert score_temperature(38.04) == 0  # 38.0
    assert score_temperature(38.05) == 1  # 38.1, rounded half up


@pytest.mark.parametrize(("level", "score"), [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3)])
def test_consciousness_acvpu(level, score):
    assert score_consciousness(level) == score


def test_oxygen_scores_two():
    assert news2(Vitals(on_oxygen=True)).per_parameter == {"on_oxygen": 2}


class TestAggregates:
    def test_a_normal_full_set_is_zero_and_complete(self):
        result = news2(Vitals(**FULL_NORMAL))
        assert result.total == 0 and result.complete and result.missing == []
        assert result.level == "low" and result.response_key == "zero"
        assert result.frequency == "Minimum 12-hourly"

    def test_one_to_four_is_low(self):
        result = news2(Vitals(**FULL_NORMAL | {"pulse": 95, "temperature": 38.5}))
        assert result.total == 2 and result.level == "low"
        assert "registered nurse" in result.response

    def test_a_single_three_below_five_is_low_medium(self):
        result = news2(Vitals(**FULL_NORMAL | {"consciousness": "C"}))
        assert result.total == 3 and result.any_single_3 and result.level == "low_medium"
        assert result.frequency == "Minimum 1-hourly"

    @pytest.mark.parametrize(("pulse", "temperature", "total"), [(115, 38.5, 3)])
    def test_three_from_several_parameters_is_not_a_single_three(self, pulse, temperature, total):
        result = news2(Vitals(**FULL_NORMAL | {"pulse": pulse, "temperature": temperature}))
        assert result.total == total and not result.any_single_3 and result.level == "low"

    def test_five_and_six_are_medium(self):
        five = news2(Vitals(**FULL_NORMAL | {"pulse": 115, "temperature": 39.5, "spo2": 95}))
        assert five.total == 5 and five.level == "medium"
        six = news2(Vitals(**FULL_NORMAL | {"pulse": 115, "temperature": 39.5, "spo2": 93}))
        assert six.total == 6 and six.level == "medium"

    def test_a_single_three_with_five_is_medium(self):
        result = news2(Vitals(**FULL_NORMAL | {"systolic_bp": 88, "pulse": 115}))
        assert result.total == 5 and result.any_single_3 and result.level == "medium"

    def test_seven_or_more_is_high(self):
        result = news2(
            Vitals(**FULL_NORMAL | {"respiration_rate": 26, "pulse": 120, "systolic_bp": 95})
        )
        assert result.total == 7 and result.level == "high"
        assert result.frequency == "Continuous monitoring of vital signs"


class TestIncompleteSets:
    def test_the_home_set_is_scored_and_marked_incomplete(self):
        result = news2(Vitals(pulse=72, spo2=97, systolic_bp=128, temperature=36.8))
        assert result.total == 0 and not result.complete
        assert result.missing == ["respiration_rate", "on_oxygen", "consciousness"]

    def test_a_single_three_still_counts_in_an_incomplete_set(self):
        result = news2(Vitals(pulse=132))
        assert result.any_single_3 and result.level == "low_medium" and not result.complete

    def test_an_empty_set_scores_nothing_and_misses_everything(self):
        result = news2(Vitals())
        assert result.total == 0 and result.missing == list(PARAMETERS)


class TestInput:
    @pytest.mark.parametrize(
        "data",
        [
            {"spo2": 101},
            {"pulse": "fast"},
            {"temperature": 50},
            {"consciousness": "X"},
            {"spo2_scale": 3},
            {"on_oxygen": "yes"},
            {"heart": 80},
            {"pulse": True},
        ],
    )
    def test_impossible_input_is_refused_with_the_parameter_named(self, data):
        with pytest.raises(InvalidVitals) as error:
            news2(vitals_from_dict(data))
        assert error.value.parameter in set(data) | {"input"}

    @given(
        respiration_rate=st.one_of(st.none(), st.integers(0, 80)),
        spo2=st.one_of(st.none(), st.integers(0, 100)),
        spo2_scale=st.sampled_from([1, 2]),
        on_oxygen=st.one_of(st.none(), st.booleans()),
        systolic_bp=st.one_of(st.none(), st.integers(30, 300)),
        pulse=st.one_of(st.none(), st.integers(0, 300)),
        consciousness=st.one_of(st.none(), st.sampled_from(["A", "C", "V", "P", "U"])),
        temperature=st.one_of(st.none(), st.floats(25, 45)),
    )
    def test_any_plausible_set_gives_a_consistent_result(self, **values):
        result = news2(Vitals(**values))
        assert result.total == sum(result.per_parameter.values())
        assert set(result.per_parameter) | set(result.missing) == set(PARAMETERS)
        assert all(0 <= score <= 3 for score in result.per_parameter.values())
        assert result.complete == (not result.missing)
        expected = (
            "high"
            if result.total >= 7
            else "medium"
            if result.total >= 5
            else "low_medium"
            if result.any_single_3
            else "low"
        )
        assert result.level == expected


class TestCommandLine:
    def test_it_prints_the_documented_keys(self, capsys):
        code = main(["news2", json.dumps(FULL_NORMAL | {"pulse": 112, "temperature": 38.4})])
        out = json.loads(capsys.readouterr().out)
        assert code == 0
        assert set(out) == {
            "total",
            "per_parameter",
            "any_single_3",
            "level",
            "complete",
            "missing",
        }
        assert out["total"] == 3 and out["per_parameter"]["pulse"] == 2 and out["complete"]

    def test_missing_keys_are_listed(self, capsys):
        main(["news2", '{"pulse": 35, "spo2": 95}'])
        out = json.loads(capsys.readouterr().out)
        assert out["level"] == "low_medium" and not out["complete"]
        assert "respiration_rate" in out["missing"]

    def test_bad_input_exits_1_with_an_error(self, capsys):
        assert main(["news2", "{not json"]) == 1
        assert "invalid JSON" in json.loads(capsys.readouterr().out)["error"]
        assert main(["news2", '{"spo2": 140}']) == 1
        assert "spo2" in json.loads(capsys.readouterr().out)["error"]
        assert main(["news2"]) == 2
