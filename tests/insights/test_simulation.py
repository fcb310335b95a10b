"""The ward simulator: queueing theory without early discharge, reproducible with a seed,
early discharge frees what it should, and bad parameters are refused."""

import pytest

from hemma.insights.simulation import (
    WardParameters,
    replicate,
    share_for_home_bed_days,
    simulate,
)

STEADY = dict(
    beds=40,
    safety_places=0,
    arrivals_per_weekday=(4.0,) * 7,
    los_mean_days=5.0,
    los_sd_days=3.0,
    readmission_probability=0.0,
    days=365,
)


def test_without_early_discharge_occupancy_matches_queueing_theory():
    # M/G/c without blocking: mean occupancy = arrival rate × mean length of stay = 4 × 5
    summary = replicate(WardParameters(**STEADY), replications=20, seed=3)
    assert summary.mean_occupancy.mean == pytest.approx(20.0, rel=0.04)
    assert summary.mean_occupancy.low < 20.0 < summary.mean_occupancy.high + 0.5
    assert summary.home_bed_days.mean == 0 and summary.at_home_peak.mean == 0


def test_results_are_reproducible_with_a_seed():
    params = WardParameters(early_discharge_share=0.3, days=120)
    assert simulate(params, seed=7) == simulate(params, seed=7)
    assert simulate(params, seed=7) != simulate(params, seed=8)


def test_early_discharge_frees_beds_and_puts_patients_at_home():
    base = WardParameters(**STEADY)
    share = share_for_home_bed_days(0.04, 5.0, 2.5)
    assert share == pytest.approx(0.08)
    home = WardParameters(
        **STEADY
        | {
            "early_discharge_share": share,
            "days_moved_home": 2.5,
            "direct_admission_probability": 0.0,
        }
    )
    before = replicate(base, replications=20, seed=5)
    after = replicate(home, replications=20, seed=5)
    freed = before.mean_occupancy.mean - after.mean_occupancy.mean
    # λ × share × days moved = 4 × 0.08 × 2.5 = 0.8 beds
    assert freed == pytest.approx(0.8, abs=0.35)
    assert after.home_share.mean == pytest.approx(0.04, abs=0.01)
    assert after.at_home_mean.mean == pytest.approx(0.8, abs=0.25)
    assert after.at_home_peak.mean >= 2


def test_a_small_ward_runs_over_capacity_and_the_costs_follow_the_bed_days():
    crowded = replicate(WardParameters(beds=16, safety_places=1, days=90), replications=5)
    assert crowded.days_over_capacity.mean > 10
    run = simulate(WardParameters(days=60), seed=2)
    assert run.cost(WardParameters()) == pytest.approx(
        run.ward_bed_days * 8_500 + run.home_bed_days * 3_500
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"beds": 0},
        {"safety_places": 22},
        {"arrivals_per_weekday": (1.0,) * 6},
        {"los_mean_days": 0},
        {"early_discharge_share": 1.5},
        {"days": 0},
    ],
)
def test_bad_parameters_are_refused(bad):
    with pytest.raises(ValueError):
        WardParameters(**bad)
