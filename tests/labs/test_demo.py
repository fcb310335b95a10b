"""The demo's lab results: Kim's CRP falls, Lisa's rises again at home, loaded once."""

import pytest
from django.core.management import call_command

from hemma.labs.models import LabResult
from hemma.labs.selectors import latest_for_episodes

pytestmark = pytest.mark.django_db


def test_demo_labs_are_believable_and_loaded_once():
    call_command("load_demo", "--quiet")
    count = LabResult.objects.count()
    kim = LabResult.objects.filter(episode__patient__personal_number="194405149057")
    crp = list(kim.filter(analyte="crp").order_by("taken_at").values_list("value", flat=True))
    assert crp == sorted(crp, reverse=True) and len(crp) == 3
    lisa = LabResult.objects.filter(episode__patient__personal_number="193805089145")
    assert lisa.filter(source="home_health").exists()
    latest = latest_for_episodes([lisa.first().episode_id])[lisa.first().episode_id]
    assert latest[0].name == "CRP" and latest[0].direction == "up"
    call_command("load_demo", "--quiet")
    assert LabResult.objects.count() == count
