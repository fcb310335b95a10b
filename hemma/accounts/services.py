"""Changes to who works where, in which role and profession, with the administration log.

Every change of a membership, role, profession, account, unit or organisation made in
Django admin goes through one of these functions. Each refuses (NotAllowed) unless the
acting user administers the organisation concerned (the one rule:
selectors.administered_organisation_ids), and writes the change together with its
administration-log entries in one transaction; a refusal writes nothing.

Staff-wide attributes (profession, HSA-id, whether the account is active) matter to
every organisation the staff member works for, so changing them requires administering
all of those organisations: otherwise a region administrator could make a nurse who also
works for the municipality an administrator of the municipality.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from hemma.errors import Conflict, NotAllowed, NotFound

from .models import AdministrationLogEntry, Membership, Organisation, Staff, Unit
from .selectors import administered_organisation_ids, staff_for_user, staff_organisation_ids

Action = AdministrationLogEntry.Action


# --- the rule ----------------------------------------------------------------------------


def _require_organisations(by, organisation_ids: Iterable[int]) -> None:
    """`by` must administer every organisation in `organisation_ids` (None: the operator)."""
    administered = administered_organisation_ids(by)
    if administered is None:
        return
    if not administered:
        raise NotAllowed(_("Bara administratörer kan ändra medlemskap, roller och yrken."))
    if not set(organisation_ids) <= administered:
        raise NotAllowed(_("Du kan bara administrera din egen organisation."))


def _require_whole_staff(by, staff: Staff) -> None:
    """Staff-wide changes: `by` must administer every organisation the staff member works for."""
    try:
        _require_organisations(by, staff_organisation_ids(staff))
    except NotAllowed as error:
        if administered_organisation_ids(by):
            raise NotAllowed(
                _(
                    "%(name)s arbetar också för en organisation som du inte administrerar; "
                    "be den organisationens administratör om ändringen."
                )
                % {"name": staff.display_name}
            ) from error
        raise


def _require_operator(by) -> None:
    if administered_organisation_ids(by) is not None:
        raise NotAllowed(
            _("Bara driftansvarig (superuser) kan lägga upp och ta bort organisationer.")
        )


def _require_role(role: str) -> None:
    if role not in Membership.Role.values:
        raise NotAllowed(_("Okänd roll."))


def _require_profession(profession: str) -> None:
    if profession not in Staff.Profession.values:
        raise NotAllowed(_("Okänt yrke."))


# --- the log -----------------------------------------------------------------------------


def _in_swedish(text) -> str:
    """Log details are stored in Swedish, whatever language the administrator uses."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def _label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return _in_swedish(choices(value).label).lower()
    except ValueError:
        return value


def _person(user) -> str:
    staff = staff_for_user(user)
    if staff is not None:
        return f"{staff.display_name} ({staff.hsa_id})"
    return (user.get_username() if user is not None else "") or "-"


def _staff_text(staff: Staff) -> str:
    return f"{staff.display_name} ({staff.hsa_id})"


def _log(
    *,
    by,
    action: str,
    organisation_ids: Iterable[int | None],
    target: Staff | None = None,
    target_display: str = "",
    detail: str = "",
) -> list[AdministrationLogEntry]:
    """One entry per organisation concerned (none known: one entry without organisation)."""
    actor = by if by is not None and by.is_authenticated else None
    actor_display = _person(actor)
    if target is not None and not target_display:
        target_display = _staff_text(target)
    return [
        AdministrationLogEntry.objects.create(
            actor=actor,
            actor_display=actor_display[:200],
            organisation_id=organisation_id,
            target=target,
            target_display=target_display[:200],
            action=action,
            detail=detail[:500],
        )
        for organisation_id in sorted(set(organisation_ids), key=lambda i: (i is None, i)) or [None]
    ]


def _staff_log_organisations(by, staff: Staff) -> set[int]:
    """Where a staff-wide change is logged: the staff member's organisations, or (a staff
    member without memberships) the acting administrator's."""
    return staff_organisation_ids(staff) or (administered_organisation_ids(by) or set())


def _display(instance: models.Model, field: models.Field) -> str:
    if field.is_relation:
        related = getattr(instance, field.name)
        return str(related) if related is not None else "–"
    value = getattr(instance, field.attname)
    if field.choices:
        return _in_swedish(dict(field.flatchoices).get(value, value))
    return "–" if value in (None, "") else str(value)


