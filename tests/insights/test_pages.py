"""Follow-up pages: the economics page shows the seed's example with its formula and the
organisation's assumptions (editable by managers only); the simulator runs, saves and
compares scenarios, and refuses bad input with a message."""

import pytest
from django.urls import reverse

from hemma.insights.models import EconomicsSettings, Scenario
from tests.conftest import client_for, make_staff

pytestmark = pytest.mark.django_db
ECONOMICS = reverse("insights:economics")
SIMULATOR = reverse("insights:simulator")
RUN = {
    "beds": 22,
    "safety_places": 2,
    "arrivals_per_day": "4,0",
    "los_mean_days": "5,0",
    "los_sd_days": "3,5",
    "home_percent": "4",
    "days_moved_home": "2,5",
    "direct_admission_percent": "7",
    "readmission_percent": "8",
    "replications": 10,
    "seed": 1,
}


def text(response):
    return response.content.decode()


def test_the_economics_page_shows_the_seeds_example(client, ward_nurse):
    page = text(client_for(client, ward_nurse).get(ECONOMICS))
    assert "6\u00a0774\u00a0kr − 20\u00a0% OH = 5\u00a0419\u00a0kr per besök" in page
    assert (
        "(87 − 63) besök/månad = 24 besök × 12 månader × 5\u00a0419\u00a0kr = "
        "1\u00a0560\u00a0672\u00a0kr per år"
    ) in page
    assert "= 585\u00a0252\u00a0kr per år" in page
    assert "KPP 2023, akutmottagningen Ljungby" in page


def test_the_saving_is_recalculated_and_bad_input_explained(client, ward_nurse):
    as_nurse = client_for(client, ward_nurse)
    page = text(as_nurse.get(ECONOMICS, {"visits_before": 100, "visits_after": 90}))
    assert "10 besök × 12 månader × 5\u00a0419\u00a0kr = 650\u00a0280\u00a0kr per år" in page
    page = text(as_nurse.get(ECONOMICS, {"visits_before": "many", "visits_after": 90}))
    assert "Ange antal besök per månad" in page


def test_only_a_manager_changes_the_assumptions(client, ward, ward_nurse):
    as_nurse = client_for(client, ward_nurse)
    data = {
        "kpp_ed_visit_cost": 7000,
        "kpp_source": "KPP 2024",
        "overhead_share": "0.25",
        "overhead_source": "Ekonomi",
        "bed_day_cost": 9000,
        "bed_day_source": "KPP",
        "home_day_cost": 3000,
        "home_day_source": "x",
        "short_term_housing_day_cost": 3600,
        "short_term_housing_source": "y",
    }
    response = as_nurse.post(ECONOMICS, data, follow=True)
    assert "Bara chefer" in text(response)
    assert EconomicsSettings.objects.get().kpp_ed_visit_cost == 6774
    boss = make_staff("boss", "physician", ward, role="manager")
    client.logout()
    response = client_for(client, boss).post(ECONOMICS, data, follow=True)
    assert "Antagandena är sparade." in text(response)
    settings = EconomicsSettings.objects.get()
    assert settings.kpp_ed_visit_cost == 7000 and settings.updated_by == boss
    assert "7\u00a0000\u00a0kr − 25\u00a0% OH = 5\u00a0250\u00a0kr per besök" in text(response)


