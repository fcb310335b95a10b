"""Issue 18: the questionnaire's results – aggregation (pure functions), small-number
suppression, who may open the page, and a query count that does not grow with wards or
answers."""

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.accounts.models import Staff
from hemma.episodes.models import Episode
from hemma.experience import results as pure
from hemma.experience.models import QUESTIONS, Response
from tests.conftest import client_for, make_unit

URL = reverse("experience:results")
Q = ("safe", "again")


# --- pure functions -----------------------------------------------------------------------


def test_buckets_and_labels_by_month_and_quarter():
    assert pure.bucket(date(2026, 5, 17), "month") == date(2026, 5, 1)
    assert pure.bucket(date(2026, 5, 17), "quarter") == date(2026, 4, 1)
    assert pure.bucket(date(2026, 12, 1), "quarter") == date(2026, 10, 1)
    assert pure.label(date(2026, 4, 1), "quarter") == "2026 K2"
    assert pure.label(date(2026, 4, 1), "month") == "2026-04"


def test_tally_counts_offers_and_answers_per_ward_and_period_and_in_total():
    offered = [(1, date(2026, 1, 1), 4), (1, date(2026, 2, 1), 6), (2, date(2026, 1, 1), 3)]
    answers = [
        (1, date(2026, 1, 1), (5, 4)),
        (1, date(2026, 1, 1), (4, 0)),
        (1, date(2026, 2, 1), (1, 5)),
        (2, date(2026, 1, 1), (3, 3)),
    ]
    found = pure.tally(offered, answers, Q, "month")
    january = found[(1, date(2026, 1, 1))]
    assert (january.offered, january.answers) == (4, 2)
    assert january.counts["safe"] == [0, 0, 0, 0, 1, 1]
    assert january.counts["again"] == [1, 0, 0, 0, 1, 0]
    assert found[(1, pure.TOTAL)].offered == 10 and found[(1, pure.TOTAL)].answers == 3
    assert found[(2, pure.TOTAL)].answers == 1
    quarter = pure.tally(offered, answers, Q, "quarter")[(1, date(2026, 1, 1))]
    assert (quarter.offered, quarter.answers) == (10, 3)


def _cell(offered, rows):
    return pure.tally(
        [(1, date(2026, 1, 1), offered)], [(1, date(2026, 1, 1), r) for r in rows], Q
    )[(1, date(2026, 1, 1))]


def test_shown_gives_rate_distribution_and_the_share_who_agree():
    rows = [(5, 5)] * 6 + [(4, 4)] * 6 + [(1, 0)] * 6 + [(0, 0)] * 2
    result = pure.shown(_cell(40, rows), Q, threshold=5)
    assert (result.offered, result.answers, result.rate_percent) == (40, 20, 50)
    safe = result.questions[0]
    # 2 "vill inte svara" is a small count: hidden, and with it the next smallest count
    # (secondary suppression), so that it cannot be worked out from the total.
    assert safe.distribution == [(5, None), (4, 6), (3, 0), (2, 0), (1, 6), (0, None)]
    # Agree fully or partly: 12 of the 18 who took a stand ("vill inte svara" left out).
    assert safe.agree_percent == 67
    again = result.questions[1]
    assert again.distribution == [(5, 6), (4, 6), (3, 0), (2, 0), (1, 0), (0, 8)]
    assert again.agree_percent == 100


def test_a_cell_of_fewer_answers_than_the_threshold_is_hidden_whole():
    result = pure.shown(_cell(12, [(5, 5)] * 4), Q, threshold=5)
    assert result.hidden and result.answers is None and result.rate_percent is None
    assert all(q.distribution == [] and q.agree_percent is None for q in result.questions)
    assert result.offered == 12  # the offers are not few
    assert pure.shown(_cell(3, [(5, 5)] * 3), Q, threshold=5).offered is None


def test_small_counts_within_a_shown_cell_are_suppressed_with_their_row():
    rows = [(5, 5)] * 8 + [(1, 5)] * 2
    result = pure.shown(_cell(10, rows), Q, threshold=5)
    assert result.answers == 10 and result.rate_percent == 100
    safe = dict(result.questions[0].distribution)
    # 2 answered "instämmer inte alls": hidden, and so (secondary) is the next smallest
    # non-zero count, so that it cannot be worked out from the total.
    assert safe[1] is None and safe[5] is None and safe[3] == 0
    # 8 of 10: the part is shown, but the 2 who did not agree would be derivable only if
    # shown as a count; the share is over the threshold on both sides.
    assert result.questions[0].agree_percent == 80
    assert pure.shown(_cell(10, [(5, 5)] * 6 + [(3, 3)] * 4), Q, 5).questions[0].agree_percent == 60
    # A share built on a hidden part is hidden.
    assert (
        pure.shown(_cell(10, [(5, 5)] * 3 + [(3, 3)] * 7), Q, 5).questions[0].agree_percent is None
    )


def test_an_empty_cell_shows_zero_answers():
    result = pure.shown(pure.Tally(), Q, threshold=5)
    assert (result.offered, result.answers, result.rate_percent) == (0, 0, None)


# --- the page -----------------------------------------------------------------------------