def _changes(original: models.Model, changed: models.Model) -> str:
    """'telefon: 023-1 → 023-2; namn: A → B' for every concrete field that differs."""
    parts = []
    for field in changed._meta.concrete_fields:
        if field.primary_key or getattr(original, field.attname) == getattr(changed, field.attname):
            continue
        parts.append(
            f"{_in_swedish(field.verbose_name)}: "
            f"{_display(original, field)} → {_display(changed, field)}"
        )
    return "; ".join(parts)


# --- memberships -------------------------------------------------------------------------


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
    _require_role(role)
    _require_organisations(by, {unit.organisation_id})
    if Membership.objects.filter(staff=staff, unit=unit).exists():
        raise Conflict(
            _("%(name)s är redan medlem i %(unit)s.")
            % {"name": staff.display_name, "unit": unit.name}
        )
    membership = Membership.objects.create(staff=staff, unit=unit, role=role)
    _log(
        by=by,
        action=Action.MEMBERSHIP_ADDED,
        organisation_ids={unit.organisation_id},
        target=staff,
        detail=f"{unit.name}: {_label(Membership.Role, role)}",
    )
    return membership


@transaction.atomic
def membership_remove(*, by, membership: Membership) -> None:
    current = _current_membership(membership)
    _require_organisations(by, {current.unit.organisation_id})
    staff, unit, role = current.staff, current.unit, current.role
    current.delete()
    _log(
        by=by,
        action=Action.MEMBERSHIP_REMOVED,
        organisation_ids={unit.organisation_id},
        target=staff,
        detail=f"{unit.name}: {_label(Membership.Role, role)}",
    )


@transaction.atomic
def membership_set_role(*, by, membership: Membership, role: str) -> Membership:
    _require_role(role)
    current = _current_membership(membership)
    _require_organisations(by, {current.unit.organisation_id})
    if current.role == role:
        return current
    old = current.role
    current.role = role
    current.save(update_fields=["role"])
    _log(
        by=by,
        action=Action.MEMBERSHIP_ROLE_CHANGED,
        organisation_ids={current.unit.organisation_id},
        target=current.staff,
        detail=(
            f"{current.unit.name}: {_label(Membership.Role, old)} → {_label(Membership.Role, role)}"
        ),
    )
    return current


@transaction.atomic
def membership_change(*, by, membership: Membership, unit: Unit, role: str) -> Membership:
    """An edited membership row: another unit is a removal and an addition, else a role change."""
    current = _current_membership(membership)
    if current.unit_id == unit.pk:
        return membership_set_role(by=by, membership=current, role=role)
    _require_role(role)
    _require_organisations(by, {current.unit.organisation_id, unit.organisation_id})
    membership_remove(by=by, membership=current)
    return membership_add(by=by, staff=current.staff, unit=unit, role=role)


# --- staff -------------------------------------------------------------------------------


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
    _require_profession(staff.profession)
    if Staff.objects.filter(user_id=staff.user_id).exists():
        raise Conflict(_("Användaren har redan en personalprofil."))
    staff.save()
    _log(
        by=by,
        action=Action.STAFF_CREATED,
        organisation_ids=administered or set(),
        target=staff,
        detail=f"{_label(Staff.Profession, staff.profession)}, {staff.user.get_username()}",
    )
    return staff


def _current_staff(staff: Staff) -> Staff:
    current = Staff.objects.select_related("user").filter(pk=staff.pk).first()
    if current is None:
        raise NotFound(_("Personen finns inte längre."))
    return current


@transaction.atomic
def staff_set_profession(*, by, staff: Staff, profession: str) -> Staff:
    _require_profession(profession)
    current = _current_staff(staff)
    _require_whole_staff(by, current)
    if current.profession == profession:
        return current
    old = current.profession
    current.profession = profession
    current.save(update_fields=["profession"])
    staff.profession = profession
    _log(
        by=by,
        action=Action.PROFESSION_CHANGED,
        organisation_ids=_staff_log_organisations(by, current),
        target=current,
        detail=f"{_label(Staff.Profession, old)} → {_label(Staff.Profession, profession)}",
    )
    return current


@transaction.atomic
def staff_set_hsa_id(*, by, staff: Staff, hsa_id: str) -> Staff:
    current = _current_staff(staff)
    _require_whole_staff(by, current)
    if current.hsa_id == hsa_id:
        return current
    if Staff.objects.filter(hsa_id=hsa_id).exclude(pk=current.pk).exists():
        raise Conflict(_("HSA-id %(hsa_id)s används redan.") % {"hsa_id": hsa_id})
    old = current.hsa_id
    current.hsa_id = hsa_id
    current.save(update_fields=["hsa_id"])
    staff.hsa_id = hsa_id
    _log(
        by=by,
        action=Action.STAFF_CHANGED,
        organisation_ids=_staff_log_organisations(by, current),
        target=current,
        detail=f"HSA-id: {old} → {hsa_id}",
    )
    return current


