"""Reads: the tablet that may answer the questionnaire (`device_for_experience`) and the
results per ward and period (`results`, aggregates only, a fixed number of queries)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, DateField
from django.db.models.functions import TruncMonth
from django.utils import timezone

from hemma.accounts.models import Unit
from hemma.clinical import episode_states as states
from hemma.episodes.models import Episode
from hemma.monitoring.models import DeviceEnrolment
from hemma.monitoring.services import token_digest

from . import results as pure
from .models import QUESTIONS, Response

# The questionnaire is offered for this long after the discharge, on the episode's tablet.
OFFER_DAYS = 7


def device_for_experience(token: str | None, now: datetime | None = None):
    """The patient page's enrolment of a token whose episode was discharged (state
    discharged: not died, transferred or cancelled) at most OFFER_DAYS ago, unless the
    ward revoked the device. monitoring's `device_for_token` stops at the discharge; this
    opens the questionnaire only, for that one episode."""
    if not token or len(token) > 200:
        return None
    now = now or timezone.now()
    return (
        DeviceEnrolment.objects.select_related("episode__ward")
        .filter(
            token_hash=token_digest(token),
            kind=DeviceEnrolment.Kind.PAGE,
            revoked_at__isnull=True,
            episode__state=states.DISCHARGED,
            episode__ended_at__gte=now - timedelta(days=OFFER_DAYS),
        )
        .first()
    )


def already_answered(episode: Episode) -> bool:
    return Response.objects.filter(episode=episode).exists()


@dataclass
class WardResults:
    ward: Unit
    periods: list[tuple[str, pure.Shown]]  # (label, cell), oldest first
    total: pure.Shown


def _month(day: date) -> date:
    return day.replace(day=1)


def results(
    wards: list[Unit], first: date, last: date, grain: str, threshold: int
) -> list[WardResults]:
    """Per ward (in the order given) and period: two queries whatever the number of
    wards, episodes and answers. An episode counts in the month it was discharged."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), datetime.min.time()))
    ward_ids = [w.pk for w in wards]
    discharged = Episode.objects.filter(
        ward_id__in=ward_ids, state=states.DISCHARGED, ended_at__gte=start, ended_at__lt=end
    )
    offered = (
        discharged.annotate(month=TruncMonth("ended_at", output_field=DateField(), tzinfo=tz))
        .values("ward_id", "month")
        .annotate(n=Count("id"))
        .values_list("ward_id", "month", "n")
    )
    answers = (
        Response.objects.filter(episode__in=discharged)
        .annotate(month=TruncMonth("episode__ended_at", output_field=DateField(), tzinfo=tz))
        .values_list("episode__ward_id", "month", *QUESTIONS)
    )
    counted = pure.tally(
        offered,
        ((ward, month, tuple(values)) for ward, month, *values in answers),
        QUESTIONS,
        grain,
    )
    buckets = sorted({pure.bucket(m, grain) for m in _months(first, last)})
    empty = pure.Tally(counts={q: [0] * 6 for q in QUESTIONS})
    found = []
    for ward in wards:
        periods = [
            (
                pure.label(b, grain),
                pure.shown(counted.get((ward.pk, b), empty), QUESTIONS, threshold),
            )
            for b in buckets
        ]
        total = pure.shown(counted.get((ward.pk, pure.TOTAL), empty), QUESTIONS, threshold)
        found.append(WardResults(ward, periods, total))
    return found


def _months(first: date, last: date) -> list[date]:
    months, month = [], _month(first)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def default_threshold() -> int:
    return settings.HEMMA_SMALL_NUMBER_THRESHOLD
