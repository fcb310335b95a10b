"""The only way to write the access log.

The log sits below the patient record: it imports nothing from hemma.patients (models
refer to patients by string, and callers pass the patient objects). The log review
(hemma.logreview) sits above both."""

import re
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from hemma.accounts.models import Staff, Unit

from .models import AccessLogEntry

Action = AccessLogEntry.Action
Purpose = AccessLogEntry.Purpose
Outcome = AccessLogEntry.Outcome


def access_log_record(
    *,
    staff: Staff | None,
    user=None,
    unit: Unit | None,
    patient=None,
    action: str,
    purpose: str,
    outcome: str,
    detail: str = "",
) -> AccessLogEntry:
    """Write one access-log entry. Called for every read of patient data, granted or denied."""
    detail = storable(detail)
    entry = _entry(
        staff=staff,
        user=user,
        unit=unit,
        patient=patient,
        action=action,
        purpose=purpose,
        outcome=outcome,
        detail=detail,
    )
    entry.save()
    return entry


def access_log_record_many(
    *,
    staff: Staff | None,
    unit: Unit | None,
    patients: Iterable,
    action: str,
    detail: str = "",
    purpose: str = Purpose.CARE,
) -> int:
    """One entry per patient shown by a list, inbox, planner or map, in one insert.

    An unchanged re-display (the alert panel polls every few seconds) within
    HEMMA_ACCESS_LOG_REPEAT_MINUTES is not logged again: the same user, unit, action,
    detail and patient already stand in the log for that window. An empty list writes
    one entry without a patient, so the search or list itself is still on record.
    Returns the number of entries written."""
    detail = storable(detail)
    unique = list({patient.pk: patient for patient in patients}.values())
    if not unique:
        access_log_record(
            staff=staff,
            unit=unit,
            action=action,
            purpose=purpose,
            outcome=Outcome.GRANTED,
            detail=detail,
        )
        return 1
    already = _logged_within_window(staff, unit, action, detail, [p.pk for p in unique])
    entries = [
        _entry(
            staff=staff,
            unit=unit,
            patient=patient,
            action=action,
            purpose=purpose,
            outcome=Outcome.GRANTED,
            detail=detail,
        )
        for patient in unique
        if patient.pk not in already
    ]
    AccessLogEntry.objects.bulk_create(entries)
    return len(entries)


def _logged_within_window(staff, unit, action, detail, patient_ids) -> set:
    minutes = settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES
    if minutes <= 0 or staff is None:
        return set()
    since = timezone.now() - timedelta(minutes=minutes)
    return set(
        AccessLogEntry.objects.filter(
            user_id=staff.user_id,
            unit=unit,
            action=action,
            detail=detail[:500],
            outcome=Outcome.GRANTED,
            occurred_at__gte=since,
            patient_id__in=patient_ids,
        ).values_list("patient_id", flat=True)
    )


_NOT_STORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates


def storable(text: str) -> str:
    """A detail as any database stores it: a denial's detail may quote what was posted
    (a made-up id), and PostgreSQL refuses NUL and a lone surrogate in text (U+FFFD
    stands for each)."""
    return _NOT_STORABLE.sub("\ufffd", text)


def _entry(
    *, staff, unit, action, purpose, outcome, detail="", patient=None, user=None
) -> AccessLogEntry:
    user = staff.user if staff is not None else user
    return AccessLogEntry(
        user=user if user is not None and user.is_authenticated else None,
        user_display=(staff.display_name if staff else getattr(user, "username", "")) or "-",
        staff_hsa_id=staff.hsa_id if staff else "",
        unit=unit,
        unit_display=unit.name if unit else "",
        patient=patient,
        patient_display=(
            f"{patient.full_name} {patient.formatted_personal_number}" if patient else ""
        ),
        action=action,
        purpose=purpose,
        outcome=outcome,
        detail=detail[:500],
    )
