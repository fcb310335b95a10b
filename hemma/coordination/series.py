"""Recurring coordination meetings: a MeetingSeries (weekday, time, every n weeks,
from–to) of a primary care centre and home health care (guests: the ambulance service).
Its occurrences are ordinary CoordinationMeetings with the agenda meetings.shared_patients
builds, created HORIZON_WEEKS ahead when the series is saved and when a member of one of
its two units opens the meetings page (series_occurrences_ensure: idempotent, one meeting
per pair and date). Only members of its two units create or end a series."""

from datetime import date, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.policy import is_care_member, patients_visible_to
from hemma.patients.selectors import deny

from .meetings import host_pair, shared_patients
from .models import CoordinationMeeting, MeetingItem, MeetingSeries, Task

# How far ahead a series' occurrences exist (their agendas are built when created).
HORIZON_WEEKS = 4


def series_dates(series: MeetingSeries, first: date, last: date) -> list[date]:
    """The series' meeting dates within first..last (both included): its weekday, every
    `interval_weeks` weeks counted from its first meeting, within active_from..active_to."""
    step = 7 * series.interval_weeks
    start = series.active_from + timedelta(days=(series.weekday - series.active_from.weekday()) % 7)
    end = last if series.active_to is None else min(last, series.active_to)
    if start < first:
        start += timedelta(days=-(-(first - start).days // step) * step)
    dates = []
    while start <= end:
        dates.append(start)
        start += timedelta(days=step)
    return dates


def _is_host(unit: Unit, series: MeetingSeries) -> bool:
    return unit.pk in (series.primary_care_id, series.home_health_id)


def _require_host(staff: Staff, unit: Unit, series: MeetingSeries) -> None:
    """Only the members of the series' two units manage it (a guest does not)."""
    if not _is_host(unit, series):
        raise NotAllowed(_("Din enhet deltar inte i mötet."))
    if not is_care_member(staff, unit):
        raise NotAllowed(_("Du är inte medlem i enheten."))


def series_occurrences_ensure(
    series: MeetingSeries,
    *,
    staff: Staff,
    unit: Unit,
    today: date | None = None,
    weeks: int = HORIZON_WEEKS,
) -> list[CoordinationMeeting]:
    """Create the series' missing occurrences from today through the coming `weeks` weeks,
    each with the agenda meeting_create builds (shared_patients among the patients `unit`
    may list). Idempotent: a date the two units already meet on is skipped (one meeting
    per pair and date, also against a concurrent call); nothing before today is created.
    Cheap when nothing is missing: one query."""
    if not _is_host(unit, series) or not is_care_member(staff, unit):
        return []
    today = today or timezone.localdate()
    dates = series_dates(series, today, today + timedelta(days=7 * weeks - 1))
    if not dates:
        return []
    existing = set(
        CoordinationMeeting.objects.filter(
            primary_care_id=series.primary_care_id,
            home_health_id=series.home_health_id,
            held_on__in=dates,
        ).values_list("held_on", flat=True)
    )
    missing = [held_on for held_on in dates if held_on not in existing]
    if not missing:
        return []
    agenda = shared_patients(
        series.primary_care, series.home_health, patients_visible_to(staff, unit)
    )
    guests = list(series.guests.all())
    created = []
    for held_on in missing:
        try:
            with transaction.atomic():
                meeting = CoordinationMeeting.objects.create(
                    primary_care_id=series.primary_care_id,
                    home_health_id=series.home_health_id,
                    series=series,
                    held_on=held_on,
                    created_by=staff,
                )
                meeting.guests.set(guests)
                MeetingItem.objects.bulk_create(
                    [
                        MeetingItem(meeting=meeting, patient=patient, reason=str(reason))
                        for patient, reason in agenda
                    ]
                )
        except IntegrityError:  # created meanwhile by another request
            continue
        created.append(meeting)
    return created


def series_create(
    *,
    staff: Staff,
    unit: Unit,
    partner: Unit,
    weekday: int,
    starts_at: time,
    interval_weeks: int,
    active_from: date,
    active_to: date | None = None,
    guests: list[Unit] = (),
    today: date | None = None,
) -> MeetingSeries:
    """A recurring meeting of the acting unit and its partner; its first occurrences are
    created at once."""
    if not is_care_member(staff, unit):
        raise NotAllowed(_("Du är inte medlem i enheten."))
    primary_care, home_health = host_pair(unit, partner)
    if any(guest.kind != Unit.Kind.AMBULANCE for guest in guests):
        raise HemmaError(_("Ambulanssjukvården kan delta som gäst."))
    if weekday not in MeetingSeries.Weekday.values:
        raise HemmaError(_("Välj veckodag."))
    if not 1 <= interval_weeks <= 8:
        raise HemmaError(_("Ange intervallet i veckor (1–8)."))
    if active_to is not None and active_to < active_from:
        raise HemmaError(_("Slutdatumet ligger före startdatumet."))
    today = today or timezone.localdate()
    overlapping = MeetingSeries.objects.filter(
        Q(active_to__isnull=True) | Q(active_to__gte=max(active_from, today)),
        primary_care=primary_care,
        home_health=home_health,
        weekday=weekday,
    )
    if active_to is not None:
        overlapping = overlapping.filter(active_from__lte=active_to)
    if overlapping.exists():
        raise Conflict(_("Enheterna har redan en mötesserie den veckodagen."))
    with transaction.atomic():
        series = MeetingSeries.objects.create(
            primary_care=primary_care,
            home_health=home_health,
            weekday=weekday,
            starts_at=starts_at,
            interval_weeks=interval_weeks,
            active_from=active_from,
            active_to=active_to,
            created_by=staff,
        )
        series.guests.set(guests)
        series_occurrences_ensure(series, staff=staff, unit=unit, today=today)
    return series


def series_end(
    *,
    staff: Staff,
    unit: Unit,
    series: MeetingSeries,
    last_on: date,
    today: date | None = None,
) -> int:
    """End the series after `last_on`: no occurrence is created after it, and the
    occurrences already created after it are removed unless someone worked on them (notes,
    minutes, a patient added by hand, tasks). Returns the number removed."""
    _require_host(staff, unit, series)
    today = today or timezone.localdate()
    if series.active_to is not None and series.active_to < today:
        raise Conflict(_("Mötesserien är redan avslutad."))
    with transaction.atomic():
        series.active_to = last_on
        series.ended_by = staff
        series.save(update_fields=["active_to", "ended_by"])
        later = series.meetings.filter(held_on__gt=last_on, closed_at__isnull=True, minutes="")
        worked_on = MeetingItem.objects.filter(
            Q(added_by__isnull=False) | ~Q(notes=""), meeting__in=later
        ).values("meeting_id")
        candidates = list(later.exclude(pk__in=worked_on).values_list("pk", flat=True))
        with_tasks = set(
            Task.objects.filter(source__in=[f"meeting:{pk}" for pk in candidates]).values_list(
                "source", flat=True
            )
        )
        untouched = [pk for pk in candidates if f"meeting:{pk}" not in with_tasks]
        CoordinationMeeting.objects.filter(pk__in=untouched).delete()
    return len(untouched)


def series_for_unit(unit: Unit, today: date | None = None) -> QuerySet:
    """The series the unit takes part in that have not ended (units and times only)."""
    today = today or timezone.localdate()
    return (
        MeetingSeries.objects.filter(
            Q(primary_care=unit) | Q(home_health=unit) | Q(guests=unit),
            Q(active_to__isnull=True) | Q(active_to__gte=today),
        )
        .distinct()
        .select_related("primary_care", "home_health")
    )


def series_ensure_for_unit(staff: Staff, unit: Unit, today: date | None = None) -> int:
    """On opening the meetings page: the occurrences of the unit's series (as a host)
    up to the horizon. One query per series when nothing is missing."""
    today = today or timezone.localdate()
    created = 0
    hosted = series_for_unit(unit, today).filter(
        Q(primary_care=unit) | Q(home_health=unit),
        active_from__lte=today + timedelta(weeks=HORIZON_WEEKS),
    )
    for series in hosted:
        created += len(series_occurrences_ensure(series, staff=staff, unit=unit, today=today))
    return created


def get_series_for_user(*, staff: Staff, unit: Unit, series_id: int | None) -> MeetingSeries:
    """A series the acting unit hosts (as a member); anything else – an unknown id too –
    is a 404 with a denied entry naming the series."""
    series = (
        MeetingSeries.objects.filter(Q(primary_care=unit) | Q(home_health=unit), pk=series_id)
        .select_related("primary_care", "home_health")
        .first()
        if series_id is not None and is_care_member(staff, unit)
        else None
    )
    if series is None:
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"coordination meeting series id={series_id}",
            action=AccessLogEntry.Action.EDIT_PATIENT,
        )
    return series
