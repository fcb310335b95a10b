"""Blocking (spärr, patientdatalagen 4 kap. 4 § and 6 kap. 2–3 §§): the patient's blocks of
what a unit has documented, their lifting, and the opening of blocked information with the
patient's consent. Re-exported by services.py, the app's one place that changes state.

One function per use case, keyword-only, in a transaction, writing the access log; a
refusal writes a `denied` entry and changes nothing. Who may record and lift:
`policy.may_manage_blocks` (the rule of the sharing consent). What a block hides:
`policy.decide_blocks`.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.errors import Conflict, NotAllowed, NotFound

from .models import Block, CareRelationship, EmergencyAccess, Patient
from .policy import decide_blocks, may_manage_blocks

Action = AccessLogEntry.Action
Purpose = AccessLogEntry.Purpose
GRANTED = AccessLogEntry.Outcome.GRANTED

MIN_OPENING_REASON_LENGTH = 10


def _log(staff, unit, patient, detail, *, outcome=GRANTED, action=Action.EDIT_PATIENT):
    access_log_record(
        staff=staff,
        unit=unit,
        patient=patient,
        action=action,
        purpose=Purpose.EMERGENCY if action == Action.EMERGENCY_ACCESS else Purpose.CARE,
        outcome=outcome,
        detail=detail,
    )


def _refuse(staff, unit, patient, detail, message):
    _log(staff, unit, patient, f"{detail}: refused", outcome=AccessLogEntry.Outcome.DENIED)
    raise NotAllowed(message)


def blockable_units(patient: Patient):
    """The units a block can name: those that have (or had) a care relationship with the
    patient, i.e. that may have documented about the patient in Hemma."""
    unit_ids = CareRelationship.objects.filter(patient=patient).values("unit_id")
    return Unit.objects.filter(pk__in=unit_ids).select_related("organisation")


def block_record(
    *, staff: Staff, unit: Unit, patient: Patient, blocked_unit: Unit, note: str = ""
) -> Block:
    """Record the patient's block of what `blocked_unit` has documented (the patient's own
    wish, told to the care team). One active block per unit: a second is a Conflict."""
    detail = f"block record {blocked_unit.hsa_id}"
    if not may_manage_blocks(staff=staff, unit=unit, patient=patient):
        _refuse(
            staff,
            unit,
            patient,
            detail,
            _("Bara en enhet i vårdteamet kan registrera en spärr på patientens begäran."),
        )
    if not blockable_units(patient).filter(pk=blocked_unit.pk).exists():
        raise Conflict(_("Enheten har inte dokumenterat om patienten i Hemma."))
    try:
        with transaction.atomic():
            block = Block.objects.create(
                patient=patient,
                blocked_unit=blocked_unit,
                note=note.strip(),
                created_by=staff,
                created_unit=unit,
            )
            _log(staff, unit, patient, detail)
    except IntegrityError:
        raise Conflict(
            _("Informationen från %(unit)s är redan spärrad.") % {"unit": blocked_unit.name}
        ) from None
    return block


def block_lift(*, staff: Staff, unit: Unit, patient: Patient, block_id: int) -> Block:
    """Lift a block on the patient's request: recorded (when, by whom, for which unit),
    never deleted."""
    block = (
        Block.objects.filter(pk=block_id, patient=patient).select_related("blocked_unit").first()
    )
    # A refusal first, naming the block (or the id probed): the same answer either way.
    detail = f"block lift {block.blocked_unit.hsa_id if block else f'id={block_id}'}"
    if not may_manage_blocks(staff=staff, unit=unit, patient=patient):
        _refuse(
            staff,
            unit,
            patient,
            detail,
            _("Bara en enhet i vårdteamet kan häva en spärr på patientens begäran."),
        )
    if block is None or block.lifted_at is not None:
        raise NotFound(_("Spärren är redan hävd."))
    with transaction.atomic():
        lifted = Block.objects.filter(pk=block.pk, lifted_at__isnull=True).update(
            lifted_at=timezone.now(), lifted_by=staff, lifted_unit=unit
        )
        if not lifted:
            raise NotFound(_("Spärren är redan hävd."))
        _log(staff, unit, patient, f"{detail} on the patient's request")
    block.refresh_from_db()
    return block


def block_open(
    *, staff: Staff, unit: Unit, patient: Patient, reason: str, patient_consents: bool
) -> EmergencyAccess:
    """Open the information the patient has blocked from this staff member's care provider,
    for HEMMA_EMERGENCY_ACCESS_HOURS, only with the patient's consent given now and a
    stated reason. Recorded as an emergency access (`opens_blocks`), so log review flags it
    for review; the access log names it. The caller has fetched the patient through the
    policy (the opening opens no record by itself)."""
    reason = reason.strip()
    if not patient_consents:
        _refuse(
            staff,
            unit,
            patient,
            "block open without the patient's consent",
            _("Spärrad information kan bara öppnas om patienten samtycker."),
        )
    if len(reason) < MIN_OPENING_REASON_LENGTH:
        raise NotAllowed(_("Ange skälet (minst %(n)d tecken).") % {"n": MIN_OPENING_REASON_LENGTH})
    if not decide_blocks(staff=staff, acting_unit=unit, patient=patient).hidden:
        raise Conflict(_("Det finns ingen spärrad information att öppna."))
    with transaction.atomic():
        now = timezone.now()
        opening = EmergencyAccess.objects.create(
            staff=staff,
            unit=unit,
            patient=patient,
            reason=reason,
            expires_at=now + timedelta(hours=settings.HEMMA_EMERGENCY_ACCESS_HOURS),
            opens_blocks=True,
            patient_consent=True,
        )
        _log(
            staff,
            unit,
            patient,
            f"block opened with the patient's consent: {reason}",
            action=Action.EMERGENCY_ACCESS,
        )
    return opening
