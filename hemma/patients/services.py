"""Every change to patients, next of kin, care relationships and emergency access.

One function per use case, keyword-only, in a transaction, writing the access log.
Blocking (spärr) lives in blocks.py and is re-exported here: `block_record`, `block_lift`,
`block_open`; the ambulance consent in ambulance.py: `ambulance_consent_record`,
`ambulance_consent_revoke`.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Organisation, Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.clinical.identifiers import PersonalIdentity, normalize_phone
from hemma.errors import Conflict, NotAllowed, NotFound

from .ambulance import ambulance_consent_record as ambulance_consent_record
from .ambulance import ambulance_consent_revoke as ambulance_consent_revoke
from .blocks import block_lift as block_lift
from .blocks import block_open as block_open
from .blocks import block_record as block_record
from .models import CareRelationship, EmergencyAccess, NextOfKin, Patient, SharingConsent
from .policy import may_add_to_care_team, may_end_relationship, may_manage_care_team

Action = AccessLogEntry.Action
Purpose = AccessLogEntry.Purpose
GRANTED = AccessLogEntry.Outcome.GRANTED

MIN_EMERGENCY_REASON_LENGTH = 10


@dataclass(frozen=True)
class PatientDetails:
    """What a user types about a patient; identity-derived fields are not here."""

    first_name: str
    last_name: str
    street_address: str = ""
    postal_code: str = ""
    city: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    phone: str = ""
    preferred_language: str = "svenska"
    listed_unit: Unit | None = None
    home_municipality: Organisation | None = None


def _apply_details(patient: Patient, details: PatientDetails) -> None:
    for field, value in details.__dict__.items():
        setattr(patient, field, value)
    patient.phone = normalize_phone(details.phone) if details.phone else ""


class AlreadyRegistered(Conflict):
    """The number is already in Hemma. Its message must not reach a user who may not see the
    patient: views answer like a search for the number (selectors.registration_of_existing)."""

    def __init__(self, identity: PersonalIdentity, patient_id):
        super().__init__(
            _("Det finns redan en patient med personnummer %(pnr)s.") % {"pnr": identity.formatted}
        )
        self.identity = identity
        self.patient_id = patient_id


def _registered_id(identity: PersonalIdentity):
    return (
        Patient.objects.filter(personal_number=identity.number).values_list("pk", flat=True).first()
    )


def patient_register(
    *, staff: Staff, unit: Unit, identity: PersonalIdentity, details: PatientDetails
) -> Patient:
    """Register a patient and put the registering unit in the care team.

    Raises AlreadyRegistered (nothing written) when the number is already in Hemma."""
    if (existing := _registered_id(identity)) is not None:
        raise AlreadyRegistered(identity, existing)
    patient = Patient()
    patient.apply_identity(identity)
    _apply_details(patient, details)
    try:
        with transaction.atomic():
            patient.save()
            CareRelationship.objects.create(
                patient=patient,
                unit=unit,
                basis=CareRelationship.Basis.CARE_TEAM,
                started_by=staff.user,
            )
            access_log_record(
                staff=staff,
                unit=unit,
                patient=patient,
                action=Action.REGISTER_PATIENT,
                purpose=Purpose.CARE,
                outcome=GRANTED,
            )
    except IntegrityError:
        # Two users registering the same number at once: the unique constraint decides.
        if (existing := _registered_id(identity)) is None:
            raise
        raise AlreadyRegistered(identity, existing) from None
    return patient


def patient_update_details(
    *, staff: Staff, unit: Unit, patient: Patient, details: PatientDetails
) -> Patient:
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        _apply_details(patient, details)
        patient.save()
        access_log_record(
            staff=staff,
            unit=unit,
            patient=patient,
            action=Action.EDIT_PATIENT,
            purpose=Purpose.CARE,
            outcome=GRANTED,
            detail="details",
        )
    return patient


def next_of_kin_add(
    *, staff: Staff, unit: Unit, patient: Patient, name: str, relation: str, phone: str
) -> NextOfKin:
    with transaction.atomic():
        kin = NextOfKin.objects.create(
            patient=patient,
            name=name.strip(),
            relation=relation.strip(),
            phone=normalize_phone(phone),
        )
        access_log_record(
            staff=staff,
            unit=unit,
            patient=patient,
            action=Action.EDIT_PATIENT,
            purpose=Purpose.CARE,
            outcome=GRANTED,
            detail=f"next_of_kin_add {kin.pk}",
        )
    return kin


def next_of_kin_remove(*, staff: Staff, unit: Unit, patient: Patient, kin_id: int) -> None:
    with transaction.atomic():
        deleted, _rows = NextOfKin.objects.filter(patient=patient, pk=kin_id).delete()
        if not deleted:
            raise NotFound(_("Den närstående finns inte (längre)."))
        access_log_record(
            staff=staff,
            unit=unit,
            patient=patient,
            action=Action.EDIT_PATIENT,
            purpose=Purpose.CARE,
            outcome=GRANTED,
            detail=f"next_of_kin_remove {kin_id}",
        )


def care_relationship_start(
    *,
    staff: Staff,
    unit: Unit,
    patient: Patient,
    target_unit: Unit,
    basis: str = CareRelationship.Basis.CARE_TEAM,
) -> CareRelationship:
    """The managing unit adds another unit (e.g. the ward adds home health care): the owning
    ward of an open episode, or the listing centre outside an episode. A refusal is logged."""
    if not may_add_to_care_team(staff=staff, unit=unit, patient=patient):
        _log_refusal(staff, unit, patient, f"care_relationship_start {target_unit.hsa_id}")
        raise NotAllowed(
            _(
                "Bara en enhet i vårdteamet kan lägga till andra enheter: avdelningen som "
                "har vårdtillfället, annars patientens vårdcentral."
            )
        )
    try:
        with transaction.atomic():
            relationship = CareRelationship.objects.create(
                patient=patient, unit=target_unit, basis=basis, started_by=staff.user
            )
            access_log_record(
                staff=staff,
                unit=unit,
                patient=patient,
                action=Action.EDIT_PATIENT,
                purpose=Purpose.CARE,
                outcome=GRANTED,
                detail=f"care_relationship_start {target_unit.hsa_id}",
            )
    except IntegrityError:
        raise Conflict(
            _("%(unit)s har redan en vårdrelation med patienten.") % {"unit": target_unit.name}
        ) from None
    return relationship


def _log_refusal(staff: Staff, unit: Unit | None, patient: Patient, detail: str) -> None:
    access_log_record(
        staff=staff,
        unit=unit,
        patient=patient,
        action=Action.EDIT_PATIENT,
        purpose=Purpose.CARE,
        outcome=AccessLogEntry.Outcome.DENIED,
        detail=f"{detail}: refused",
    )


def care_relationship_end(
    *, staff: Staff, unit: Unit, patient: Patient, relationship_id: int
) -> CareRelationship:
    """A unit ends its own relationship; the managing unit (see care_relationship_start)
    ends another's. A refusal is logged and changes nothing."""
    relationship = (
        CareRelationship.objects.filter(pk=relationship_id, patient=patient, ended_at__isnull=True)
        .select_related("unit")
        .first()
    )
    if relationship is None:
        raise NotFound(_("Vårdrelationen är redan avslutad."))
    relationship.patient = patient
    if not may_end_relationship(staff=staff, unit=unit, relationship=relationship):
        _log_refusal(staff, unit, patient, f"care_relationship_end {relationship.unit.hsa_id}")
        raise NotAllowed(
            _(
                "En enhet avslutar sin egen vårdrelation; andras avslutas av avdelningen som "
                "har vårdtillfället, annars av patientens vårdcentral."
            )
        )
    with transaction.atomic():
        relationship = (
            CareRelationship.objects.select_for_update()
            .filter(pk=relationship_id, patient=patient, ended_at__isnull=True)
            .select_related("unit")
            .first()
        )
        if relationship is None:
            raise NotFound(_("Vårdrelationen är redan avslutad."))
        relationship.ended_at = timezone.now()
        relationship.save(update_fields=["ended_at"])
        access_log_record(
            staff=staff,
            unit=unit,
            patient=patient,
            action=Action.EDIT_PATIENT,
            purpose=Purpose.CARE,
            outcome=GRANTED,
            detail=f"care_relationship_end {relationship.unit.hsa_id}",
        )
    return relationship


