"""When is a patient's agreed measurement overdue? Pure: no Django.

The ward physician agrees how often a patient at home measures their vitals ("every N
hours", the monitoring plan). A measurement is overdue when nothing has come in for the
interval plus OVERDUE_GRACE. The grace is one hour because measurements at home follow
the patient's day, not the clock: a reading taken after breakfast rather than on the hour,
or one a tablet holds in its queue until the network is back, is ordinary lateness and
must not alert the ward; an hour on top of even the shortest interval (1 hour) is still
soon enough for the ward to call the patient within the same shift. Used by the worker's
overdue alert, the round list and the ward's worklist, so they always agree.
"""

from datetime import datetime, timedelta

OVERDUE_GRACE = timedelta(minutes=60)


def measurement_overdue(last: datetime, interval_hours: int, now: datetime) -> bool:
    """Whether the agreed measurement is overdue at `now`: more than the interval plus the
    grace has passed since `last` (the latest values, or the start at home when there are
    none). Exactly at the limit it is not yet overdue."""
    return now - last > timedelta(hours=interval_hours) + OVERDUE_GRACE
