"""The doctor-to-doctor directory (läkare till läkare) and its usage statistics."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Staff, Unit
from hemma.errors import HemmaError, NotAllowed

from .models import DirectoryContact, DirectoryEntry, DirectoryUse

FIELDS = ("title", "direct_phone", "consultation_hours", "on_call", "out_of_hours", "notes")


def may_maintain(staff: Staff, unit: Unit) -> bool:
    """Each unit's administrator (or manager) maintains the unit's entries."""
    membership = Membership.objects.filter(staff=staff, unit=unit).first()
    return membership is not None and (
        membership.role == Membership.Role.MANAGER
        or staff.profession == Staff.Profession.ADMINISTRATOR
    )


def entry_save(
    *, staff: Staff, unit: Unit, entry: DirectoryEntry | None, **values
) -> DirectoryEntry:
    if entry is not None and entry.unit_id != unit.pk:
        raise NotAllowed(_("Posten hör till en annan enhet."))
    if not may_maintain(staff, unit):
        raise NotAllowed(_("Katalogen underhålls av enhetens administratör eller chef."))
    if not values.get("title", "").strip() or not values.get("direct_phone", "").strip():
        raise HemmaError(_("Ange rubrik och direktnummer."))
    entry = entry or DirectoryEntry(unit=unit)
    for name in FIELDS:
        setattr(entry, name, str(values.get(name, "")).strip())
    entry.updated_by = staff
    entry.save()
    return entry


def search(query: str):
    entries = DirectoryEntry.objects.select_related("unit__organisation")
    query = query.strip()
    if query:
        entries = entries.filter(
            Q(title__icontains=query)
            | Q(unit__name__icontains=query)
            | Q(direct_phone__icontains=query)
            | Q(on_call__icontains=query)
        )
    return entries


def entry_of(entry_id: int) -> DirectoryEntry | None:
    """One entry with its unit (the directory is open to all staff: no patient data)."""
    return DirectoryEntry.objects.select_related("unit").filter(pk=entry_id).first()


def record_use(
    *, staff: Staff, entry: DirectoryEntry | None = None, unit: Unit | None = None
) -> None:
    """A list open (no entry) or a page view, with the unit the user acts for."""
    DirectoryUse.objects.create(staff=staff, entry=entry, unit=unit)


def contact_record(
    *,
    staff: Staff,
    unit: Unit,
    entry: DirectoryEntry,
    contacted_at: datetime,
    answer_minutes: int | None,
    note: str = "",
) -> DirectoryContact:
    if contacted_at > timezone.now() + timedelta(minutes=5):
        raise HemmaError(_("Kontakttiden ligger i framtiden."))
    if answer_minutes is not None and not 0 <= answer_minutes <= 7 * 24 * 60:
        raise HemmaError(_("Ange svarstiden i minuter (högst en vecka)."))
    return DirectoryContact.objects.create(
        entry=entry,
        caller=staff,
        caller_unit=unit,
        contacted_at=contacted_at,
        answer_minutes=answer_minutes,
        note=note.strip(),
    )


@dataclass(frozen=True)
class EntryStats:
    entry: DirectoryEntry
    views: int
    contacts: int
    median_answer_minutes: float | None


@dataclass(frozen=True)
class UnitStats:
    """Usage by one calling unit (None: uses recorded before the unit was)."""

    unit: Unit | None
    opens: int
    views: int
    contacts: int
    median_answer_minutes: float | None


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(first, time.min))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    return start, end


def statistics_by_unit(first: date, last: date) -> list[UnitStats]:
    """List opens, page views, recorded contacts and the median answer time per calling
    unit (the unit the user acted for; a contact's `caller_unit`), busiest first."""
    start, end = _bounds(first, last)
    opens: dict[int | None, int] = {}
    views: dict[int | None, int] = {}
    for unit_id, entry_id in DirectoryUse.objects.filter(at__gte=start, at__lt=end).values_list(
        "unit_id", "entry_id"
    ):
        counter = opens if entry_id is None else views
        counter[unit_id] = counter.get(unit_id, 0) + 1
    contacts: dict[int | None, int] = {}
    answers: dict[int | None, list[int]] = {}
    for unit_id, minutes in DirectoryContact.objects.filter(
        contacted_at__gte=start, contacted_at__lt=end
    ).values_list("caller_unit_id", "answer_minutes"):
        contacts[unit_id] = contacts.get(unit_id, 0) + 1
        if minutes is not None:
            answers.setdefault(unit_id, []).append(minutes)
    unit_ids = set(opens) | set(views) | set(contacts)
    units = Unit.objects.in_bulk([pk for pk in unit_ids if pk is not None])
    rows = [
        UnitStats(
            units.get(unit_id) if unit_id is not None else None,
            opens.get(unit_id, 0),
            views.get(unit_id, 0),
            contacts.get(unit_id, 0),
            median(answers[unit_id]) if unit_id in answers else None,
        )
        for unit_id in unit_ids
    ]
    return sorted(
        rows,
        key=lambda row: (
            -(row.views + row.contacts + row.opens),
            row.unit is None,
            row.unit.name if row.unit else "",
        ),
    )


def statistics(first: date, last: date) -> tuple[int, int, list[EntryStats]]:
    """List opens, page views and per-entry views, contacts and median answer time."""
    start, end = _bounds(first, last)
    uses = DirectoryUse.objects.filter(at__gte=start, at__lt=end)
    opens = uses.filter(entry__isnull=True).count()
    views: dict[int, int] = {}
    for entry_id in uses.filter(entry__isnull=False).values_list("entry_id", flat=True):
        views[entry_id] = views.get(entry_id, 0) + 1
    answers: dict[int, list[int]] = {}
    contacts: dict[int, int] = {}
    for entry_id, minutes in DirectoryContact.objects.filter(
        contacted_at__gte=start, contacted_at__lt=end
    ).values_list("entry_id", "answer_minutes"):
        contacts[entry_id] = contacts.get(entry_id, 0) + 1
        if minutes is not None:
            answers.setdefault(entry_id, []).append(minutes)
    rows = [
        EntryStats(
            entry,
            views.get(entry.pk, 0),
            contacts.get(entry.pk, 0),
            median(answers[entry.pk]) if entry.pk in answers else None,
        )
        for entry in DirectoryEntry.objects.select_related("unit")
    ]
    return opens, sum(views.values()), rows
