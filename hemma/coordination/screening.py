"""Finding patients early: Clinical Frailty Scale screenings and frequent attenders
(ED visits imported from the region's data warehouse, plus admissions known to Hemma)."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.clinical.frailty import is_frequent_attender
from hemma.clinical.identifiers import InvalidIdentifier, parse_personal_identity
from hemma.episodes.models import Episode
from hemma.errors import HemmaError
from hemma.patients.models import Patient

from .models import DischargeCase, EdVisit, FrailtyScreening


def frailty_record(
    *, staff: Staff, unit: Unit, patient: Patient, level: int, assessed_on: date, note: str = ""
) -> FrailtyScreening:
    if not 1 <= level <= 9:
        raise HemmaError(_("CFS-nivån ska vara 1–9."))
    if assessed_on > timezone.localdate():
        raise HemmaError(_("Bedömningsdatumet ligger i framtiden."))
    with transaction.atomic():
        screening = FrailtyScreening.objects.create(
            patient=patient,
            level=level,
            assessed_on=assessed_on,
            assessed_by=staff,
            unit=unit,
            note=note.strip(),
        )
        access_log_record(
            staff=staff,
            unit=unit,
            patient=patient,
            action=AccessLogEntry.Action.EDIT_PATIENT,
            purpose=AccessLogEntry.Purpose.CARE,
            outcome=AccessLogEntry.Outcome.GRANTED,
            detail=f"frailty CFS {level}",
        )
    return screening


@dataclass
class ImportReport:
    created: int = 0
    duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def ed_visits_import(text: str, *, source: str = "") -> ImportReport:
    """CSV with the columns personnummer and datum (YYYY-MM-DD), ';' or ','. Good rows are
    kept, bad rows reported with their line number; a re-import adds nothing twice."""
    report = ImportReport()
    sample = text[:2048]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = {(name or "").strip().lower(): name for name in (reader.fieldnames or [])}
    if "personnummer" not in fields or "datum" not in fields:
        report.errors.append((1, _("Rubrikraden ska ha kolumnerna personnummer och datum.")))
        return report
    today = timezone.localdate()
    rows: list[tuple[int, str, date]] = []
    for row in reader:
        line = reader.line_num
        try:
            number = parse_personal_identity((row[fields["personnummer"]] or "").strip()).number
        except InvalidIdentifier:
            report.errors.append((line, _("Ogiltigt personnummer.")))
            continue
        visited = parse_date((row[fields["datum"]] or "").strip())
        if visited is None:
            report.errors.append((line, _("Ogiltigt datum (ÅÅÅÅ-MM-DD).")))
            continue
        if visited > today:
            report.errors.append((line, _("Datumet ligger i framtiden.")))
            continue
        rows.append((line, number, visited))
    patients = dict(
        Patient.objects.filter(personal_number__in={n for _l, n, _d in rows}).values_list(
            "personal_number", "pk"
        )
    )
    visits = []
    for line, number, visited in rows:
        if number not in patients:
            report.errors.append((line, _("Patienten finns inte i Hemma.")))
            continue
        visits.append(EdVisit(patient_id=patients[number], visited_on=visited, source=source))
    before = EdVisit.objects.count()
    EdVisit.objects.bulk_create(visits, ignore_conflicts=True, batch_size=1000)
    report.created = EdVisit.objects.count() - before
    report.duplicates = len(visits) - report.created
    report.errors.sort()
    return report


def attendance_dates(patient_ids: list) -> dict:
    """ED visits and admissions per patient (three queries whatever the number)."""

    dates: dict = {pk: [] for pk in patient_ids}
    for pk, day in EdVisit.objects.filter(patient_id__in=patient_ids).values_list(
        "patient_id", "visited_on"
    ):
        dates[pk].append(day)
    for pk, moment in DischargeCase.objects.filter(patient_id__in=patient_ids).values_list(
        "patient_id", "admitted_at"
    ):
        dates[pk].append(timezone.localdate(moment))
    for pk, moment in Episode.objects.filter(patient_id__in=patient_ids).values_list(
        "patient_id", "created_at"
    ):
        dates[pk].append(timezone.localdate(moment))
    return dates


@dataclass(frozen=True)
class Flags:
    cfs: FrailtyScreening | None
    frequent_attender: bool
    visits: int


def flags_for(patient_ids: list) -> dict:
    latest = {}
    for screening in FrailtyScreening.objects.filter(patient_id__in=patient_ids).order_by(
        "patient_id", "-assessed_on", "-id"
    ):
        latest.setdefault(screening.patient_id, screening)
    today = timezone.localdate()
    window = settings.HEMMA_FREQUENT_ATTENDER_DAYS
    threshold = settings.HEMMA_FREQUENT_ATTENDER_VISITS
    flags = {}
    for pk, dates in attendance_dates(patient_ids).items():
        recent = [d for d in dates if (today - d).days < window]
        flags[pk] = Flags(
            cfs=latest.get(pk),
            frequent_attender=is_frequent_attender(dates, today, window, threshold),
            visits=len(recent),
        )
    return flags


def temporary_visit_record(
    *,
    staff: Staff,
    unit: Unit,
    personal_number: str,
    visited_at,
    reason: str,
    outcome: str,
):
    """A temporary visit to a patient not enrolled in home health care (local routine);
    the patient's primary care centre sees it on its care coordinator list."""
    from .models import TemporaryVisit

    try:
        number = parse_personal_identity(personal_number).number
    except InvalidIdentifier:
        raise HemmaError(_("Ogiltigt personnummer.")) from None
    patient = Patient.objects.filter(personal_number=number).first()
    if patient is None:
        raise HemmaError(_("Patienten finns inte i Hemma."))
    if not reason.strip() or not outcome.strip():
        raise HemmaError(_("Ange orsak och bedömning."))
    if visited_at > timezone.now() + timedelta(minutes=5):
        raise HemmaError(_("Besökstiden ligger i framtiden."))
    with transaction.atomic():
        visit = TemporaryVisit.objects.create(
            patient=patient,
            unit=unit,
            staff=staff,
            visited_at=visited_at,
            reason=reason.strip(),
            outcome=outcome.strip(),
        )
        access_log_record(
            staff=staff,
            unit=unit,
            patient=patient,
            action=AccessLogEntry.Action.EDIT_PATIENT,
            purpose=AccessLogEntry.Purpose.CARE,
            outcome=AccessLogEntry.Outcome.GRANTED,
            detail="temporary visit recorded",
        )
    return visit
