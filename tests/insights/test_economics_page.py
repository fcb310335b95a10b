"""The economics page's saving when ED visits fall: the visits a month before and after come
from the organisation's imported ED visits of the chosen months (not from typed defaults);
a period without imported visits is named and the visits asked for; typed numbers take
precedence. Bed-days at home come from the measure, not from the dashboard's display rows."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.episodes.models import Episode
from hemma.errors import NotAllowed
from hemma.insights import presenters, selectors, services
from hemma.insights.models import EdVisitRecord, Scenario
from tests.conftest import client_for, make_patient, make_staff

pytestmark = pytest.mark.django_db
ECONOMICS = reverse("insights:economics")
SAVING_SHOWN = "kr per år</strong>"  # the page's own saving (not the Ljungby examples)
ASK = "Ange antalet akutbesök per månad före och efter för att räkna fram besparingen."
# before: January–March 2025; after: May–July 2025
PERIODS = {
    "before_from": "2025-01",
    "before_to": "2025-03",
    "after_from": "2025-05",
    "after_to": "2025-07",
}


def imported(organisation, month: date, visits: int, age: int = 85) -> None:
    """`visits` ED visits in the month, as an import stores them (one person a visit)."""
    EdVisitRecord.objects.bulk_create(
        EdVisitRecord(
            organisation=organisation,
            person_key=f"{month:%Y%m}-{age}-{n}",
            visited_on=month + timedelta(days=n % 28),
            month=month,
            age=age,
            centre="VC Kvarnen",
            municipality="Falun",
        )
        for n in range(visits)
    )


def page(client, staff, query=None) -> str:
    return client_for(client, staff).get(ECONOMICS, query or {}).content.decode()


@pytest.fixture
def ed_visits(region):
    """90, 91, 89 visits a month before (mean 90); 60, 62, 58 after (mean 60); 75 in August."""
    for month, visits in (
        (date(2025, 1, 1), 90),
        (date(2025, 2, 1), 91),
        (date(2025, 3, 1), 89),
        (date(2025, 5, 1), 60),
        (date(2025, 6, 1), 62),
        (date(2025, 7, 1), 58),
        (date(2025, 8, 1), 75),
    ):
        imported(region, month, visits)
    imported(region, date(2025, 6, 1), 40, age=79)  # under 80: not the measure's visits


def test_the_visits_a_month_come_from_the_imported_rows_of_the_period(
    client, ward_nurse, ed_visits
):
    text = page(client, ward_nurse, PERIODS)
    assert (
        "(90 − 60) besök/månad = 30 besök × 12 månader × 5\u00a0419\u00a0kr = "
        "1\u00a0950\u00a0840\u00a0kr per år"
    ) in text
    assert 'name="visits_before" value="90"' in text and 'name="visits_after" value="60"' in text
    assert "före 90 besök per månad (2025-01 – 2025-03)" in text
    assert "efter 60 besök per månad (2025-05 – 2025-07)" in text


def test_two_periods_with_different_data_give_different_numbers(client, ward_nurse, ed_visits):
    august = PERIODS | {"after_from": "2025-08", "after_to": "2025-08"}
    text = page(client, ward_nurse, august)
    assert "(90 − 75) besök/månad = 15 besök × 12 månader" in text
    spring = PERIODS | {"before_from": "2025-02", "before_to": "2025-02"}
    assert "(91 − 60) besök/månad" in page(client, ward_nurse, spring)


def test_a_period_without_imported_visits_is_named_and_the_visits_asked_for(
    client, ward_nurse, ed_visits
):
    # April has no imported visits: the after period is incomplete, nothing is assumed
    text = page(client, ward_nurse, PERIODS | {"after_from": "2025-04"})
    assert "Efter (2025-04 – 2025-07): Inget inläst underlag om akutbesök för 2025-04." in text
    assert ASK in text and SAVING_SHOWN not in text
    assert 'name="visits_after" value=' not in text  # nothing filled in
    # typing the missing number gives the saving, with the imported number before
    typed = page(client, ward_nurse, PERIODS | {"after_from": "2025-04", "visits_after": 70})
    assert "(90 − 70) besök/månad = 20 besök" in typed and ASK not in typed


def test_without_any_imported_visits_no_seed_numbers_are_assumed(client, ward_nurse):
    text = page(client, ward_nurse)
    assert ASK in text and "Inget inläst underlag om akutbesök för" in text
    assert SAVING_SHOWN not in text
    assert text.count("(87 − 63) besök/månad") == 1  # the Ljungby example only
    assert 'name="visits_before" value=' not in text


def test_by_default_the_last_three_months_against_the_twelve_before(client, ward_nurse, region):
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    month = last_month.replace(day=1)
    for back in range(15):
        imported(region, month, 50 if back < 3 else 80)
        month = (month - timedelta(days=1)).replace(day=1)
    text = page(client, ward_nurse)
    assert "(80 − 50) besök/månad = 30 besök × 12 månader" in text


def test_typed_numbers_take_precedence_and_bad_ones_are_explained(client, ward_nurse, ed_visits):
    typed = PERIODS | {"visits_before": 100, "visits_after": 90}
    assert "(100 − 90) besök/månad = 10 besök" in page(client, ward_nurse, typed)
    bad = page(client, ward_nurse, PERIODS | {"visits_before": "many"})
    assert "Ange antal besök per månad (heltal, 0 eller fler)." in bad
    wrong = page(client, ward_nurse, PERIODS | {"after_to": "2025-04", "after_from": "2025-06"})
    assert "Perioden slutar innan den börjar." in wrong


def test_too_few_visits_are_not_shown(client, ward_nurse, region):
    for month in (date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)):
        imported(region, month, 1)
    text = page(client, ward_nurse, PERIODS)
    assert "Före (2025-01 – 2025-03): För få akutbesök under 2025-01 – 2025-03" in text


def test_the_measure_counts_whole_months_and_names_the_missing_ones(region, ed_visits):
    visits = selectors.ed_visits_per_month(region, date(2025, 3, 15), date(2025, 5, 2))
    assert (visits.first, visits.last) == (date(2025, 3, 1), date(2025, 5, 31))
    assert (visits.months, visits.visits, visits.missing) == (3, 149, [date(2025, 4, 1)])
    assert visits.per_month is None and presenters.ed_visits_a_month(visits) is None
    whole = selectors.ed_visits_per_month(region, date(2025, 5, 1), date(2025, 7, 1))
    assert whole.per_month == 60 and presenters.ed_visits_a_month(whole) == 60


def test_bed_days_at_home_come_from_the_measure_not_the_display_rows(
    client, ward, home_health, ward_nurse, monkeypatch
):
    kim = make_patient("19440514-9057", "Kim", ward)
    home = timezone.now() - timedelta(days=10)
    Episode.objects.create(
        patient=kim,
        ward=ward,
        home_health_unit=home_health,
        created_by=ward_nurse,
        state="at_home",
        at_home_since=home,
    )
    today = timezone.localdate()
    year = selectors.Period(today.replace(day=1) - timedelta(days=335), today)
    nights = selectors.home_bed_days(ward.organisation, year)
    assert nights in (9, 10)  # the nights since it went home (10, or 9 before midnight)

    def no_rows(*args, **kwargs):
        raise AssertionError("the economics page reads no display rows")

    monkeypatch.setattr(presenters, "care_at_home_panel", no_rows)
    text = page(client, ward_nurse)
    assert f"{nights} vårddygn × 8\u00a0500\u00a0kr = " in text


def test_a_scenario_is_deleted_only_within_the_acting_units_organisation(
    ward, ward_nurse, home_health
):
    scenario = Scenario.objects.create(
        organisation=ward.organisation,
        name="Idag",
        parameters={},
        results={},
        created_by=ward_nurse,
    )
    municipal = make_staff("hsvchef", "nurse", home_health, role="manager")
    with pytest.raises(NotAllowed):
        services.scenario_delete(staff=municipal, unit=home_health, scenario=scenario)
    services.scenario_delete(staff=ward_nurse, unit=ward, scenario=scenario)
    assert not Scenario.objects.exists()


def test_absurd_counts_and_costs_are_refused():
    from hemma.insights.forms import EconomicsForm, SavingForm

    assert "visits_after" in SavingForm({"visits_after": 999_999_999}).errors
    assert SavingForm({"visits_before": 90, "visits_after": 60}).is_valid()
    costs = EconomicsForm({"kpp_ed_visit_cost": 999_999_999, "overhead_share": "0,2"})
    assert "kpp_ed_visit_cost" in costs.errors
