"""Issue 19: the simulator's axes have readable ticks and whole days, a partial month is
marked partial (not drawn as a drop), and a share that cannot be reached is explained."""

from datetime import date

import pytest

from hemma.insights import charts, presenters, simulation
from hemma.insights.periods import Period

NB = "\u00a0"


def test_the_simulator_chart_has_readable_ticks_and_whole_days():
    svg = charts.line_chart(
        [("Inneliggande", [20.5 + (i % 5) for i in range(365)], "#1565c0")],
        lines=[("Vårdplatser", 22, "#b00020")],
        title="Beläggning",
        x_label="Dag",
    )
    y_ticks = ["0", "10", "20", "30"]
    assert all(f">{tick}</text>" in svg for tick in y_ticks)
    assert ">6</text>" not in svg and ">13</text>" not in svg  # not top × step / 4
    for day in charts.day_ticks(365):
        assert f">{day}</text>" in svg
    assert charts.day_ticks(365) == [1, 60, 120, 180, 240, 300, 360]
    assert charts.day_ticks(28) == [1, 5, 10, 15, 20, 25]
    assert charts.day_ticks(3) == [1, 2, 3] and charts.day_ticks(0) == []


def test_small_values_get_a_decimal_comma():
    svg = charts.line_chart([("Hemma", [0.1, 0.7, 2.3], "#2e7d32")], title="t", x_label="Dag")
    assert ">0,5</text>" in svg and ">2,5</text>" in svg and ">0.5<" not in svg


def test_the_current_month_is_partial_and_a_cut_month_too():
    period = Period(date(2026, 1, 15), date(2026, 11, 30))
    today = date(2026, 11, 12)
    assert period.coverage(date(2026, 11, 1), today) == "so_far"
    assert period.coverage(date(2026, 1, 1), today) == "part"
    assert period.coverage(date(2026, 6, 1), today) == "whole"
    ended = Period(date(2026, 1, 1), date(2026, 3, 20))
    assert ended.coverage(date(2026, 3, 1), today) == "part"


@pytest.mark.django_db
def test_the_chart_data_lists_the_partial_buckets(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: date(2026, 11, 12))
    period = Period(date(2026, 9, 1), date(2026, 11, 12))
    buckets = period.buckets()
    chart = presenters._chart(period, buckets, [{"label": "x", "values": [75, 74, 9]}])
    assert chart["partial"] == [2]
    assert chart["labels"] == ["2026-09", "2026-10", "2026-11 (hittills)"]


def test_the_share_of_patients_is_worked_out_from_the_stays():
    params = simulation.WardParameters(direct_admission_probability=0.07)
    plan = simulation.home_share(params, 0.04)
    # the rough rule (4 % × 5 / 2,5 = 8 % of the patients) gives about 3,1 %: short stays
    # and direct admissions keep a patient home about 2 days, not 2,5
    assert 1.9 < plan.days_at_home < 2.05
    assert plan.expected == pytest.approx(0.04) and not plan.unreachable
    assert plan.share == pytest.approx(0.04 * 5 / plan.days_at_home, rel=0.02)
    too_much = simulation.home_share(params, 0.5)
    assert too_much.unreachable and too_much.share == 1.0
    assert too_much.reachable == pytest.approx(plan.reachable)
    assert 0.35 < too_much.reachable < 0.45


def test_stays_of_a_day_never_go_home_early():
    params = simulation.WardParameters(los_history=(1.0, 0.5, 1.0))
    plan = simulation.home_share(params, 0.04)
    assert plan.reachable == 0 and plan.share == 0 and plan.unreachable


def test_the_requested_share_is_reached_in_the_simulation():
    params = simulation.WardParameters(days=200, direct_admission_probability=0.07)
    plan = simulation.home_share(params, 0.04)
    summary = simulation.replicate(
        simulation.WardParameters(
            days=200, direct_admission_probability=0.07, early_discharge_share=plan.share
        ),
        replications=10,
        seed=3,
    )
    assert summary.home_share.mean == pytest.approx(0.04, abs=0.005)


@pytest.mark.django_db
def test_the_simulator_page_explains_a_share_it_cannot_reach(client, ward_nurse):
    from django.urls import reverse

    from tests.conftest import client_for

    from .test_pages import RUN

    as_nurse = client_for(client, ward_nurse)
    simulator = reverse("insights:simulator")
    page = as_nurse.post(simulator, RUN).content.decode()
    assert f"begärt 4,0{NB}%" in page
    assert f"För 4,0{NB}% av vårddygnen i hemmet går" in page  # how, and why not 2,5 days
    assert "Simuleringens resultat varierar slumpmässigt" in page
    page = as_nurse.post(
        simulator, RUN | {"home_percent": "50", "days_moved_home": "1"}
    ).content.decode()
    assert f"Begärd andel 50,0{NB}% av vårddygnen i hemmet går inte att nå" in page
    assert "Öka dygnen som flyttas hem per patient" in page
    assert "Internal Server Error" not in page


@pytest.mark.django_db
def test_the_economics_page_writes_kronor_and_the_overhead_share(client, ward_nurse):
    from django.urls import reverse

    from tests.conftest import client_for

    page = client_for(client, ward_nurse).get(reverse("insights:economics")).content.decode()
    assert f"<strong>5{NB}419{NB}kr</strong>" in page
    assert f"<td>20{NB}%</td>" in page  # OH-andel, not "0,200"
    assert f"<td>6{NB}774{NB}kr</td>" in page
    assert "5419 kr" not in page and "0,200" not in page


def test_the_month_of_today_is_partial_even_on_its_last_day():
    period = Period(date(2026, 1, 1), date(2026, 11, 30))
    assert period.coverage(date(2026, 11, 1), date(2026, 11, 30)) == "so_far"
    assert period.coverage(date(2026, 10, 1), date(2026, 11, 30)) == "whole"
    assert period.coverage(date(2026, 11, 1), date(2026, 12, 1)) == "whole"
