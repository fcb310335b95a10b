"""Lisa at home with home health care, and a ward physician's list to start from."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from hemma.episodes.models import Episode
from hemma.medication import services

IV = {
    "drug": "Cefotaxim",
    "dose": "1 g",
    "route": "iv",
    "times": "08, 16, 24",
    "starts_on": None,
    "ends_on": None,
}
TABLETS = {"drug": "Paracetamol", "dose": "1 g", "route": "po", "times": "vid behov"}


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(
        hours=hour, minutes=minute
    )


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def at_home(lisa, ward, home_health, ward_nurse, today):
    """Lisa at home since 06:00 today, visited by home health care."""
    return Episode.objects.create(
        patient=lisa,
        ward=ward,
        home_health_unit=home_health,
        created_by=ward_nurse,
        state="at_home",
        tier="lisa",
        at_home_since=local(today, 6),
    )


@pytest.fixture
def listed(at_home, physician, ward, today):
    """Version 1: cefotaxim iv 08/16/24 from today, paracetamol when needed; scheduled at
    07:00 today."""
    return services.medication_list_save(
        staff=physician,
        unit=ward,
        episode=at_home,
        items=[IV | {"starts_on": today}, TABLETS],
        reason="Utskrivning till hemmet",
        now=local(today, 7),
    )
