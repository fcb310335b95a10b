"""The outcome dashboard: the measures (numbers) – bed-days and readmissions on hand-built
episodes crossing the period's edges, the population measure from imported data – and
their presentation (labels, formats, small numbers hidden), the page with its period
filter and CSV export, and a query count that does not grow with the data."""

from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from hemma.episodes.models import ChecklistItem, Episode, EpisodeTransition
from hemma.insights import presenters, selectors
from hemma.insights.expressions import EpochSeconds, SecondsBetween
from hemma.insights.history import HistorySize, generate
from hemma.insights.models import EdVisitRecord, ListedPopulation
from tests.conftest import client_for, make_patient

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Stockholm")
OCTOBER = selectors.Period(date(2026, 10, 1), date(2026, 10, 31))


def at(*args):
    return datetime(*args, tzinfo=TZ)


def episode_with(patient, ward, home_health, staff, steps):
    """An episode with its timeline; a last step "discharged" ends it then."""
    ended = steps[-1][1] if steps[-1][0] == "discharged" else None
    episode = Episode.objects.create(
        patient=patient,
        ward=ward,
        home_health_unit=home_health,
        created_by=staff,
        state=steps[-1][0],
        at_home_since=next(t for s, t in steps if s == "at_home"),
        ended_at=ended,
    )
    Episode.objects.filter(pk=episode.pk).update(created_at=steps[0][1])
    previous = ""
    for state, moment in steps:
        transition = EpisodeTransition.objects.create(
            episode=episode, from_state=previous, to_state=state, by=staff
        )
        EpisodeTransition.objects.filter(pk=transition.pk).update(at=moment)
        previous = state
    return episode


def row(panel, label):
    return next(r.value for r in panel.rows if r.label.startswith(label))


def care_panel(organisation, period, **scope):
    """The care-at-home panel as the dashboard shows it."""
    return presenters.care_at_home_panel(
        selectors.care_at_home(organisation, period, **scope), period
    )


def test_bed_days_across_the_period_edge_and_the_clock_change(
    ward, home_health, ward_nurse, settings
):
    settings.HEMMA_SMALL_NUMBER_THRESHOLD = 1
    kim = make_patient("19440514-9057", "Kim", ward)
    # home 29 Sep → 27 Oct (clocks back 25 Oct), back to the ward 3 nights in between
    episode_with(
        kim,
        ward,
        home_health,
        ward_nurse,
        [
            ("candidate", at(2026, 9, 27, 9)),
            ("at_home", at(2026, 9, 29, 14)),
            ("readmitted", at(2026, 10, 10, 20)),
            ("at_home", at(2026, 10, 13, 11)),
            ("discharged", at(2026, 10, 27, 10)),
        ],
    )
    care = selectors.care_at_home(ward.organisation, OCTOBER)
    # October nights at home: 1–10 (10) and 14–27 (14); September's 30th is outside
    assert care.home_bed_days == 24
    assert care.home_bed_days_by_bucket == {date(2026, 10, 1): 24}
    assert care.direct_admissions == 1
    assert care.went_home == 0  # it went home in September
    assert selectors.home_bed_days(ward.organisation, OCTOBER) == 24
    panel = presenters.care_at_home_panel(care, OCTOBER)
    assert row(panel, "Vårddygn i hemmet") == 24
    assert row(panel, "Direktinläggningar") == 1
    assert panel.chart["series"][0]["values"] == [24]


def test_readmission_within_30_days_is_counted(ward, home_health, ward_nurse, settings):
    settings.HEMMA_SMALL_NUMBER_THRESHOLD = 1
    lisa = make_patient("19380508-9145", "Lisa", ward)
    episode_with(
        lisa,
        ward,
        home_health,
        ward_nurse,
        [
            ("candidate", at(2026, 10, 1, 9)),
            ("at_home", at(2026, 10, 2, 9)),
            ("discharged", at(2026, 10, 8, 9)),
        ],
    )
    episode_with(
        lisa,
        ward,
        home_health,
        ward_nurse,
        [
            ("candidate", at(2026, 10, 30, 9)),
            ("at_home", at(2026, 10, 31, 9)),
            ("discharged", at(2026, 11, 3, 9)),
        ],
    )
    care = selectors.care_at_home(ward.organisation, OCTOBER)
    assert (care.readmitted, care.ended, care.went_home) == (1, 1, 2)
    panel = presenters.care_at_home_panel(care, OCTOBER)
    assert row(panel, "Återinläggningar") == "1 / 1"
    assert row(panel, "Gick hem under perioden") == 2


