"""The day's doses on the ward's digital round (issue 18: one view with vitals, NEWS2,
doses, labs, visit notes and the patient's words): every row's doses in one query."""

import pytest
from django.utils import timezone

from hemma.medication import selectors
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_round_panel_reads_every_row_s_doses_in_one_query(
    listed, ward, ward_nurse, today, django_assert_num_queries
):
    episode = listed.episode
    with django_assert_num_queries(1):
        panel = selectors.round_panel(ward_nurse, ward, [episode], today)
    doses = panel[episode.pk]["doses"]
    # 24:00 belongs to tomorrow.
    assert [timezone.localtime(d.due_at).hour for d in doses] == [8, 16]
    assert {d.drug for d in doses} == {"Cefotaxim"}


def test_the_round_page_shows_today_s_doses(client, listed, ward_nurse, today):
    body = client_for(client, ward_nurse).get("/monitoring/round/").content.decode()
    assert "Dagens doser" in body and "Cefotaxim 1 g" in body
