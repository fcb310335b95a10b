"""The access policy (patientdatalagen, inre sekretess): one module answers three questions.

*See*: may this staff member, acting for this unit, read this patient, and which part of
the record (`Scope.HSL`: the health record; `Scope.SOL`: a home-care unit sees only what its
own request needs)? A staff member may read a patient when one of their units has an open
care relationship with the patient (or one ended within the grace period after discharge),
or when they hold an unexpired emergency access (nödåtkomst) with a stated reason. Nobody
else, whatever their Django flags: a superuser without a staff profile sees no patients.

*List*: `patients_visible_to(staff, unit)` is the one queryset filter every list, worklist,
inbox, planner, map, meeting and case page uses, so a list can never show more than the
patient page would.

*Do*: `may_do(staff, unit, action, episode)` decides from the unit's role in the episode
(the owning ward decides clinical steps; the visiting team records visits, readings and
criteria; primary care reads and receives referrals; home care sees its own requests) and
the staff member's profession. Templates show the actions `allowed_actions` returns, and
services call `require_action`, so a crafted POST meets the same refusal as a hidden button.

The shared record holds the region's data. A municipal unit reads it only while the
patient consents to information sharing between region and municipality (sammanhållen
journalföring); a revoked consent stops new reads, lists and inboxes at once. Emergency
access remains possible, with its reason, for review.

An ambulance unit reads, in the scope `Scope.AMBULANCE`, the patients at home in its
area who consented to the ambulance being informed (`AmbulanceConsent`): its area is the
region that owns the episode's ward (the ambulance unit's organisation). It sees the safety
place, the agreement's instruction and the ward's number, never the health record; a
revoked consent, a readmission or a discharge takes the patient off its list at once.

A patient may block (spärra) what one unit has documented from the staff of other care
providers (`blocked_units_for`); only an opening with the patient's consent, logged and
reviewed like an emergency access, shows it to them.

Long module: the access policy is one module by design (docs/architecture.md), so every
input – care relationship, consent, emergency access, blocking – is decided in one place.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Organisation, Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.clinical import episode_states
from hemma.errors import NotAllowed

from .models import (
    AmbulanceConsent,
    Block,
    CareRelationship,
    EmergencyAccess,
    Patient,
    SharingConsent,
)

MUNICIPALITY = Organisation.Kind.MUNICIPALITY
HOME_CARE = Unit.Kind.HOME_CARE
AMBULANCE = Unit.Kind.AMBULANCE
PHYSICIAN = Staff.Profession.PHYSICIAN
# A log reviewer's membership is for reviewing the log, not for care: it opens no record.
CARE_ROLES = (Membership.Role.MEMBER, Membership.Role.MANAGER)


class Scope(StrEnum):
    """Which part of the record an access opens."""

    HSL = "hsl"  # the health record (hälso- och sjukvårdslagen)
    SOL = "sol"  # home care (socialtjänstlagen): only what its own request needs
    # The ambulance service: a consenting patient at home in its region – the safety place,
    # the agreement's instruction and the ward's number, never the health record.
    AMBULANCE = "ambulance"


@dataclass(frozen=True)
class AccessDecision:
    granted: bool
    purpose: str  # AccessLogEntry.Purpose
    unit: Unit | None  # the unit the access is made through (logged)
    emergency: EmergencyAccess | None = None
    scope: Scope = Scope.HSL

    @property
    def health_record(self) -> bool:
        return self.granted and self.scope == Scope.HSL

    @property
    def ambulance_summary(self) -> bool:
        """The ambulance summary of an episode at home (safety place, instruction, the
        ward's number, 112 contacts): the health record's readers and the ambulance."""
        return self.granted and self.scope in (Scope.HSL, Scope.AMBULANCE)


# --- see --------------------------------------------------------------------------------


def decide_patient_access(
    *, staff: Staff | None, acting_unit: Unit | None, patient: Patient
) -> AccessDecision:
    denied = AccessDecision(False, AccessLogEntry.Purpose.CARE, acting_unit)
    if staff is None:
        return denied
    relationships = CareRelationship.objects.filter(
        _open_relationship(),
        patient=patient,
        unit__memberships__staff=staff,
        unit__memberships__role__in=CARE_ROLES,
    )
    if not has_sharing_consent(patient):
        relationships = relationships.exclude(unit__organisation__kind=MUNICIPALITY)
    related = dict(relationships.values_list("unit_id", "unit__kind"))
    if related:
        unit = _unit_of_access(acting_unit, related)
        scope = Scope.SOL if related[unit.pk] == HOME_CARE else Scope.HSL
        return AccessDecision(True, AccessLogEntry.Purpose.CARE, unit, scope=scope)
    emergency = active_emergency_access(staff=staff, patient=patient)
    if emergency is not None:
        return AccessDecision(True, AccessLogEntry.Purpose.EMERGENCY, emergency.unit, emergency)
    ambulance = _ambulance_unit(staff, acting_unit, patient)
    if ambulance is not None:
        return AccessDecision(True, AccessLogEntry.Purpose.CARE, ambulance, scope=Scope.AMBULANCE)
    return denied


def _ambulance_unit(staff: Staff, acting_unit: Unit | None, patient: Patient) -> Unit | None:
    """The staff member's ambulance unit (the acting one first) whose region owns the ward
    of the patient's episode at home, when the patient consents to the ambulance knowing."""
    if not _ambulance_unit_ids(staff) or not has_ambulance_consent(patient):
        return None
    regions = patient.episodes.filter(state=episode_states.AT_HOME).values("ward__organisation_id")
    units = list(
        Unit.objects.filter(
            pk__in=_ambulance_unit_ids(staff), organisation_id__in=regions
        ).order_by("pk")
    )
    preferred = [unit for unit in units if acting_unit is not None and unit.pk == acting_unit.pk]
    return (preferred or units or [None])[0]


def _ambulance_unit_ids(staff: Staff) -> set[int]:
    """The ambulance units the staff member works for (cached on the staff object for the
    request, like is_care_member's units): most staff have none, and then no more is asked."""
    cache = getattr(staff, "_hemma_ambulance_unit_ids", None)
    if cache is None:
        memberships = Membership.objects.filter(
            staff=staff, role__in=CARE_ROLES, unit__kind=AMBULANCE
        )
        cache = set(memberships.values_list("unit_id", flat=True))
        staff._hemma_ambulance_unit_ids = cache
    return cache


def has_ambulance_consent(patient: Patient) -> bool:
    return AmbulanceConsent.objects.filter(patient=patient, revoked_at__isnull=True).exists()


def _unit_of_access(acting_unit: Unit | None, related: dict[int, str]) -> Unit:
    """Prefer the unit the user acts for; otherwise the health-care unit holding the
    relationship (so a nurse of both home care and home health reads as home health),
    so a review can see on what basis the record was opened."""
    if acting_unit is not None and acting_unit.pk in related:
        return acting_unit
    health = sorted(pk for pk, kind in related.items() if kind != HOME_CARE)
    return Unit.objects.get(pk=(health or sorted(related))[0])


def decide_unit_access(
    *, staff: Staff | None, unit: Unit | None, patient: Patient
) -> AccessDecision:
    """The see question for an object a unit holds (a care request, a discharge case, a
    meeting row): granted only through `unit` itself – its own open or in-grace care
    relationship (with consent for a municipal unit) or an emergency access taken for it –
    so the object follows the record and the unit's lists, never another unit's access.
    The ambulance's read (Scope.AMBULANCE) opens no object a unit holds."""
    decision = decide_patient_access(staff=staff, acting_unit=unit, patient=patient)
    if (
        decision.granted
        and decision.scope != Scope.AMBULANCE
        and unit is not None
        and getattr(decision.unit, "pk", None) == unit.pk
    ):
        return decision
    return AccessDecision(False, AccessLogEntry.Purpose.CARE, unit)


def has_sharing_consent(patient: Patient) -> bool:
    return SharingConsent.objects.filter(patient=patient, revoked_at__isnull=True).exists()


def active_emergency_access(*, staff: Staff, patient: Patient) -> EmergencyAccess | None:
    """An unexpired emergency access that opens the record (an opening of blocked
    information does not: it needs a care relationship or an emergency access besides)."""
    return (
        EmergencyAccess.objects.filter(
            staff=staff, patient=patient, expires_at__gt=timezone.now(), opens_blocks=False
        )
        .select_related("unit")
        .order_by("-created_at")
        .first()
    )


# --- blocking (spärr) -------------------------------------------------------------------


@dataclass(frozen=True)
class BlockDecision:
    """Which units' documentation about the patient a page hides (`hidden`), and which it
    shows only because the staff member holds an opening with the patient's consent."""

    hidden: frozenset[int] = frozenset()
    opened: frozenset[int] = frozenset()
    opening: EmergencyAccess | None = None


def decide_blocks(
    *, staff: Staff | None, acting_unit: Unit | None, patient, active: list | None = None
) -> BlockDecision:
    """A block hides what the blocked unit documented from staff acting for a unit of
    another care provider (organisation); its own care provider's staff are not affected.
    Without an acting unit every block applies. An unexpired opening with the patient's
    consent (`block_opening`) shows the blocked information to the one staff member.
    `active`: the patient's active blocks with their units, when the caller has them (a
    patient fetched by the selectors knows whether it has any: `has_active_block`)."""
    if active is None and getattr(patient, "has_active_block", None) is False:
        return BlockDecision()
    if active is None:
        active = Block.objects.filter(
            patient_id=getattr(patient, "pk", patient), lifted_at=None
        ).select_related("blocked_unit")
    own = getattr(acting_unit, "organisation_id", None)
    blocked = frozenset(
        block.blocked_unit_id
        for block in active
        if block.lifted_at is None and (own is None or block.blocked_unit.organisation_id != own)
    )
    if not blocked:
        return BlockDecision()
    opening = block_opening(staff=staff, patient=patient) if staff is not None else None
    if opening is not None:
        return BlockDecision(opened=blocked, opening=opening)
    return BlockDecision(hidden=blocked)


def blocked_units_for(*, staff: Staff | None, acting_unit: Unit | None, patient) -> frozenset[int]:
    """The units whose documentation about the patient this staff member may not see."""
    return decide_blocks(staff=staff, acting_unit=acting_unit, patient=patient).hidden


def any_block_applies(*, acting_unit: Unit) -> bool:
    """Whether any active block could hide anything from this unit (blocks are rare: a list
    skips the subquery below when none exists)."""
    return (
        Block.objects.filter(lifted_at=None)
        .exclude(blocked_unit__organisation_id=acting_unit.organisation_id)
        .exists()
    )


def blocked_documentation(*, staff: Staff, acting_unit: Unit, patient_ref: str, unit_ref: str):
    """decide_blocks for the rows of a list, as a subquery: true where what the unit in
    column `unit_ref` documented about the patient in column `patient_ref` is blocked for
    this staff member (a unit of another care provider, no opening with consent)."""
    blocked = Block.objects.filter(
        patient_id=OuterRef(patient_ref), blocked_unit_id=OuterRef(unit_ref), lifted_at=None
    ).exclude(blocked_unit__organisation_id=acting_unit.organisation_id)
    opened = EmergencyAccess.objects.filter(
        staff=staff,
        patient_id=OuterRef(patient_ref),
        opens_blocks=True,
        patient_consent=True,
        expires_at__gt=timezone.now(),
    )
    return Exists(blocked) & ~Exists(opened)


def block_opening(*, staff: Staff, patient) -> EmergencyAccess | None:
    """The staff member's unexpired opening of the patient's blocks (with consent)."""
    return (
        EmergencyAccess.objects.filter(
            staff=staff,
            patient_id=getattr(patient, "pk", patient),
            opens_blocks=True,
            patient_consent=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )


def may_manage_blocks(*, staff: Staff | None, unit: Unit | None, patient: Patient) -> bool:
    """Recording and lifting a block on the patient's request: the same rule as the
    sharing consent (the managing unit of the care team, see may_add_to_care_team)."""
    return may_manage_care_team(staff=staff, unit=unit, patient=patient)


# --- list -------------------------------------------------------------------------------


def patients_visible_to(staff: Staff | None, unit: Unit | None = None) -> QuerySet[Patient]:
    """The patients a list may show: an open (or in-grace) care relationship with the
    acting unit – or, without a unit, with any of the staff member's units – and, for a
    municipal unit, the patient's consent to sharing. Emergency accesses are not listed:
    they open one record, found by its number."""
    if staff is None:
        return Patient.objects.none()
    unit_ids = Membership.objects.filter(staff=staff, role__in=CARE_ROLES).values("unit_id")
    relationships = CareRelationship.objects.filter(_open_relationship(), unit_id__in=unit_ids)
    if unit is not None:
        relationships = relationships.filter(unit_id=unit.pk)
    relationships = relationships.filter(
        ~Q(unit__organisation__kind=MUNICIPALITY) | Q(Exists(_active_consent()))
    )
    return Patient.objects.filter(pk__in=relationships.values("patient_id"))


def health_record_patients_visible_to(staff: Staff | None, unit: Unit | None) -> QuerySet[Patient]:
    """Patients whose health record (not only a home-care request) the unit may list."""
    if unit is not None and unit.kind == HOME_CARE:
        return Patient.objects.none()
    return patients_visible_to(staff, unit)


def ambulance_patients_visible_to(staff: Staff | None, unit: Unit | None) -> QuerySet[Patient]:
    """The ambulance list's filter (Scope.AMBULANCE, see decide_patient_access): for an
    ambulance unit the staff member works for, the patients with an episode at home on a
    ward of the unit's region who consent to the ambulance being informed; empty for any
    other unit. Not part of patients_visible_to: the other lists show the health record."""
    if staff is None or unit is None or unit.kind != AMBULANCE or not is_care_member(staff, unit):
        return Patient.objects.none()
    consent = AmbulanceConsent.objects.filter(patient_id=OuterRef("pk"), revoked_at=None)
    at_home = Patient.objects.filter(
        episodes__state=episode_states.AT_HOME,
        episodes__ward__organisation_id=unit.organisation_id,
    ).values("pk")
    return Patient.objects.filter(Exists(consent), pk__in=at_home)


def _active_consent():
    return SharingConsent.objects.filter(patient_id=OuterRef("patient_id"), revoked_at=None)


# Kept for callers written before the list question had its own name.
patients_in_care_of = patients_visible_to


# --- do ---------------------------------------------------------------------------------


class Role(StrEnum):
    """A unit's part in one episode."""

    OWNER = "owner"  # the ward: medical responsibility, decides clinical steps
    VISITING = "visiting"  # the team that visits at home (home health care, mobile team)
    PRIMARY_CARE = "primary_care"  # reads, receives the referral after discharge
    HOME_CARE = "home_care"  # sees its own requests only
    AMBULANCE = "ambulance"  # the ambulance service: the summary, records 112 contacts
    READER = "reader"  # any other unit with a care relationship: reads


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    physician: bool = False  # the decision is a physician's


def _rule(*roles: Role, physician: bool = False) -> Rule:
    return Rule(frozenset(roles), physician)


OWNER, VISITING = Role.OWNER, Role.VISITING

# action → who may do it. One table for views, templates, services and the docs
# (docs/architecture.md prints it).
EPISODE_ACTIONS: dict[str, Rule] = {
    # the flow (episodes)
    "assess": _rule(OWNER),
    "decide": _rule(OWNER, physician=True),
    "consent": _rule(OWNER),
    "agreed": _rule(OWNER),
    "prepare": _rule(OWNER),
    "checklist": _rule(OWNER),
    "reserve_bed": _rule(OWNER),
    "send_home": _rule(OWNER),
    "readmit": _rule(OWNER),
    "return_home": _rule(OWNER),
    "discharge": _rule(OWNER, physician=True),
    # Ending care at home otherwise: the physician decides on the patient's wish to stop and
    # records a death at home (after confirming it); the ward transfers the patient.
    "end_on_request": _rule(OWNER, physician=True),
    "record_death": _rule(OWNER, physician=True),
    "transfer": _rule(OWNER),
    "set_visiting": _rule(OWNER),  # who visits at home: home health, a hospital team, Plan B
    "notice": _rule(OWNER),
    "notice_ready": _rule(OWNER, physician=True),  # ready for discharge (2017:612)
    "cancel": _rule(OWNER),
    "task_done": _rule(OWNER, VISITING, Role.PRIMARY_CARE),
    # the agreement, requests and logistics (careplans, carerequests)
    "edit_agreement": _rule(OWNER),
    "send_care_request": _rule(OWNER),
    "order_logistics": _rule(OWNER),
    "deliver_logistics": _rule(OWNER, VISITING),
    # monitoring at home
    "record_reading": _rule(OWNER, VISITING),
    "acknowledge_alert": _rule(OWNER, VISITING),
    "set_monitoring_plan": _rule(OWNER, physician=True),
    "enrol_device": _rule(OWNER, VISITING),
    "round": _rule(OWNER, VISITING),
    "round_decision": _rule(OWNER, physician=True),
    "mark_criterion": _rule(OWNER, VISITING),
    # lab results (labs): the ward and the visiting team enter them (and a lab system
    # client acting for one of them sends them as FHIR Observations)
    "record_lab": _rule(OWNER, VISITING),
    "evening_call": _rule(OWNER),
    # medication at home (medication): the ward's physician changes the list; the visiting
    # team – or the ward, when nobody visits – records the doses given at home
    "change_medication": _rule(OWNER, physician=True),
    "record_dose": _rule(OWNER, VISITING),
    # secure messages with the patient's tablet (messaging): the ward answers them (and
    # opening the thread as the ward is the read receipt); the health record reads them
    "message_patient": _rule(OWNER),
    # the patient's training (competence): the tablet, the pump, the line – ticked off by
    # the ward before going home or the visiting team at home
    "train_patient": _rule(OWNER, VISITING),
    # visits at home
    "record_visit": _rule(VISITING),
    "plan_visits": _rule(VISITING),
    # after discharge
    "read_referral": _rule(Role.PRIMARY_CARE),
    # the ambulance (hemma.ambulance): a 112 call or an ambulance mission recorded on the
    # episode by the crew's unit or the ward
    "record_ambulance_contact": _rule(OWNER, Role.AMBULANCE),
}


def episode_role(unit: Unit | None, episode) -> Role | None:
    """The acting unit's part in the episode (None: no part at all)."""
    if unit is None:
        return None
    if unit.pk == episode.ward_id:
        return Role.OWNER
    if unit.pk == episode.home_health_unit_id:
        return Role.VISITING
    if unit.kind == HOME_CARE:
        return Role.HOME_CARE
    if unit.kind == AMBULANCE:
        return Role.AMBULANCE
    if unit.kind == Unit.Kind.PRIMARY_CARE:
        return Role.PRIMARY_CARE
    return Role.READER


def may_do(*, staff: Staff | None, unit: Unit | None, action: str, episode) -> bool:
    """May this staff member, acting for this unit, do `action` on the episode?

    The caller has already established that the staff member may see the patient
    (the view fetched the episode through the policy); this adds the role."""
    rule = EPISODE_ACTIONS.get(action)
    if rule is None or staff is None or unit is None:
        return False
    if not is_care_member(staff, unit):
        return False
    if episode_role(unit, episode) not in rule.roles:
        return False
    return not rule.physician or staff.profession == PHYSICIAN


def allowed_actions(*, staff: Staff | None, unit: Unit | None, episode) -> frozenset[str]:
    """Every action the policy allows here: templates show exactly these buttons."""
    return frozenset(
        action
        for action in EPISODE_ACTIONS
        if may_do(staff=staff, unit=unit, action=action, episode=episode)
    )


def require_action(*, staff: Staff | None, unit: Unit | None, action: str, episode) -> None:
    """Services call this first: the same refusal as a hidden button."""
    if may_do(staff=staff, unit=unit, action=action, episode=episode):
        return
    rule = EPISODE_ACTIONS.get(action)
    if (
        rule is not None
        and rule.physician
        and staff is not None
        and unit is not None
        and is_care_member(staff, unit)
        and episode_role(unit, episode) in rule.roles
    ):
        # The right unit, the wrong profession: say so.
        raise NotAllowed(_("Bara en läkare kan fatta detta beslut."))
    raise NotAllowed(_("Din enhet får inte göra det här för den här patienten."))


def is_care_member(staff: Staff, unit: Unit) -> bool:
    """A member or manager of the unit (a log-reviewer membership is not care)."""
    cache = getattr(staff, "_hemma_unit_ids", None)
    if cache is None:
        memberships = Membership.objects.filter(staff=staff, role__in=CARE_ROLES)
        cache = set(memberships.values_list("unit_id", flat=True))
        staff._hemma_unit_ids = cache
    return unit.pk in cache


# --- the care team ----------------------------------------------------------------------


def may_add_to_care_team(*, staff: Staff | None, unit: Unit | None, patient: Patient) -> bool:
    """The owning ward of an open episode adds units; outside an episode the patient's
    listing centre does."""
    if staff is None or unit is None or not is_care_member(staff, unit):
        return False
    return unit.pk in _care_team_managers(patient)


def may_end_relationship(
    *, staff: Staff | None, unit: Unit | None, relationship: CareRelationship
) -> bool:
    """A unit ends its own relationship; the managing unit (see above) ends others."""
    if staff is None or unit is None or not is_care_member(staff, unit):
        return False
    if relationship.unit_id == unit.pk:
        return True
    return unit.pk in _care_team_managers(relationship.patient)


# Kept for callers written before the care-team rule was split in add and end.
def may_manage_care_team(*, staff: Staff | None, unit: Unit | None, patient: Patient) -> bool:
    return may_add_to_care_team(staff=staff, unit=unit, patient=patient)


def _care_team_managers(patient: Patient) -> set[int]:
    # Through the reverse relation: episodes builds on patients, not the other way.
    open_wards = set(
        patient.episodes.exclude(state__in=episode_states.FINAL_STATES).values_list(
            "ward_id", flat=True
        )
    )
    if open_wards:
        return open_wards
    return {patient.listed_unit_id} if patient.listed_unit_id else set()


def _open_relationship() -> Q:
    """Open, or ended with a future end: after a discharge the team keeps read access for a
    grace period (HEMMA_CARE_RELATIONSHIP_GRACE_DAYS) to follow up results."""
    return Q(ended_at__isnull=True) | Q(ended_at__gt=timezone.now())
