"""Reads of patient data. Every one goes through policy.py and writes the access log.

Views call these and never query Patient themselves (healthchecks'
_get_check_for_user pattern): the policy cannot be forgotten.
"""

import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record, access_log_record_many
from hemma.clinical.identifiers import InvalidIdentifier, parse_personal_identity

from .models import Block, CareRelationship, Patient
from .policy import (
    AccessDecision,
    BlockDecision,
    decide_blocks,
    decide_patient_access,
    patients_visible_to,
)

Action = AccessLogEntry.Action
Outcome = AccessLogEntry.Outcome


@dataclass(frozen=True)
class PatientAccess:
    patient: Patient
    decision: AccessDecision


def get_patient_for_user(
    *,
    staff: Staff | None,
    acting_unit: Unit | None,
    patient_id,
    action: str = Action.VIEW_PATIENT,
    detail: str = "",
    health_record: bool = False,
) -> PatientAccess:
    """Fetch one patient, check the policy, log the access (granted or denied).

    Unknown and forbidden patients both raise Http404, so the answer does not
    reveal whether the patient exists; both are logged as denied. With
    `health_record=True` the page shows the health record: a home-care unit
    (Scope.SOL) is refused the same way, with one denied entry and no granted one.
    """
    patient = _patient_or_none(patient_id)
    decision = (
        decide_patient_access(staff=staff, acting_unit=acting_unit, patient=patient)
        if patient is not None
        else None
    )
    granted = decision is not None and (
        decision.health_record if health_record else decision.granted
    )
    if patient is None:
        detail = f"{detail} id={patient_id}".strip()
    elif decision.granted and not granted:
        detail = f"{detail}: health record".strip()
    access_log_record(
        staff=staff,
        unit=decision.unit if granted else acting_unit,
        patient=patient,
        action=action,
        purpose=decision.purpose if granted else AccessLogEntry.Purpose.CARE,
        outcome=Outcome.GRANTED if granted else Outcome.DENIED,
        detail=detail,
    )
    if not granted:
        raise Http404("No patient")
    return PatientAccess(patient, decision)


def deny(
    *,
    staff: Staff | None,
    acting_unit: Unit | None,
    what: str,
    patient=None,
    action=Action.VIEW_PATIENT,
):
    """Log a refusal naming the object, then answer 404 (the same answer as for an
    unknown object, so a probe learns nothing). Every refused object read or action
    goes through here."""
    access_log_record(
        staff=staff,
        unit=acting_unit,
        patient=patient,
        action=action,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=Outcome.DENIED,
        detail=what,
    )
    raise Http404(what)


def refuse(
    *,
    staff: Staff | None,
    acting_unit: Unit | None,
    what: str,
    patient=None,
    action: str = AccessLogEntry.Action.EDIT_PATIENT,
    why: str = "refused",
    message: str | None = None,
):
    """A visible record, an action the policy refuses: a DENIED entry naming the object and
    the action (and `why`, e.g. "blocked information" for what the patient blocked), then
    403 (the handler403 page, with `message` when given). Nothing has changed."""
    access_log_record(
        staff=staff,
        unit=acting_unit,
        patient=patient,
        action=action,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.DENIED,
        detail=f"{what}: {why}",
    )
    raise PermissionDenied(message or what)


def log_granted(
    *, staff: Staff | None, decision: AccessDecision, patient, action: str, detail: str
):
    """A read the policy granted (`decision`), logged through the unit and purpose it names."""
    access_log_record(
        staff=staff,
        unit=decision.unit,
        patient=patient,
        action=action,
        purpose=decision.purpose,
        outcome=Outcome.GRANTED,
        detail=detail,
    )


def object_or_deny(request, queryset, object_id, *, what: str, action=Action.EDIT_PATIENT):
    """The object with this id, or – unknown id – a denied entry naming it and a 404: a
    probe for ids leaves a trace like a refusal does."""
    found = queryset.filter(pk=object_id).first()
    if found is None:
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"{what} id={object_id}",
            action=action,
        )
    return found


def _patient_or_none(patient_id) -> Patient | None:
    try:
        key = uuid.UUID(str(patient_id))
    except ValueError:
        return None
    # Whether the patient has an active block (spärr): a page without one asks no more.
    active_block = Block.objects.filter(patient_id=OuterRef("pk"), lifted_at=None)
    return (
        Patient.objects.select_related("listed_unit", "home_municipality")
        .annotate(has_active_block=Exists(active_block))
        .filter(pk=key)
        .first()
    )