def test_the_30_day_limit_of_a_readmission_is_kept_to_the_hour(
    ward, home_health, ward_nurse, settings
):
    settings.HEMMA_SMALL_NUMBER_THRESHOLD = 1
    discharged = at(2026, 10, 1, 9)  # 07:00 UTC; 30 × 24 h later is 31 Oct 07:00 UTC
    for personnummer, name, back in (
        ("19380508-9145", "Lisa", at(2026, 10, 31, 6)),  # 05:00 UTC: within
        ("19440514-9057", "Kim", at(2026, 10, 31, 10)),  # 09:00 UTC: after
    ):
        patient = make_patient(personnummer, name, ward)
        episode_with(
            patient,
            ward,
            home_health,
            ward_nurse,
            [
                ("candidate", at(2026, 9, 25, 9)),
                ("at_home", at(2026, 9, 26, 9)),
                ("discharged", discharged),
            ],
        )
        episode_with(
            patient,
            ward,
            home_health,
            ward_nurse,
            [("candidate", back), ("at_home", at(2026, 10, 31, 14))],
        )
    care = selectors.care_at_home(ward.organisation, OCTOBER)
    assert (care.readmitted, care.ended) == (1, 2)
    assert row(presenters.care_at_home_panel(care, OCTOBER), "Återinläggningar") == "1 / 2"


def test_small_numbers_are_hidden(ward, home_health, ward_nurse):
    kim = make_patient("19440514-9057", "Kim", ward)
    episode_with(
        kim,
        ward,
        home_health,
        ward_nurse,
        [
            ("candidate", at(2026, 10, 1, 9)),
            ("at_home", at(2026, 10, 2, 9)),
            ("discharged", at(2026, 10, 8, 9)),
        ],
    )
    care = selectors.care_at_home(ward.organisation, OCTOBER)
    # the measure is the number; only its presentation hides it
    assert (care.went_home, care.ended, care.days_to_home_median) == (1, 1, 1.0)
    panel = presenters.care_at_home_panel(care, OCTOBER)
    assert row(panel, "Gick hem under perioden") is None
    assert row(panel, "Avslutade") is None
    assert row(panel, "Dagar från kandidat") is None  # a median of one patient is that patient


def test_population_measure_from_imported_rows(region):
    for month, listed in (
        (date(2026, 8, 1), 400),
        (date(2026, 9, 1), 410),
        (date(2026, 10, 1), 420),
    ):
        ListedPopulation.objects.create(
            organisation=region,
            centre="VC Kvarnen",
            municipality="Falun",
            month=month,
            age_band="80+",
            count=listed,
        )
    for index, (day, age) in enumerate(
        [(date(2026, 8, 3), 85)] * 9
        + [(date(2026, 9, 3), 90)] * 12
        + [(date(2026, 10, 3), 81)] * 6
        + [(date(2026, 10, 4), 79)] * 5  # under 80: not counted
    ):
        EdVisitRecord.objects.create(
            organisation=region,
            person_key=f"p{index}",
            month=day.replace(day=1),
            visited_on=day,
            age=age,
            centre="VC Kvarnen",
            municipality="Falun",
        )
    measure = selectors.population(region, OCTOBER)
    (series,) = measure.series
    assert series.name == "VC Kvarnen" and series.window_visits == [27]
    assert series.rates == [pytest.approx(27 / 410 * 1000)]
    panel = presenters.population_panel(measure)
    assert panel.rows[0].label == "VC Kvarnen" and panel.rows[0].value == 65.9  # 27 / 410 × 1000
    by_municipality = presenters.population_panel(
        selectors.population(region, OCTOBER, per="municipality")
    )
    assert by_municipality.rows[0].label == "Falun" and by_municipality.rows[0].value == 65.9


