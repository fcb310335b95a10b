"""Issue 19: a personal limit with one end shows as "≤ 110", never "––110,0", and the
trend caption shows a pulse as a whole number."""

from decimal import Decimal

import pytest
from django.urls import reverse

from hemma.monitoring import services
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
NB = "\u00a0"


def test_a_limit_with_only_a_highest_value(client, at_home, ward, physician, ward_nurse):
    services.threshold_set(
        staff=physician,
        unit=ward,
        episode=at_home,
        parameter="pulse",
        low=None,
        high=Decimal("110"),
        reason="Förmaksflimmer",
    )
    services.observation_record(
        episode=at_home,
        values={"pulse": 104, "spo2": 96, "systolic_bp": 130, "temperature": Decimal("37.1")},
        source="patient",
        client_id="t",
    )
    page = (
        client_for(client, ward_nurse)
        .get(reverse("monitoring:episode", args=[at_home.pk]))
        .content.decode()
    )
    assert f"Personlig gräns Puls: ≤{NB}110 (Förmaksflimmer)" in page
    assert f"Puls ≤{NB}110: Förmaksflimmer" in page
    assert "––" not in page and "110,0" not in page
    assert "Puls: <strong>104</strong>" in page  # the trend caption: no "104,0"


def test_alert_reasons_and_the_summary_write_values_in_swedish(
    client, at_home, ward, physician, ward_nurse
):
    """The stored alert reason and the episode summary's trend caption: "Puls 118 över
    110", "Temperatur 38,6" – not "110.0", "38.6" or "118,0"."""
    services.threshold_set(
        staff=physician,
        unit=ward,
        episode=at_home,
        parameter="pulse",
        low=None,
        high=Decimal("110"),
        reason="Förmaksflimmer",
    )
    services.observation_record(
        episode=at_home,
        values={"pulse": 118, "spo2": 93, "systolic_bp": 124, "temperature": Decimal("38.6")},
        source="patient",
        client_id="t2",
    )
    reasons = " ".join(r for alert in at_home.alerts.all() for r in alert.reasons)
    assert "Personlig gräns: Puls 118 över 110 (Förmaksflimmer)" in reasons
    assert "Temperatur 38,6" in reasons and "38.6" not in reasons
    page = (
        client_for(client, ward_nurse)
        .get(reverse("episodes:detail", args=[at_home.pk]))
        .content.decode()
    )
    assert "Puls: 118<" in page and "118,0" not in page
