"""The only way to write the access log."""

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
    user = staff.user if staff is not None else user
    return AccessLogEntry.objects.create(
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
