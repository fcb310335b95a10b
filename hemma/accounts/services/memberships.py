"""Memberships: who works in which unit, in which role."""

from django.db import transaction
from django.utils.translation import gettext as _

from hemma.errors import Conflict, NotFound

from ..models import Membership, Staff, Unit
from .log import Action, label, write
from .rules import require_organisations, require_role


def _current_membership(membership: Membership) -> Membership:
    current = (
        Membership.objects.select_related("unit", "staff__user").filter(pk=membership.pk).first()
    )
    if current is None:
        raise NotFound(_("Medlemskapet finns inte längre."))
    return current


@transaction.atomic
def membership_add(
    *, by, staff: Staff, unit: Unit, role: str = Membership.Role.MEMBER
) -> Membership:
    """Give `staff` a membership in `unit`: only an administrator of the unit's organisation."""
    require_role(role)
    require_organisations(by, {unit.organisation_id})
    if Membership.objects.filter(staff=staff, unit=unit).exists():
        raise Conflict(
            _("%(name)s är redan medlem i %(unit)s.")
            % {"name": staff.display_name, "unit": unit.name}
        )
    membership = Membership.objects.create(staff=staff, unit=unit, role=role)
    write(
        by=by,
        action=Action.MEMBERSHIP_ADDED,
        organisation_ids={unit.organisation_id},
        target=staff,
        detail=f"{unit.name}: {label(Membership.Role, role)}",
    )
    return membership


@transaction.atomic
def membership_remove(*, by, membership: Membership) -> None:
    current = _current_membership(membership)
    require_organisations(by, {current.unit.organisation_id})
    staff, unit, role = current.staff, current.unit, current.role
    current.delete()
    write(
        by=by,
        action=Action.MEMBERSHIP_REMOVED,
        organisation_ids={unit.organisation_id},
        target=staff,
        detail=f"{unit.name}: {label(Membership.Role, role)}",
    )


@transaction.atomic
def membership_set_role(*, by, membership: Membership, role: str) -> Membership:
    require_role(role)
    current = _current_membership(membership)
    require_organisations(by, {current.unit.organisation_id})
    if current.role == role:
        return current
    old = current.role
    current.role = role
    current.save(update_fields=["role"])
    write(
        by=by,
        action=Action.MEMBERSHIP_ROLE_CHANGED,
        organisation_ids={current.unit.organisation_id},
        target=current.staff,
        detail=(
            f"{current.unit.name}: {label(Membership.Role, old)} → {label(Membership.Role, role)}"
        ),
    )
    return current


@transaction.atomic
def membership_change(*, by, membership: Membership, unit: Unit, role: str) -> Membership:
    """An edited membership row: another unit is a removal and an addition, else a role change."""
    current = _current_membership(membership)
    if current.unit_id == unit.pk:
        return membership_set_role(by=by, membership=current, role=role)
    require_role(role)
    require_organisations(by, {current.unit.organisation_id, unit.organisation_id})
    membership_remove(by=by, membership=current)
    return membership_add(by=by, staff=current.staff, unit=unit, role=role)
