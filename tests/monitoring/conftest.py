from datetime import datetime

import pytest
from django.utils import timezone

from hemma.episodes.models import Episode
from hemma.episodes.services import safety_beds_ensure


@pytest.fixture
def at_home(kim, ward, home_health, ward_nurse):
    """Kim at home with a reserved safety bed (the state monitoring works in)."""
    from django.utils import timezone

    from hemma.episodes.models import SafetyBedReservation
    from hemma.patients.models import CareRelationship, SharingConsent

    episode = Episode.objects.create(
        patient=kim,
        ward=ward,
        home_health_unit=home_health,
        created_by=ward_nurse,
        state="at_home",
        tier="kim",
        at_home_since=timezone.now(),
    )
    CareRelationship.objects.create(patient=kim, unit=home_health)  # as the care request does
    SharingConsent.objects.create(patient=kim)  # as the episode's consent does
    SafetyBedReservation.objects.create(
        bed=safety_beds_ensure(ward=ward)[0], episode=episode, reserved_by=ward_nurse
    )
    return episode


HOME_SET = {"pulse": 72, "spo2": 97, "systolic_bp": 128, "diastolic_bp": 78, "temperature": 36.8}
RED_SET = {"pulse": 135, "spo2": 91, "systolic_bp": 95, "temperature": 39.4}
# A Tuesday at 10:00 local time: the roster's day slot, hours from its edges.
TUESDAY_10 = timezone.make_aware(datetime(2026, 12, 1, 10, 0))