def _discharged(ward, patient, staff, when, values=None):
    episode = Episode.objects.create(
        patient=patient, ward=ward, created_by=staff, state="discharged", ended_at=when
    )
    if values is not None:
        Response.objects.create(
            episode=episode, answered_at=when, **dict(zip(QUESTIONS, values, strict=True))
        )
    return episode


def _this_month():
    today = timezone.localdate()
    return timezone.make_aware(datetime.combine(today.replace(day=1), datetime.min.time())) + (
        timedelta(hours=12)
    )


@pytest.mark.django_db
def test_the_page_shows_aggregates_per_ward_and_hides_small_ones(
    client, ward, kim, ward_nurse, region
):
    small_ward = make_unit(region, "Avdelning 31", "ward", "A31", beds=20)
    when = _this_month()
    for i in range(8):
        _discharged(ward, kim, ward_nurse, when, (5, 4, 5, 5) if i < 6 else None)
    for _i in range(3):
        _discharged(small_ward, kim, ward_nurse, when, (1, 1, 1, 1))
    response = client_for(client, ward_nurse).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    results = {w.ward.name: w for w, _distribution in response.context["results"]}
    big = results[ward.name].total
    assert (big.offered, big.answers, big.rate_percent) == (8, 6, 75)
    assert [q.agree_percent for q in big.questions] == [100, 100, 100, 100]
    small = results["Avdelning 31"].total
    assert small.hidden and small.offered is None
    assert "färre än 5 svar" in body
    # Aggregates only: no patient and no episode is named.
    assert "Kim" not in body and "Testsson" not in body
    # By quarter too.
    quarterly = client.get(
        URL, {"grain": "quarter", "start": f"{when:%Y-%m}", "end": f"{when:%Y-%m}"}
    )
    assert quarterly.status_code == 200 and " K" in quarterly.content.decode()


@pytest.mark.django_db
def test_the_comment_is_never_shown(client, ward, kim, ward_nurse):
    when = _this_month()
    for _i in range(6):
        episode = _discharged(ward, kim, ward_nurse, when, (5, 5, 5, 5))
    Response.objects.filter(episode=episode).update(comment="Sköterskan Eva var fantastisk")
    body = client_for(client, ward_nurse).get(URL).content.decode()
    assert "Sköterskan Eva" not in body


@pytest.mark.django_db
def test_a_bad_period_is_a_message_not_an_error(client, ward_nurse):
    response = client_for(client, ward_nurse).get(URL, {"start": "2026-13", "end": "x"})
    assert response.status_code == 200
    response = client.get(URL, {"start": "2026-05", "end": "2026-01"})
    assert response.status_code == 200
    assert "Perioden slutar innan den börjar." in response.content.decode()


@pytest.mark.django_db
def test_the_dashboard_links_to_the_results(client, ward_nurse):
    body = client_for(client, ward_nurse).get(reverse("insights:dashboard")).content.decode()
    assert URL in body and "Patientens upplevelse" in body


@pytest.mark.django_db
def test_who_may_see_the_results(client, ward, region, municipality, kim, ward_nurse, home_nurse):
    # Not signed in: the sign-in page.
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response.url
    # A staff member without a unit: 403, like the outcome dashboard.
    user = get_user_model().objects.create_user(username="nounit", password="x")
    Staff.objects.create(user=user, profession="nurse", hsa_id="SE-NOUNIT")
    client.force_login(user)
    assert client.get(URL).status_code == 403
    # A municipal unit sees its own organisation's wards: none of the region's.
    when = _this_month()
    for _i in range(6):
        _discharged(ward, kim, ward_nurse, when, (5, 5, 5, 5))
    response = client_for(client, home_nurse).get(URL)
    assert response.status_code == 200 and response.context["results"] == []
    assert ward.name not in response.content.decode()


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_wards_or_answers(client, ward, region, kim, ward_nurse):
    viewer = client_for(client, ward_nurse)
    when = _this_month()

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert viewer.get(URL).status_code == 200
        return len(queries)

    count()  # the first request of a session writes it
    for _i in range(6):
        _discharged(ward, kim, ward_nurse, when, (5, 4, 3, 2))
    few = count()
    for n in range(4):
        other = make_unit(region, f"Avdelning 4{n}", "ward", f"A4{n}", beds=10)
        for i in range(7):
            _discharged(other, kim, ward_nurse, when - timedelta(days=40 * (i % 3)), (i % 6,) * 4)
    for _i in range(10):
        _discharged(ward, kim, ward_nurse, when, (1, 2, 3, 0))
    assert count() == few


@pytest.mark.django_db
def test_the_threshold_is_the_settings(client, settings, ward, kim, ward_nurse):
    when = _this_month()
    for _i in range(6):
        _discharged(ward, kim, ward_nurse, when, (5, 5, 5, 5))
    viewer = client_for(client, ward_nurse)
    assert not viewer.get(URL).context["results"][0][0].total.hidden
    settings.HEMMA_SMALL_NUMBER_THRESHOLD = 10
    response = viewer.get(URL)
    assert response.context["results"][0][0].total.hidden
    assert "färre än 10 svar" in response.content.decode()