def test_the_simulator_runs_saves_and_compares(client, ward_nurse):
    as_nurse = client_for(client, ward_nurse)
    assert "Inga sparade scenarier" in text(as_nurse.get(SIMULATOR))
    page = text(as_nurse.post(SIMULATOR, RUN | {"home_percent": "0,2", "name": "Idag 0,2 %"}))
    assert "Scenariot är sparat." in page and "Beläggning per dag" in page and "<polyline" in page
    page = text(as_nurse.post(SIMULATOR, RUN | {"name": "4 % i hemmet"}))
    assert [s.name for s in Scenario.objects.all()] == ["Idag 0,2 %", "4 % i hemmet"]
    today, more = Scenario.objects.all()
    freed = (
        today.results["estimates"]["mean_occupancy"]["mean"]
        - more.results["estimates"]["mean_occupancy"]["mean"]
    )
    assert freed > 0.3  # 4 % of bed-days at home frees about 0.8 beds on this ward
    assert more.results["home_percent"] > today.results["home_percent"]
    from django.template.defaultfilters import floatformat

    assert f"<td>{floatformat(freed, 1)}</td>" in page  # the comparison column
    page = text(as_nurse.post(SIMULATOR, RUN | {"name": "4 % i hemmet"}))
    assert "Det finns redan ett scenario" in page
    as_nurse.post(reverse("insights:scenario_delete", args=[more.pk]))
    assert not Scenario.objects.filter(pk=more.pk).exists()


def test_the_simulator_refuses_bad_input(client, ward_nurse):
    as_nurse = client_for(client, ward_nurse)
    page = text(as_nurse.post(SIMULATOR, RUN | {"safety_places": 22}))
    assert "Färre trygghetsplatser än vårdplatser." in page
    response = as_nurse.post(SIMULATOR, RUN | {"replications": 5000})
    # Issue 19: the bound form again (400), the value kept and its error at the field.
    assert response.status_code == 400
    body = response.content.decode()
    assert "Inget sparades: rätta de markerade fälten." in text(response)
    assert 'id="id_replications_error"' in body and 'aria-invalid="true"' in body
    assert not Scenario.objects.exists()


def test_the_economics_page_shows_the_net_effect_of_bed_days_at_home(client, ward_nurse):
    page = text(
        client_for(client, ward_nurse).get(
            ECONOMICS, {"visits_before": 87, "visits_after": 63, "housing_days": 14}
        )
    )
    assert "Vårddygn i hemmet, netto" in page
    # no episodes at home in this test region
    assert "0 vårddygn × 8\u00a0500\u00a0kr = 0\u00a0kr" in page
    assert "14 dygn korttidsboende × 3\u00a0500\u00a0kr = 49\u00a0000\u00a0kr" in page


def test_the_simulator_uses_the_wards_own_history(client, ward, ward_nurse, kim):
    from datetime import timedelta

    from django.utils import timezone

    from hemma.coordination.models import DischargeCase

    as_nurse = client_for(client, ward_nurse)
    page = text(as_nurse.post(SIMULATOR, RUN | {"from_history": "on"}))
    assert "För lite historik: 0 avslutade vårdtillfällen" in page
    now = timezone.now()
    for index in range(35):
        admitted = now - timedelta(days=10 + index * 7)
        DischargeCase.objects.create(
            patient=kim,
            ward=ward,
            admitted_at=admitted,
            support_judged_at=admitted,
            estimated_discharge=admitted.date(),
            status="discharged",
            discharged_at=admitted + timedelta(days=4),
            created_by=ward_nurse,
        )
    from hemma.insights.services import ward_history

    arrivals, lengths = ward_history(ward)
    assert sum(arrivals) == pytest.approx(35 / (365 / 7), rel=0.01)
    assert set(round(x, 3) for x in lengths) == {4.0}
    page = text(as_nurse.post(SIMULATOR, RUN | {"from_history": "on", "replications": 10}))
    assert "Inneliggande i medel" in page  # about 0.67 admissions a day × 4 days ≈ 2.7


def test_a_refused_scenario_is_the_forms_own_error_with_the_values_kept(client, ward_nurse):
    as_nurse = client_for(client, ward_nurse)
    as_nurse.post(SIMULATOR, RUN | {"name": "Samma namn"})
    response = as_nurse.post(SIMULATOR, RUN | {"name": "Samma namn", "seed": 7})
    assert response.status_code == 400
    body = response.content.decode()
    form = body[body.index('<form method="post" class="stacked card"') :]
    form = form[: form.index("</form>")]
    assert '<div role="alert"><ul class="errorlist"><li>Det finns redan ett scenario' in form
    assert 'value="Samma namn"' in form and 'value="7"' in form
    assert Scenario.objects.count() == 1