def emergency_access_start(
    *, staff: Staff, unit: Unit, identity: PersonalIdentity, reason: str
) -> EmergencyAccess:
    """Nödåtkomst: open a patient without a care relationship. Flagged for review."""
    reason = reason.strip()
    if len(reason) < MIN_EMERGENCY_REASON_LENGTH:
        raise NotAllowed(
            _("Ange skälet till nödåtkomsten (minst %(n)d tecken).")
            % {"n": MIN_EMERGENCY_REASON_LENGTH}
        )
    patient = Patient.objects.filter(personal_number=identity.number).first()
    if patient is None:
        # Logged (not rolled back): a search for a number without a patient is still an access.
        access_log_record(
            staff=staff,
            unit=unit,
            action=Action.EMERGENCY_ACCESS,
            purpose=Purpose.EMERGENCY,
            outcome=AccessLogEntry.Outcome.DENIED,
            detail=f"{identity.formatted}: {reason}",
        )
        raise NotFound(
            _("Ingen patient med personnummer %(pnr)s finns i Hemma.") % {"pnr": identity.formatted}
        )
    with transaction.atomic():
        now = timezone.now()
        access = EmergencyAccess.objects.create(
            staff=staff,
            unit=unit,
            patient=patient,
            reason=reason,
            expires_at=now + timedelta(hours=settings.HEMMA_EMERGENCY_ACCESS_HOURS),
        )
        access_log_record(
            staff=staff,
            unit=unit,
            patient=patient,
            action=Action.EMERGENCY_ACCESS,
            purpose=Purpose.EMERGENCY,
            outcome=GRANTED,
            detail=reason,
        )
    return access