def test_the_page_the_period_filter_and_the_csv(client, ward, home_health, ward_nurse):
    generate(
        ward=ward,
        home_health=home_health,
        staff=ward_nurse,
        end=date(2026, 10, 31),
        size=HistorySize(months=4, episodes_per_month=8),
    )
    as_nurse = client_for(client, ward_nurse)
    query = {"start": "2026-07-01", "end": "2026-10-31"}
    page = as_nurse.get(reverse("insights:dashboard"), query).content.decode()
    assert "Vårddygn i hemmet" in page and "Akutbesök per 1000 listade 80+" in page
    assert 'type="application/json"' in page and "chart.umd.min.js" in page
    response = as_nurse.get(reverse("insights:dashboard_csv", args=["care_at_home"]), query)
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffMått;Värde;Kommentar") and "Vårddygn i hemmet" in body
    assert "2026-07;2026-08;2026-09;2026-10" in body
    bad = as_nurse.get(reverse("insights:dashboard"), {"start": "2026-10-01", "end": "2026-01-01"})
    assert "Perioden slutar innan den börjar." in bad.content.decode()
    assert as_nurse.get(reverse("insights:dashboard_csv", args=["nothing"])).status_code == 404


def test_the_excel_export_keeps_numbers_as_numbers(client, ward, home_health, ward_nurse):
    generate(
        ward=ward,
        home_health=home_health,
        staff=ward_nurse,
        end=date(2026, 10, 31),
        size=HistorySize(months=4, episodes_per_month=8),
    )
    as_nurse = client_for(client, ward_nurse)
    query = {"start": "2026-07-01", "end": "2026-10-31"}
    response = as_nurse.get(reverse("insights:dashboard_xlsx", args=["care_at_home"]), query)
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="hemma-care_at_home-20260701-20261031.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Mått", "Värde", "Kommentar"]
    home_days = next(row for row in rows if row[0] == "Vårddygn i hemmet (frigjorda vårddygn)")
    assert isinstance(home_days[1], int) and home_days[1] > 0
    series = next(row for row in rows if row[0] == "Serie")
    assert series[1:5] == ["2026-07", "2026-08", "2026-09", "2026-10"]
    monthly = next(row for row in rows if row[0] == "Vårddygn i hemmet")
    assert sum(monthly[1:5]) == home_days[1]
    assert as_nurse.get(reverse("insights:dashboard_xlsx", args=["nothing"])).status_code == 404


def test_the_dashboard_reads_in_a_fixed_number_of_queries(ward, home_health, ward_nurse):
    period = selectors.Period(date(2026, 1, 1), date(2026, 10, 31))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            presenters.dashboard(ward.organisation, period)
        return len(captured)

    generate(
        ward=ward,
        home_health=home_health,
        staff=ward_nurse,
        end=date(2026, 10, 31),
        size=HistorySize(months=3, episodes_per_month=4),
        seed=1,
    )
    few = queries()
    generate(
        ward=ward,
        home_health=home_health,
        staff=ward_nurse,
        end=date(2026, 10, 31),
        size=HistorySize(months=10, episodes_per_month=12),
        seed=2,
    )
    assert queries() == few


def test_weekly_trend_and_a_primary_care_centre_filter(
    ward, home_health, ward_nurse, primary_care, settings
):
    settings.HEMMA_SMALL_NUMBER_THRESHOLD = 1
    kim = make_patient("19440514-9057", "Kim", ward, listed_unit=primary_care)
    other = make_patient("19380508-9145", "Lisa", ward)
    for patient in (kim, other):
        episode_with(
            patient,
            ward,
            home_health,
            ward_nurse,
            [
                ("candidate", at(2026, 10, 4, 9)),
                ("at_home", at(2026, 10, 5, 9)),
                ("discharged", at(2026, 10, 13, 9)),
            ],
        )
    weekly = selectors.Period(date(2026, 10, 1), date(2026, 10, 31), "week")
    panel = care_panel(ward.organisation, weekly)
    # nights 6–13 October: week 41 (5–11 Oct) has 6–11, week 42 has 12–13; two patients
    # week 40 starts on 28 September, before the period: a part week, drawn as partial
    assert panel.chart["labels"][:3] == ["2026-v40 (del)", "2026-v41", "2026-v42"]
    assert panel.chart["partial"][0] == 0 and 1 not in panel.chart["partial"]
    assert panel.chart["series"][0]["values"][:3] == [0, 12, 4]
    listed = selectors.care_at_home(ward.organisation, weekly, centre=primary_care)
    assert listed.home_bed_days == 8


