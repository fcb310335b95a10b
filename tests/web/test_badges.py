"""The menu's badges count only patients the acting unit may list."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.monitoring.models import Alert
from hemma.patients.models import CareRelationship
from hemma.shell.context_processors import nav_counts

pytestmark = pytest.mark.django_db


def test_the_open_alert_badge_counts_no_hidden_patient():
    call_command("load_demo", quiet=True)
    ward = Unit.objects.get(kind=Unit.Kind.WARD)
    nurse = Staff.objects.get(user__username="anna.ssk")
    alert = Alert.objects.filter(status="open", unit=ward).select_related("episode").first()
    assert alert is not None, "the demo has an open alert for the ward"
    before = nav_counts(ward, nurse)["open_alerts"]
    assert before >= 1
    now = timezone.now()
    CareRelationship.objects.filter(patient=alert.episode.patient_id, unit=ward).update(
        started_at=now - timedelta(days=60), ended_at=now - timedelta(days=30)
    )
    hidden = Alert.objects.filter(
        status="open", unit=ward, episode__patient=alert.episode.patient_id
    ).count()
    assert nav_counts(ward, nurse)["open_alerts"] == before - hidden
