"""The demo: competence records for the home health nurses, Kim's checklist partly
ticked, a leaflet for every demo episode – loaded once."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from hemma.accounts.models import Staff
from hemma.clinical import episode_states as states
from hemma.competence.models import CompetenceRecord, TrainingCheck
from hemma.episodes.models import Episode

pytestmark = pytest.mark.django_db


def test_the_demo_is_loaded_once_and_every_leaflet_works(client):
    call_command("load_demo", "--quiet")
    records, ticks = CompetenceRecord.objects.count(), TrainingCheck.objects.count()
    assert records >= 5 and ticks == 4
    karin = Staff.objects.get(user__username="karin.hsv")
    assert set(karin.competence_records.values_list("skill", flat=True)) == {
        "picc",
        "infusion_pump",
        "iv_antibiotics",
    }
    kim = Episode.objects.filter(patient__first_name="Kim").latest("created_at")
    anna = Staff.objects.get(user__username="anna.ssk")
    client.force_login(anna.user)
    body = client.get(reverse("episodes:detail", args=[kim.pk])).content.decode()
    assert "Utbildning av patienten: 4 av 7" in body
    episodes = Episode.objects.filter(ward__in=anna.units.all()).exclude(
        state__in=states.FINAL_STATES
    )
    assert {e.pathway for e in episodes} >= {"early_discharge"}
    for episode in episodes:
        response = client.get(reverse("competence:leaflet", args=[episode.pk]))
        assert response.status_code == 200, episode
        assert "000-000" not in response.content.decode()
    call_command("load_demo", "--quiet")
    assert (CompetenceRecord.objects.count(), TrainingCheck.objects.count()) == (records, ticks)
