"""A running clock at the latest 17:00 (Swedish time) for tests whose demo day or doses
assume it is daytime: run after midnight, "today's 08:00 dose" would lie in the future and
the planning day (06–06) would still be yesterday's."""

from contextlib import contextmanager
from datetime import datetime, time, timedelta
from unittest import mock

from django.utils import timezone

AFTERNOON = time(17, 0)  # after the working day: its steps and doses lie before it


@contextmanager
def daytime():
    """django.utils.timezone.now starts at the latest 17:00 before now and runs on."""
    real_now = timezone.now
    real_start = real_now()
    start = timezone.make_aware(datetime.combine(timezone.localdate(real_start), AFTERNOON))
    if start > real_start:
        start -= timedelta(days=1)  # never ahead of the database's own clock
    with mock.patch(
        "django.utils.timezone.now", side_effect=lambda: start + (real_now() - real_start)
    ):
        yield start
