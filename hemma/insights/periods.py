"""The period a follow-up page looks at: whole days, trends by month or ISO week."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive
    grain: str = "month"  # trends by "month" or "week"

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    def bucket(self, day: date) -> date:
        """The trend bucket a day falls in: its month, or its ISO week's Monday."""
        if self.grain == "week":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1)

    def buckets(self) -> list[date]:
        if self.grain != "week":
            return self.months()
        monday, found = self.bucket(self.first), []
        while monday <= self.last:
            found.append(monday)
            monday += timedelta(days=7)
        return found

    def following(self, bucket: date) -> date:
        """The first day of the next bucket."""
        if self.grain == "week":
            return bucket + timedelta(days=7)
        return (bucket + timedelta(days=32)).replace(day=1)

    def spread(self, first: date, last: date, counts: Counter) -> None:
        """Add the days first…last to the buckets they fall in."""
        while first <= last:
            bucket = self.bucket(first)
            upto = min(last, self.following(bucket) - timedelta(days=1))
            counts[bucket] += (upto - first).days + 1
            first = upto + timedelta(days=1)

    def coverage(self, bucket: date, today: date | None = None) -> str:
        """How much of the bucket the numbers cover: "whole"; "so_far" when the period
        reaches into the bucket's today or later (the current month or week, still filling:
        today's night has not passed); "part" when the period cuts it (starts after its
        first day or ends before its last)."""
        today = today or timezone.localdate()
        last = self.following(bucket) - timedelta(days=1)
        if min(self.last, last) >= today:
            return "so_far"
        if bucket < self.first or last > self.last:
            return "part"
        return "whole"

    def label(self, bucket: date) -> str:
        return f"{bucket:%G-v%V}" if self.grain == "week" else f"{bucket:%Y-%m}"

    def months(self) -> list[date]:
        months, month = [], self.first.replace(day=1)
        while month <= self.last:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months


def month_end(month: date) -> date:
    """The last day of the month `month` falls in."""
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
