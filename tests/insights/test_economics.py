"""The seed's economic examples reproduce to the krona (seed 002, Ljungby)."""

from decimal import Decimal

from hemma.insights.economics import (
    HomeEpisodeCosts,
    bed_days_net_effect,
    ed_visit_cost,
    kronor,
    short_term_housing_avoided,
    yearly_ed_saving,
)


def test_kpp_cost_less_overhead_is_5419_kronor():
    figure = ed_visit_cost(6774, Decimal("0.20"))
    assert figure.value == 5419
    assert figure.formula == "6\u00a0774\u00a0kr − 20\u00a0% OH = 5\u00a0419\u00a0kr per besök"


def test_87_to_63_visits_a_month_saves_1_560_672_kronor_a_year():
    figure = yearly_ed_saving(87, 63, 5419)
    assert figure.value == 1_560_672
    assert (
        "24 besök × 12 månader × 5\u00a0419\u00a0kr = 1\u00a0560\u00a0672\u00a0kr per år"
        in figure.formula
    )


def test_87_to_78_visits_a_month_saves_585_252_kronor_a_year():
    assert yearly_ed_saving(87, 78, 5419).value == 585_252


def test_rounding_is_half_up_to_the_krona():
    assert kronor(Decimal("5419.5")) == 5420 and kronor(Decimal("5419.49")) == 5419


def test_bed_days_at_home_net_of_the_home_episode_costs():
    home = HomeEpisodeCosts(
        visit_minutes={"nurse": 600, "assistant_nurse": 90},
        hourly_cost={"nurse": 600, "assistant_nurse": 450},
        equipment=2000,
        transport=500,
    )
    # 600 min × 600 kr/h = 6 000; 90 min × 450 kr/h = 675; + 2 000 + 500 = 9 175
    assert home.total() == 9175
    figure = bed_days_net_effect(10, 8500, home)
    assert figure.value == 85_000 - 9175
    assert "10 vårddygn × 8\u00a0500\u00a0kr = 85\u00a0000\u00a0kr" in figure.formula
    assert short_term_housing_avoided(14, 3500).value == 49_000
