from datetime import UTC, datetime, timedelta, timezone

import pytest

from hemma.clinical.monitoring_rules import OVERDUE_GRACE, measurement_overdue

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_the_grace_is_one_hour():
    assert timedelta(minutes=60) == OVERDUE_GRACE


@pytest.mark.parametrize(
    ("ago", "interval_hours", "expected"),
    [
        (timedelta(hours=8), 8, False),  # on time
        (timedelta(hours=8, minutes=59), 8, False),  # late, within the grace
        (timedelta(hours=9), 8, False),  # exactly at the limit: not yet
        (timedelta(hours=9, seconds=1), 8, True),
        (timedelta(hours=10), 8, True),
        (timedelta(hours=2), 1, False),
        (timedelta(hours=2, minutes=1), 1, True),
        (timedelta(hours=72, minutes=30), 72, False),
        (timedelta(hours=74), 72, True),
        (-timedelta(minutes=5), 1, False),  # a reading from a clock slightly ahead
    ],
)
def test_overdue_after_the_interval_and_the_grace(ago, interval_hours, expected):
    assert measurement_overdue(NOW - ago, interval_hours, NOW) is expected


def test_works_across_time_zones():
    """Moments are compared as instants: 04:00 CET is 03:00 UTC, 9 hours before NOW."""
    cet = timezone(timedelta(hours=1))
    assert not measurement_overdue(datetime(2026, 11, 25, 4, 0, tzinfo=cet), 8, NOW)
    assert measurement_overdue(datetime(2026, 11, 25, 3, 59, tzinfo=cet), 8, NOW)
