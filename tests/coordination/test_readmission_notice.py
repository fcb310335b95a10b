"""A direct admission tells the home health unit at once (a task). The reason may be as
long as the form allows (1,000 characters); the task's title holds 300: cut with "…",
the whole reason kept on the episode's transition (found by tests/web/test_form_fuzz.py on
PostgreSQL, which refused the long title: a 500)."""

import pytest

from hemma.coordination.models import Task
from hemma.episodes.models import EpisodeTransition
from hemma.episodes.services import episode_direct_admission
from tests.monitoring.conftest import at_home  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_a_reason_longer_than_a_title_is_cut_and_kept_whole_on_the_event(
    at_home,  # noqa: F811
    ward_nurse,
    ward,
    home_health,
):
    reason = "Sämre andning. " * 66  # 990 characters
    episode_direct_admission(staff=ward_nurse, unit=ward, episode=at_home, reason=reason)
    task = Task.objects.get(episode=at_home, owner_unit=home_health)
    assert len(task.title) == Task._meta.get_field("title").max_length
    assert task.title.startswith("Direktinlagd på ") and task.title.endswith("…")
    event = EpisodeTransition.objects.filter(episode=at_home, to_state="readmitted").get()
    assert event.reason == reason.strip()


def test_a_short_reason_is_the_whole_title(at_home, ward_nurse, ward, home_health):  # noqa: F811
    episode_direct_admission(staff=ward_nurse, unit=ward, episode=at_home, reason="Feber")
    task = Task.objects.get(episode=at_home, owner_unit=home_health)
    assert task.title.endswith(": Feber")
