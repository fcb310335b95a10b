"""The patient's consent to the ambulance service being informed (`AmbulanceConsent`).

Recorded and revoked by the managing unit of the care team (the ward of the open episode:
the sharing consent's and the block's rule, `policy.may_manage_care_team`); a refusal is
logged and changes nothing. Re-exported by services.py.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.errors import NotAllowed, NotFound

from .models import AmbulanceConsent, Patient
from .policy import may_manage_care_team


def _log(staff: Staff, unit: Unit, patient: Patient, detail: str, granted: bool) -> None:
    access_log_record(
        staff=staff,
        unit=unit,
        patient=patient,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED if granted else AccessLogEntry.Outcome.DENIED,
        detail=detail if granted else f"{detail}: refused",
    )


def _require_manager(staff: Staff, unit: Unit, patient: Patient, detail: str) -> None:
    if not may_manage_care_team(staff=staff, unit=unit, patient=patient):
        _log(staff, unit, patient, detail, granted=False)
        raise NotAllowed(
            _("Bara avdelningen som har vårdtillfället kan registrera samtycket för ambulansen.")
        )


def ambulance_consent_record(
    *, staff: Staff, unit: Unit, patient: Patient, note: str = ""
) -> AmbulanceConsent:
    """The patient consents to the ambulance being informed (idempotent: an active consent
    is returned as it is)."""
    _require_manager(staff, unit, patient, "ambulance consent given")
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        consent = AmbulanceConsent.objects.filter(patient=patient, revoked_at=None).first()
        if consent is None:
            consent = AmbulanceConsent.objects.create(
                patient=patient, recorded_by=staff, recorded_unit=unit, note=note.strip()
            )
            _log(staff, unit, patient, "ambulance consent given", granted=True)
    return consent


def ambulance_consent_revoke(*, staff: Staff, unit: Unit, patient: Patient) -> None:
    """Revoked at once: the ambulance's list and summary stop showing the patient."""
    _require_manager(staff, unit, patient, "ambulance consent revoked")
    with transaction.atomic():
        revoked = AmbulanceConsent.objects.filter(patient=patient, revoked_at=None).update(
            revoked_at=timezone.now(), revoked_by=staff
        )
        if not revoked:
            raise NotFound(_("Det finns inget gällande samtycke för ambulansen."))
        _log(staff, unit, patient, "ambulance consent revoked", granted=True)
