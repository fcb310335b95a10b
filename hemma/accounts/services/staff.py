"""Staff profiles and accounts: creation, profession, HSA-id, (de)activation, deletion.

These attributes are staff-wide: changing them requires administering every organisation
the staff member works for (rules.require_whole_staff)."""

from django.db import transaction
from django.utils.translation import gettext as _

from hemma.errors import Conflict, NotAllowed, NotFound

from ..models import AdministrationLogEntry, Membership, Staff
from ..selectors import administered_organisation_ids
from .log import Action, label, staff_log_organisations, staff_text, write
from .rules import require_profession, require_whole_staff


@transaction.atomic
def staff_create(*, by, staff: Staff) -> Staff:
    """Save a new staff profile (user, profession, HSA-id; memberships come separately)."""
    if not staff._state.adding:
        raise ValueError("staff_create saves a new staff profile")
    administered = administered_organisation_ids(by)
    if administered is not None:
        if not administered:
            raise NotAllowed(_("Bara administratörer kan lägga upp personal."))
        if staff.user.is_superuser:
            raise NotAllowed(_("Ett driftkonto (superuser) kan inte få en personalprofil här."))
    require_profession(staff.profession)
    if Staff.objects.filter(user_id=staff.user_id).exists():
        raise Conflict(_("Användaren har redan en personalprofil."))
    staff.save()
    write(
        by=by,
        action=Action.STAFF_CREATED,
        organisation_ids=administered or set(),
        target=staff,
        detail=f"{label(Staff.Profession, staff.profession)}, {staff.user.get_username()}",
    )
    return staff


def _current_staff(staff: Staff) -> Staff:
    current = Staff.objects.select_related("user").filter(pk=staff.pk).first()
    if current is None:
        raise NotFound(_("Personen finns inte längre."))
    return current


@transaction.atomic
def staff_set_profession(*, by, staff: Staff, profession: str) -> Staff:
    require_profession(profession)
    current = _current_staff(staff)
    require_whole_staff(by, current)
    if current.profession == profession:
        return current
    old = current.profession
    current.profession = profession
    current.save(update_fields=["profession"])
    staff.profession = profession
    write(
        by=by,
        action=Action.PROFESSION_CHANGED,
        organisation_ids=staff_log_organisations(by, current),
        target=current,
        detail=f"{label(Staff.Profession, old)} → {label(Staff.Profession, profession)}",
    )
    return current


@transaction.atomic
def staff_set_hsa_id(*, by, staff: Staff, hsa_id: str) -> Staff:
    current = _current_staff(staff)
    require_whole_staff(by, current)
    if current.hsa_id == hsa_id:
        return current
    if Staff.objects.filter(hsa_id=hsa_id).exclude(pk=current.pk).exists():
        raise Conflict(_("HSA-id %(hsa_id)s används redan.") % {"hsa_id": hsa_id})
    old = current.hsa_id
    current.hsa_id = hsa_id
    current.save(update_fields=["hsa_id"])
    staff.hsa_id = hsa_id
    write(
        by=by,
        action=Action.STAFF_CHANGED,
        organisation_ids=staff_log_organisations(by, current),
        target=current,
        detail=f"HSA-id: {old} → {hsa_id}",
    )
    return current


@transaction.atomic
def staff_set_active(*, by, staff: Staff, active: bool) -> Staff:
    """Deactivate (or reactivate) the staff member's account: no login, nothing deleted."""
    current = _current_staff(staff)
    require_whole_staff(by, current)
    if not active and by is not None and current.user_id == by.pk:
        raise NotAllowed(_("Du kan inte inaktivera ditt eget konto."))
    if current.user.is_active == active:
        return current
    user = current.user
    user.is_active = active
    user.save(update_fields=["is_active"])
    write(
        by=by,
        action=Action.STAFF_REACTIVATED if active else Action.STAFF_DEACTIVATED,
        organisation_ids=staff_log_organisations(by, current),
        target=current,
        detail=user.get_username(),
    )
    return current


@transaction.atomic
def staff_delete(*, by, staff: Staff) -> None:
    """Delete a staff profile that has no history in the administration log.

    Once anything about a person is logged the profile stays (the log refers to it):
    deactivate the account instead.
    """
    current = _current_staff(staff)
    require_whole_staff(by, current)
    if AdministrationLogEntry.objects.filter(target=current).exists():
        raise Conflict(
            _("%(name)s har händelser i administrationsloggen; inaktivera kontot i stället.")
            % {"name": current.display_name}
        )
    memberships = list(current.memberships.select_related("unit").order_by("unit__name"))
    write(
        by=by,
        action=Action.STAFF_DELETED,
        organisation_ids=staff_log_organisations(by, current),
        target_display=staff_text(current),
        detail=", ".join(f"{m.unit.name}: {label(Membership.Role, m.role)}" for m in memberships),
    )
    current.delete()
