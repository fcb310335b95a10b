"""Shared by the visit use cases, no use case of its own: the planning day's clock (a day
runs 06:00–06:00 and is counted in real minutes from its local midnight), the unit-wide
guard (only a home health unit plans, by its own staff) and the access-log entry of a
change to one visit."""

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.episodes.models import Episode
from hemma.errors import NotAllowed

from ..models import Visit

DAY_STARTS_AT = 6  # a planning day runs 06:00–06:00: the night belongs to the evening
PLANNED_STATES = (Episode.State.AGREED, Episode.State.PREPARING, Episode.State.AT_HOME)


# --- Clock ---------------------------------------------------------------------------------


def planning_day(now: datetime) -> date:
    """The planning day a moment belongs to: 03:00 is still last night's shift."""
    return (timezone.localtime(now) - timedelta(hours=DAY_STARTS_AT)).date()


def day_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(
        datetime.combine(day, datetime.min.time()).replace(hour=DAY_STARTS_AT)
    )
    following = timezone.make_aware(
        datetime.combine(day + timedelta(days=1), datetime.min.time()).replace(hour=DAY_STARTS_AT)
    )
    return start, following


def to_minutes(moment: datetime, day: date) -> int:
    """Real minutes since the day's local midnight (right across clock changes)."""
    return round((moment - day_midnight(day)).total_seconds() / 60)


def from_minutes(minutes: int, day: date) -> datetime:
    return timezone.localtime(day_midnight(day) + timedelta(minutes=minutes))


# --- Guards --------------------------------------------------------------------------------


def require_visiting_unit(staff: Staff, unit: Unit) -> None:
    """The unit-wide planning (shifts, generating and planning the day) is a home health
    unit's, by its own staff."""
    if unit is None or unit.kind not in Unit.VISITING_KINDS:
        raise NotAllowed(_("Besöksplaneringen görs av det besökande teamet."))
    if not Membership.objects.filter(staff=staff, unit=unit).exists():
        raise NotAllowed(_("Du arbetar inte på %(unit)s.") % {"unit": unit.name})


def log_visit(staff: Staff, unit: Unit, visit: Visit, detail: str) -> None:
    """The access-log entry of a change to one visit (the patient's record was edited)."""
    access_log_record(
        staff=staff,
        unit=unit,
        patient=visit.episode.patient,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED,
        detail=f"visit {visit.pk}: {detail}",
    )