def test_stays_at_home_spread_over_months_and_weeks_across_the_clock_change(
    ward, home_health, ward_nurse, settings
):
    settings.HEMMA_SMALL_NUMBER_THRESHOLD = 1
    kim = make_patient("19440514-9057", "Kim", ward)
    lisa = make_patient("19380508-9145", "Lisa", ward)
    # home 28 Sep 14:00 → 3 Oct 10:00: nights dated 29, 30 Sep and 1, 2, 3 Oct
    episode_with(
        kim,
        ward,
        home_health,
        ward_nurse,
        [
            ("candidate", at(2026, 9, 27, 9)),
            ("at_home", at(2026, 9, 28, 14)),
            ("discharged", at(2026, 10, 3, 10)),
        ],
    )
    # home 24 Oct 23:30 → 26 Oct 00:30, clocks back in the night to 25 Oct: two nights
    episode_with(
        lisa,
        ward,
        home_health,
        ward_nurse,
        [
            ("candidate", at(2026, 10, 24, 9)),
            ("at_home", at(2026, 10, 24, 23, 30)),
            ("discharged", at(2026, 10, 26, 0, 30)),
        ],
    )
    monthly = selectors.Period(date(2026, 9, 1), date(2026, 10, 31))
    panel = care_panel(ward.organisation, monthly)
    assert row(panel, "Vårddygn i hemmet") == 7
    assert panel.chart["series"][0]["values"] == [2, 5]
    weekly = selectors.Period(date(2026, 9, 28), date(2026, 10, 31), "week")
    by_week = care_panel(ward.organisation, weekly).chart["series"][0]["values"]
    # week 40 (28 Sep–4 Oct): 5 nights; week 43 (19–25 Oct): 25 Oct; week 44: 26 Oct
    assert by_week == [5, 0, 0, 1, 1]
    edge = selectors.Period(date(2026, 10, 26), date(2026, 10, 31))
    assert selectors.care_at_home(ward.organisation, edge).home_bed_days == 1


def test_the_database_does_the_time_arithmetic(ward, home_health, ward_nurse):
    kim = make_patient("19440514-9057", "Kim", ward)
    episode = episode_with(
        kim,
        ward,
        home_health,
        ward_nurse,
        [("candidate", at(2026, 10, 24, 9)), ("at_home", at(2026, 10, 26, 0, 30))],
    )
    seconds, epoch, missing = (
        Episode.objects.filter(pk=episode.pk)
        .values_list(
            SecondsBetween("created_at", "at_home_since"),
            EpochSeconds("at_home_since"),
            EpochSeconds("ended_at"),
        )
        .get()
    )
    # 24 Oct 09:00 CEST → 26 Oct 00:30 CET: 39.5 hours plus the hour the clocks went back
    assert seconds == pytest.approx(40.5 * 3600, abs=0.01)
    assert epoch == pytest.approx(at(2026, 10, 26, 0, 30).timestamp(), abs=0.01)
    assert missing is None


def test_the_checklist_item_done_last_before_home_is_counted(
    ward, home_health, ward_nurse, settings
):
    settings.HEMMA_SMALL_NUMBER_THRESHOLD = 1
    lasts = ["transport", "transport", "medicines_packed"]
    for number, (personnummer, last) in enumerate(
        zip(("19380508-9145", "19440514-9057", "19121212-1212"), lasts, strict=True)
    ):
        patient = make_patient(personnummer, f"Patient {number}", ward)
        episode = episode_with(
            patient,
            ward,
            home_health,
            ward_nurse,
            [("candidate", at(2026, 10, 5, 9)), ("at_home", at(2026, 10, 6, 15))],
        )
        done = ["consent", "iv_access", "medicines_packed", "transport"]
        done.remove(last)
        for hour, key in enumerate([*done, last], start=8):
            ChecklistItem.objects.create(
                episode=episode, key=key, status="done", by=ward_nurse, at=at(2026, 10, 6, hour)
            )
        ChecklistItem.objects.create(episode=episode, key="video_tested", status="open")
    care = selectors.care_at_home(ward.organisation, OCTOBER)
    assert care.last_checklist_items == [("transport", 2), ("medicines_packed", 1)]
    panel = presenters.care_at_home_panel(care, OCTOBER)
    assert row(panel, "Checklistepunkter") == (
        "Transport ordnad (2), Läkemedel och material packat (1)"
    )