@dataclass(frozen=True)
class PatientSearch:
    patients: list[Patient]
    query: str
    # A complete, valid number that matched none of the user's patients: offer emergency access.
    offer_emergency_for: str | None


def patient_search(
    *, staff: Staff | None, acting_unit: Unit | None, query: str = "", only_unit: bool = False
) -> PatientSearch:
    """The patient list: the user's patients, filtered by name or number. Logged."""
    # Printable characters only: a NUL byte cannot be stored in PostgreSQL text (or the log).
    query = "".join(char for char in query if char.isprintable()).strip()[:100]
    patients = patients_visible_to(staff, unit=acting_unit if only_unit else None)
    identity = _identity_or_none(query)
    if identity is not None:
        patients = patients.filter(personal_number=identity.number)
    elif query:
        patients = patients.filter(_name_or_number_filter(query))
    rows = list(patients.select_related("listed_unit").order_by("last_name", "first_name")[:200])
    access_log_record_many(
        staff=staff,
        unit=acting_unit,
        patients=rows,
        action=Action.SEARCH if query else Action.LIST_PATIENTS,
        detail=query,
    )
    offer = identity.formatted if identity is not None and not rows and staff else None
    return PatientSearch(rows, query, offer)


REGISTER_EXISTING = "register: number already registered"


def registration_of_existing(
    *, staff: Staff | None, acting_unit: Unit | None, patient_id, identity
) -> PatientAccess | PatientSearch:
    """The answer to registering a number that is already in Hemma: exactly what a search
    for the number answers, so registering does not reveal whether a number exists.

    A user who may see the patient gets the patient (PatientAccess); anyone else gets the
    search page's "none of your patients" with the offer of emergency access, worded as for
    a number that is not in Hemma at all. Logged as a search, granted or denied, with the
    patient (the log may tell a reviewer what the user was not told)."""
    try:
        return get_patient_for_user(
            staff=staff,
            acting_unit=acting_unit,
            patient_id=patient_id,
            action=Action.SEARCH,
            detail=REGISTER_EXISTING,
        )
    except Http404:
        return PatientSearch([], identity.formatted, identity.formatted if staff else None)


def _identity_or_none(query: str):
    if not re.fullmatch(r"[0-9+\- ]{10,13}", query):
        return None
    try:
        return parse_personal_identity(query.replace(" ", ""))
    except InvalidIdentifier:
        return None


def _name_or_number_filter(query: str) -> Q:
    digits = re.sub(r"[^0-9]", "", query)
    if digits and len(digits) >= 6 and not re.search(r"[A-Za-zÅÄÖåäö]", query):
        # A partial number: match from the birth date, with or without the century.
        return Q(personal_number__startswith=digits) | Q(personal_number__regex=f"^..{digits}")
    condition = Q()
    for word in query.split():
        condition &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return condition


def care_team_of(patient: Patient) -> list[CareRelationship]:
    """Open care relationships, for a patient already fetched through get_patient_for_user."""
    return list(
        patient.care_relationships.filter(ended_at__isnull=True)
        .select_related("unit__organisation")
        .order_by("unit__name")
    )


def blocks_for_page(
    *,
    staff: Staff | None,
    acting_unit: Unit | None,
    patient: Patient,
    where: str,
    active: list | None = None,
) -> BlockDecision:
    """What a page showing the patient's documentation hides (policy.decide_blocks). When
    it shows blocked information because the staff member holds an opening with the
    patient's consent, that is logged too (purpose emergency, naming the page)."""
    blocks = decide_blocks(staff=staff, acting_unit=acting_unit, patient=patient, active=active)
    if blocks.opened:
        access_log_record(
            staff=staff,
            unit=acting_unit,
            patient=patient,
            action=Action.VIEW_PATIENT,
            purpose=AccessLogEntry.Purpose.EMERGENCY,
            outcome=Outcome.GRANTED,
            detail=f"blocked information shown with the patient's consent: {where}",
        )
    return blocks


def active_blocks_of(patient: Patient) -> list[Block]:
    """The patient's active blocks, for the care team's section of the patient page."""
    return list(
        Block.objects.filter(patient=patient, lifted_at__isnull=True)
        .select_related("blocked_unit__organisation", "created_by__user", "created_unit")
        .order_by("blocked_unit__name")
    )
