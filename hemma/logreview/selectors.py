"""Reads of the access log: review by a care provider and the patient's log extract."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.utils import timezone

from hemma.accounts.models import AdministrationLogEntry, Staff, Unit
from hemma.accounts.selectors import reviewable_organisation_ids
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.clinical.identifiers import PersonalIdentity
from hemma.patients.models import EmergencyAccess, Patient


@dataclass(frozen=True)
class LogFilter:
    personal_number: str = ""  # 12 digits, already validated
    staff_text: str = ""
    unit: Unit | None = None
    date_from: date | None = None
    date_to: date | None = None
    emergency_only: bool = False
    denied_only: bool = False


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def log_entries_for_review(*, reviewer: Staff, log_filter: LogFilter) -> QuerySet[AccessLogEntry]:
    """Entries made through units of the organisations the reviewer reviews for.

    The log is the largest table (millions of rows a day at national scale), so it is
    filtered by ids – of the units, the patient, the staff found first – which its (unit,
    time), (patient, time) and (user, time) indexes answer in every month partition; a
    text search of the names copied into it would read the whole log."""
    organisations = reviewable_organisation_ids(reviewer)
    units = Unit.objects.filter(organisation_id__in=organisations).values("id")
    entries = AccessLogEntry.objects.filter(unit_id__in=units)
    if log_filter.personal_number:
        patients = Patient.objects.filter(personal_number=log_filter.personal_number)
        entries = entries.filter(patient_id__in=patients.values("id"))
    if log_filter.staff_text:
        entries = entries.filter(_staff_condition(log_filter.staff_text))
    if log_filter.unit is not None:
        entries = entries.filter(unit=log_filter.unit)
    if log_filter.date_from:
        entries = entries.filter(occurred_at__gte=_start_of(log_filter.date_from))
    if log_filter.date_to:
        entries = entries.filter(occurred_at__lt=_start_of(log_filter.date_to + timedelta(days=1)))
    if log_filter.emergency_only:
        entries = entries.filter(purpose=AccessLogEntry.Purpose.EMERGENCY)
    if log_filter.denied_only:
        entries = entries.filter(outcome=AccessLogEntry.Outcome.DENIED)
    return entries.order_by("-occurred_at", "-id")


STAFF_MATCHES_MAX = 200  # a name search matching more people than this is too broad


def _staff_condition(text: str) -> Q:
    """The staff whose HSA-id is the text, or whose name or username contains it, by user id.
    Only when no member of staff matches (a system client, a name since changed) are the
    names copied into the log searched as text."""
    staff = Staff.objects.filter(hsa_id__iexact=text)
    if not staff.exists():
        name = Q(user__username__icontains=text) | Q(user__first_name__icontains=text)
        name |= Q(user__last_name__icontains=text)
        if " " in text.strip():  # "Anna Svensson": first and last name
            first, _space, last = text.strip().partition(" ")
            name |= Q(user__first_name__icontains=first, user__last_name__icontains=last.strip())
        staff = Staff.objects.filter(name)
    user_ids = list(staff.values_list("user_id", flat=True)[:STAFF_MATCHES_MAX])
    if user_ids:
        return Q(user_id__in=user_ids)
    return Q(user_display__icontains=text) | Q(staff_hsa_id__iexact=text)


def administration_log_for_review(
    *, reviewer: Staff, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[AdministrationLogEntry]:
    """Membership, role, profession, account and unit changes in the organisations the
    reviewer reviews for, newest first."""
    entries = AdministrationLogEntry.objects.filter(
        organisation_id__in=reviewable_organisation_ids(reviewer)
    ).select_related("organisation")
    if date_from:
        entries = entries.filter(occurred_at__gte=_start_of(date_from))
    if date_to:
        entries = entries.filter(occurred_at__lt=_start_of(date_to + timedelta(days=1)))
    return entries.order_by("-occurred_at", "-id")


def units_for_review(reviewer: Staff) -> QuerySet[Unit]:
    return Unit.objects.filter(organisation_id__in=reviewable_organisation_ids(reviewer))


def unreviewed_emergency_accesses(reviewer: Staff) -> list[EmergencyAccess]:
    return list(
        EmergencyAccess.objects.filter(
            reviewed_at__isnull=True,
            unit__organisation_id__in=reviewable_organisation_ids(reviewer),
        )
        .select_related("staff__user", "unit", "patient")
        .order_by("created_at")[:100]
    )


class ExtractRow(NamedTuple):
    """One line of the extract as shown: text only, read as plain columns (no model
    instances), so a patient with thousands of entries costs little Python and leaves
    little for the garbage collector (model rows per entry, with the template's date
    filter and choice displays, cost about ten times the database read)."""

    at: str
    unit: str
    organisation: str
    action: str
    purpose: str


@dataclass(frozen=True)
class PatientExtract:
    patient: Patient | None
    rows: list[ExtractRow]


def _extract_rows(patient: Patient) -> list[ExtractRow]:
    actions = {value: str(label) for value, label in AccessLogEntry.Action.choices}
    purposes = {value: str(label) for value, label in AccessLogEntry.Purpose.choices}
    zone = timezone.get_current_timezone()
    entries = (
        AccessLogEntry.objects.filter(patient=patient, outcome=AccessLogEntry.Outcome.GRANTED)
        .order_by("-occurred_at", "-id")
        .values_list("occurred_at", "unit_display", "unit__organisation__name", "action", "purpose")
    )
    return [
        ExtractRow(
            at=occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            unit=unit or "–",
            organisation=organisation or "–",
            action=actions.get(action, action),
            purpose=purposes.get(purpose, purpose),
        )
        for occurred_at, unit, organisation, action, purpose in entries
    ]


def patient_log_extract(
    *, reviewer: Staff, acting_unit: Unit | None, identity: PersonalIdentity
) -> PatientExtract:
    """The patient's right to know who accessed the record: every unit, every access.

    Producing the extract is itself an access to patient data and is logged.
    """
    patient = Patient.objects.filter(personal_number=identity.number).first()
    access_log_record(
        staff=reviewer,
        unit=acting_unit,
        patient=patient,
        action=AccessLogEntry.Action.LOG_EXTRACT,
        purpose=AccessLogEntry.Purpose.LOG_REVIEW,
        outcome=AccessLogEntry.Outcome.GRANTED,
        detail="" if patient else identity.formatted,
    )
    if patient is None:
        return PatientExtract(None, [])
    return PatientExtract(patient, _extract_rows(patient))
