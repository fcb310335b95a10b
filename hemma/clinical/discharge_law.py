"""Deadlines of lag (2017:612) om samverkan vid utskrivning från sluten hälso- och sjukvård.
Pure Python (no Django), computed in Europe/Stockholm time.

- The admission notice (inskrivningsmeddelande) is due within 24 hours of admission, or of
  the judgement that the patient may need support after discharge: 24 elapsed hours, so
  across the October change the local clock shows 23:00 later, not 24:00.
- The fixed care contact calls the SIP meeting within 3 days of the ready-for-discharge
  notice: 3 calendar days on the local clock.
- The municipality's payment responsibility starts a number of calendar days after the
  ready notice (3 by default; regions and municipalities agree locally) and counts each
  local calendar day the patient stays.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOTICE_HOURS = 24
SIP_CALL_DAYS = 3
DEFAULT_PAYMENT_DAYS = 3


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("a time zone is required")


def admission_notice_deadline(start: datetime) -> datetime:
    """24 elapsed hours after admission (or the support judgement), in Stockholm time."""
    _require_aware(start)
    return (start.astimezone(UTC) + timedelta(hours=NOTICE_HOURS)).astimezone(STOCKHOLM)


def notice_is_late(start: datetime, sent_at: datetime) -> bool:
    return sent_at > admission_notice_deadline(start)


def _local_wall_clock_plus(moment: datetime, days: int) -> datetime:
    local = moment.astimezone(STOCKHOLM).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=STOCKHOLM)


def sip_call_deadline(ready_at: datetime) -> datetime:
    """3 calendar days after the ready-for-discharge notice, same local clock time."""
    _require_aware(ready_at)
    return _local_wall_clock_plus(ready_at, SIP_CALL_DAYS)


def payment_start(ready_at: datetime, days_after: int = DEFAULT_PAYMENT_DAYS) -> date:
    """The first local calendar day the municipality pays for."""
    _require_aware(ready_at)
    return ready_at.astimezone(STOCKHOLM).date() + timedelta(days=days_after)


def payment_days(
    ready_at: datetime, until: datetime, days_after: int = DEFAULT_PAYMENT_DAYS
) -> int:
    """Local calendar days from the payment start up to and including `until`'s day."""
    _require_aware(until)
    first = payment_start(ready_at, days_after)
    last = until.astimezone(STOCKHOLM).date()
    return max(0, (last - first).days + 1)
