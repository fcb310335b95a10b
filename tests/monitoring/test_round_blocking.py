"""The ward's digital round under blocking (spärr): when the patient blocked home health
care's documentation from the region, the round shows none of the visits' readings."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from hemma.accounts.models import Staff
from hemma.episodes.models import Episode
from hemma.monitoring import selectors, services
from hemma.monitoring.views.policy import labels
from hemma.patients.blocks import block_record

pytestmark = pytest.mark.django_db


def test_the_round_leaves_out_a_blocked_visiting_units_readings():
    call_command("load_demo", quiet=True)
    lisa = Episode.objects.select_related("ward", "home_health_unit").get(
        patient__first_name="Lisa", state="at_home"
    )
    karin = Staff.objects.get(user__username="karin.hsv")
    visit = services.observation_record(
        episode=lisa,
        values={"pulse": 77, "spo2": 97},
        source="home_health",
        client_id="round-block-visit",
        measured_at=timezone.now() - timedelta(minutes=10),
        recorded_by=karin,
        unit=lisa.home_health_unit,
        method="manual",
    ).observation
    anna = Staff.objects.get(user__username="anna.ssk")

    def lisas_row():
        rows = selectors.round_list(anna, lisa.ward, timezone.localdate(), labels())
        return next(row for row in rows if row["episode"].pk == lisa.pk)

    assert lisas_row()["latest"].pk == visit.pk
    block_record(
        staff=anna, unit=lisa.ward, patient=lisa.patient, blocked_unit=lisa.home_health_unit
    )
    row = lisas_row()
    assert row["latest"].pk != visit.pk and row["home_health_reports"] == []
