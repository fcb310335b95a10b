"""The access policy (patientdatalagen, inre sekretess): who may read which patient.

One module decides. A staff member may read a patient when one of their units
has an open care relationship with the patient, or when they have an unexpired
emergency access (nödåtkomst) with a stated reason. Nobody else, whatever their
Django flags: a superuser without a staff profile sees no patients.

The shared record holds the region's data (the hospital's episode, agreement, values).
A municipal unit reads it only while the patient consents to information sharing
between region and municipality (sammanhållen journalföring); a revoked consent stops
new reads at once. Emergency access remains possible, with its reason, for review.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from hemma.accounts.models import Membership, Organisation, Staff, Unit
from hemma.audit.models import AccessLogEntry

from .models import CareRelationship, EmergencyAccess, Patient, SharingConsent

MUNICIPALITY = Organisation.Kind.MUNICIPALITY


@dataclass(frozen=True)
class AccessDecision:
    granted: bool
    purpose: str  # AccessLogEntry.Purpose
    unit: Unit | None  # the unit the access is made through (logged)
    emergency: EmergencyAccess | None = None


def decide_patient_access(
    *, staff: Staff | None, acting_unit: Unit | None, patient: Patient
) -> AccessDecision:
    denied = AccessDecision(False, AccessLogEntry.Purpose.CARE, acting_unit)
    if staff is None:
        return denied
    relationships = CareRelationship.objects.filter(
        _open_relationship(), patient=patient, unit__memberships__staff=staff
    )
    if not has_sharing_consent(patient):
        relationships = relationships.exclude(unit__organisation__kind=MUNICIPALITY)
    related_unit_ids = set(relationships.values_list("unit_id", flat=True))
    if related_unit_ids:
        # Prefer the unit the user acts for; otherwise the log names the unit that holds
        # the relationship, so a review can see on what basis the record was opened.
        if acting_unit is not None and acting_unit.pk in related_unit_ids:
            unit = acting_unit
        else:
            unit = Unit.objects.get(pk=min(related_unit_ids))
        return AccessDecision(True, AccessLogEntry.Purpose.CARE, unit)
    emergency = active_emergency_access(staff=staff, patient=patient)
    if emergency is not None:
        return AccessDecision(True, AccessLogEntry.Purpose.EMERGENCY, emergency.unit, emergency)
    return denied


def has_sharing_consent(patient: Patient) -> bool:
    return SharingConsent.objects.filter(patient=patient, revoked_at__isnull=True).exists()


def active_emergency_access(*, staff: Staff, patient: Patient) -> EmergencyAccess | None:
    return (
        EmergencyAccess.objects.filter(staff=staff, patient=patient, expires_at__gt=timezone.now())
        .select_related("unit")
        .order_by("-created_at")
        .first()
    )


def patients_in_care_of(staff: Staff | None, *, unit: Unit | None = None) -> QuerySet[Patient]:
    """Patients with an open care relationship to the staff member's units (or one of them)."""
    if staff is None:
        return Patient.objects.none()
    unit_ids = Membership.objects.filter(staff=staff).values("unit_id")
    relationships = CareRelationship.objects.filter(_open_relationship(), unit_id__in=unit_ids)
    # Municipal units list only patients who consent to sharing with the municipality.
    relationships = relationships.filter(
        ~Q(unit__organisation__kind=MUNICIPALITY)
        | Q(
            patient__sharing_consents__revoked_at__isnull=True,
            patient__sharing_consents__isnull=False,
        )
    )
    if unit is not None:
        relationships = relationships.filter(unit=unit)
    return Patient.objects.filter(pk__in=relationships.values("patient_id"))


def may_manage_care_team(*, staff: Staff | None, unit: Unit | None, patient: Patient) -> bool:
    """Only a unit already in the care team may add other units to it."""
    if staff is None or unit is None:
        return False
    return CareRelationship.objects.filter(
        patient=patient, unit=unit, ended_at__isnull=True, unit__memberships__staff=staff
    ).exists()


def _open_relationship() -> Q:
    """Open, or ended with a future end: after a discharge the team keeps read access for a
    grace period (HEMMA_CARE_RELATIONSHIP_GRACE_DAYS) to follow up results."""
    return Q(ended_at__isnull=True) | Q(ended_at__gt=timezone.now())