@transaction.atomic
def staff_set_active(*, by, staff: Staff, active: bool) -> Staff:
    """Deactivate (or reactivate) the staff member's account: no login, nothing deleted."""
    current = _current_staff(staff)
    _require_whole_staff(by, current)
    if not active and by is not None and current.user_id == by.pk:
        raise NotAllowed(_("Du kan inte inaktivera ditt eget konto."))
    if current.user.is_active == active:
        return current
    user = current.user
    user.is_active = active
    user.save(update_fields=["is_active"])
    _log(
        by=by,
        action=Action.STAFF_REACTIVATED if active else Action.STAFF_DEACTIVATED,
        organisation_ids=_staff_log_organisations(by, current),
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
    _require_whole_staff(by, current)
    if AdministrationLogEntry.objects.filter(target=current).exists():
        raise Conflict(
            _("%(name)s har händelser i administrationsloggen; inaktivera kontot i stället.")
            % {"name": current.display_name}
        )
    memberships = list(current.memberships.select_related("unit").order_by("unit__name"))
    _log(
        by=by,
        action=Action.STAFF_DELETED,
        organisation_ids=_staff_log_organisations(by, current),
        target_display=_staff_text(current),
        detail=", ".join(f"{m.unit.name}: {_label(Membership.Role, m.role)}" for m in memberships),
    )
    current.delete()


# --- units and organisations -------------------------------------------------------------


@transaction.atomic
def unit_save(*, by, unit: Unit) -> Unit:
    """Create or change a unit of an organisation `by` administers (a move needs both)."""
    if unit._state.adding:
        _require_organisations(by, {unit.organisation_id})
        unit.save()
        _log(
            by=by,
            action=Action.UNIT_CREATED,
            organisation_ids={unit.organisation_id},
            detail=f"{unit.name} ({_label(Unit.Kind, unit.kind)}, {unit.hsa_id})",
        )
        return unit
    original = Unit.objects.select_related("organisation").filter(pk=unit.pk).first()
    if original is None:
        raise NotFound(_("Vårdenheten finns inte längre."))
    _require_organisations(by, {original.organisation_id, unit.organisation_id})
    changes = _changes(original, unit)
    unit.save()
    if changes:
        _log(
            by=by,
            action=Action.UNIT_CHANGED,
            organisation_ids={original.organisation_id, unit.organisation_id},
            detail=f"{original.name}: {changes}",
        )
    return unit


@transaction.atomic
def unit_delete(*, by, unit: Unit) -> None:
    """Delete an unused unit (units with memberships or patients are protected)."""
    current = Unit.objects.filter(pk=unit.pk).first()
    if current is None:
        raise NotFound(_("Vårdenheten finns inte längre."))
    _require_organisations(by, {current.organisation_id})
    _log(
        by=by,
        action=Action.UNIT_DELETED,
        organisation_ids={current.organisation_id},
        detail=f"{current.name} ({current.hsa_id})",
    )
    current.delete()


@transaction.atomic
def organisation_save(*, by, organisation: Organisation) -> Organisation:
    """Only the operator adds organisations; an administrator may change his own."""
    if organisation._state.adding:
        _require_operator(by)
        organisation.save()
        _log(
            by=by,
            action=Action.ORGANISATION_CREATED,
            organisation_ids={organisation.pk},
            detail=f"{organisation.name} ({organisation.organisation_number})",
        )
        return organisation
    original = Organisation.objects.filter(pk=organisation.pk).first()
    if original is None:
        raise NotFound(_("Organisationen finns inte längre."))
    _require_organisations(by, {original.pk})
    changes = _changes(original, organisation)
    organisation.save()
    if changes:
        _log(
            by=by,
            action=Action.ORGANISATION_CHANGED,
            organisation_ids={organisation.pk},
            detail=f"{original.name}: {changes}",
        )
    return organisation


@transaction.atomic
def organisation_delete(*, by, organisation: Organisation) -> None:
    """Only the operator; an organisation with logged history is protected by the log."""
    _require_operator(by)
    current = Organisation.objects.filter(pk=organisation.pk).first()
    if current is None:
        raise NotFound(_("Organisationen finns inte längre."))
    current.delete()