def emergency_access_review(
    *, reviewer: Staff, access_id: int, note: str, reviewable_organisation_ids: set[int]
) -> EmergencyAccess:
    with transaction.atomic():
        access = (
            EmergencyAccess.objects.select_for_update()
            .filter(pk=access_id, unit__organisation_id__in=reviewable_organisation_ids)
            .first()
        )
        if access is None:
            raise NotFound(_("Nödåtkomsten finns inte eller hör till en annan vårdgivare."))
        if access.reviewed_at is not None:
            raise Conflict(_("Nödåtkomsten är redan granskad."))
        if access.staff_id == reviewer.pk:
            raise NotAllowed(_("Du kan inte granska din egen nödåtkomst."))
        access.reviewed_at = timezone.now()
        access.reviewed_by = reviewer
        access.review_note = note.strip()
        access.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    return access


def sharing_consent_record(
    *, staff: Staff | None, unit: Unit | None, patient: Patient, note: str = ""
) -> SharingConsent:
    """The patient consents to sharing between region and municipality (idempotent)."""
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        consent = SharingConsent.objects.filter(patient=patient, revoked_at__isnull=True).first()
        if consent is None:
            consent = SharingConsent.objects.create(
                patient=patient, recorded_by=staff, note=note.strip()
            )
            if staff is not None:
                access_log_record(
                    staff=staff,
                    unit=unit,
                    patient=patient,
                    action=Action.EDIT_PATIENT,
                    purpose=Purpose.CARE,
                    outcome=GRANTED,
                    detail="sharing consent given",
                )
    return consent


def sharing_consent_revoke(*, staff: Staff, unit: Unit, patient: Patient) -> None:
    """Revoked at once: municipal units stop reading the shared record from now on."""
    if not may_manage_care_team(staff=staff, unit=unit, patient=patient):
        raise NotAllowed(_("Bara en enhet i vårdteamet kan registrera att samtycket återkallas."))
    with transaction.atomic():
        revoked = SharingConsent.objects.filter(patient=patient, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=staff
        )
        if not revoked:
            raise NotFound(_("Det finns inget gällande samtycke."))
        access_log_record(
            staff=staff,
            unit=unit,
            patient=patient,
            action=Action.EDIT_PATIENT,
            purpose=Purpose.CARE,
            outcome=GRANTED,
            detail="sharing consent revoked",
        )


def care_relationship_ensure(patient: Patient, unit: Unit | None, staff: Staff) -> None:
    """Open a care relationship between the patient and a unit taking part in an episode,
    unless one is open already (the episode's units may then see the patient)."""
    if unit is None:
        return
    exists = CareRelationship.objects.filter(patient=patient, unit=unit, ended_at__isnull=True)
    if not exists.exists():
        CareRelationship.objects.create(
            patient=patient, unit=unit, basis=CareRelationship.Basis.EPISODE, started_by=staff.user
        )
