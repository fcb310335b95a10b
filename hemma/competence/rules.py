"""Who may record and read the competence transfer of a visiting unit. Staff data, not
patient data: the access policy (hemma.patients.policy) decides about patients; this
module decides about a unit's record of its staff's skills, in one place for the views,
the services and the templates.

- A visiting unit's own staff (members and managers acting for it) read its record; its
  **manager** records and withdraws.
- The **trainer's unit** – a ward or hospital team that has sent patients to the visiting
  unit (an episode with it as the visiting team) – reads, records and withdraws: the ward
  trains the municipality's staff (seed 000: "kompetensöverföring mellan regionens
  slutenvårdspersonal och kommunens omvårdnadspersonal").
- Nobody else; a log-reviewer membership is not care."""

from hemma.accounts.models import Membership, Staff, Unit
from hemma.episodes.models import Episode
from hemma.patients.policy import is_care_member

TRAINER_KINDS = (Unit.Kind.WARD, Unit.Kind.MOBILE_TEAM, Unit.Kind.STROKE_TEAM)


def is_visiting_unit(unit: Unit) -> bool:
    return unit.kind in Unit.VISITING_KINDS


def trainer_unit_ids(unit: Unit) -> set[int]:
    """The wards and hospital teams that have sent patients to `unit` (one query)."""
    return set(
        Episode.objects.filter(home_health_unit=unit, ward__kind__in=TRAINER_KINDS)
        .exclude(ward=unit)
        .values_list("ward_id", flat=True)
        .distinct()
    )


def _manages(staff: Staff, unit: Unit) -> bool:
    return Membership.objects.filter(staff=staff, unit=unit, role=Membership.Role.MANAGER).exists()


def may_record(*, staff: Staff | None, acting_unit: Unit | None, unit: Unit) -> bool:
    """May this staff member, acting for `acting_unit`, record competences of `unit`?"""
    if staff is None or acting_unit is None or not is_visiting_unit(unit):
        return False
    if not is_care_member(staff, acting_unit):
        return False
    if acting_unit.pk == unit.pk:
        return _manages(staff, unit)
    return acting_unit.pk in trainer_unit_ids(unit)


def may_read(*, staff: Staff | None, acting_unit: Unit | None, unit: Unit) -> bool:
    """May this staff member, acting for `acting_unit`, read `unit`'s competence record?"""
    if staff is None or acting_unit is None or not is_visiting_unit(unit):
        return False
    if not is_care_member(staff, acting_unit):
        return False
    if acting_unit.pk == unit.pk:
        return True
    return acting_unit.pk in trainer_unit_ids(unit)
