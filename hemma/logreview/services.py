"""State changes of the log review: reading the log is itself logged."""

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record_many
from hemma.patients.models import Patient


def log_review_record(*, staff: Staff, unit: Unit | None, entries) -> int:
    """A log reviewer read these entries: the patients they name are shown, so the review
    is itself logged (purpose log review), one entry per patient on the page."""
    patient_ids = {entry.patient_id for entry in entries if entry.patient_id}
    if not patient_ids:
        return 0
    return access_log_record_many(
        staff=staff,
        unit=unit,
        patients=Patient.objects.filter(pk__in=patient_ids),
        action=AccessLogEntry.Action.LIST_PATIENTS,
        purpose=AccessLogEntry.Purpose.LOG_REVIEW,
        detail="log review",
    )
