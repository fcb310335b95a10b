from datetime import UTC, datetime

import pytest

from hemma.clinical.discharge_law import (
    STOCKHOLM,
    admission_notice_deadline,
    notice_is_late,
    payment_days,
    payment_start,
    sip_call_deadline,
)


def local(*args):
    return datetime(*args, tzinfo=STOCKHOLM)


def test_the_notice_is_due_24_hours_after_admission():
    assert admission_notice_deadline(local(2026, 11, 24, 14, 30)) == local(2026, 11, 25, 14, 30)


def test_across_the_october_change_24_hours_end_an_hour_earlier_on_the_clock():
    # 25 October 2026: clocks go back from 03:00 CEST to 02:00 CET.
    deadline = admission_notice_deadline(local(2026, 10, 24, 12, 0))
    assert deadline.astimezone(STOCKHOLM).hour == 11
    elapsed = deadline.astimezone(UTC) - local(2026, 10, 24, 12, 0).astimezone(UTC)
    assert elapsed.total_seconds() == 24 * 3600


def test_a_late_notice_is_flagged():
    admitted = local(2026, 11, 24, 8, 0)
    assert not notice_is_late(admitted, local(2026, 11, 25, 8, 0))
    assert notice_is_late(admitted, local(2026, 11, 25, 8, 1))


def test_the_sip_call_deadline_is_three_calendar_days_across_the_change():
    deadline = sip_call_deadline(local(2026, 10, 23, 10, 0))
    assert deadline.astimezone(STOCKHOLM).replace(tzinfo=None) == datetime(2026, 10, 26, 10, 0)
    elapsed = deadline.astimezone(UTC) - local(2026, 10, 23, 10, 0).astimezone(UTC)
    assert elapsed.total_seconds() == 73 * 3600  # the night the clocks go back is 25 h


@pytest.mark.parametrize(
    ("until", "days_after", "expected"),
    [
        (local(2026, 11, 22, 23, 0), 3, 0),  # not yet
        (local(2026, 11, 23, 0, 30), 3, 1),  # three calendar days after the notice
        (local(2026, 11, 26, 12, 0), 3, 4),
        (local(2026, 11, 26, 12, 0), 5, 2),  # a local agreement of 5 days
    ],
)
def test_payment_days_count_local_calendar_days(until, days_after, expected):
    ready = local(2026, 11, 20, 16, 0)
    assert payment_start(ready, days_after).isoformat() == (
        "2026-11-23" if days_after == 3 else "2026-11-25"
    )
    assert payment_days(ready, until, days_after) == expected


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        admission_notice_deadline(datetime(2026, 11, 24, 8, 0))
