"""Units (vårdenheter) and organisations (care providers): an administrator creates,
changes and deletes the units of their own organisation; only the operator adds and
deletes organisations."""

from django.db import transaction
from django.utils.translation import gettext as _

from hemma.errors import NotFound

from .. import hooks
from ..models import Organisation, Unit
from .log import Action, changes, label, write
from .rules import require_operator, require_organisations


@transaction.atomic
def unit_save(*, by, unit: Unit) -> Unit:
    """Create or change a unit of an organisation `by` administers (a move needs both)."""
    if unit._state.adding:
        require_organisations(by, {unit.organisation_id})
        unit.save()
        write(
            by=by,
            action=Action.UNIT_CREATED,
            organisation_ids={unit.organisation_id},
            detail=f"{unit.name} ({label(Unit.Kind, unit.kind)}, {unit.hsa_id})",
        )
        if unit.kind == Unit.Kind.WARD:  # its safety places (HEMMA_SAFETY_BEDS_PER_WARD)
            for done in hooks.ward_created(unit):
                write(
                    by=by,
                    action=Action.UNIT_CHANGED,
                    organisation_ids={unit.organisation_id},
                    detail=f"{unit.name}: {done}",
                )
        return unit
    original = Unit.objects.select_related("organisation").filter(pk=unit.pk).first()
    if original is None:
        raise NotFound(_("Vårdenheten finns inte längre."))
    require_organisations(by, {original.organisation_id, unit.organisation_id})
    changed = changes(original, unit)
    unit.save()
    if changed:
        write(
            by=by,
            action=Action.UNIT_CHANGED,
            organisation_ids={original.organisation_id, unit.organisation_id},
            detail=f"{original.name}: {changed}",
        )
    return unit


@transaction.atomic
def unit_delete(*, by, unit: Unit) -> None:
    """Delete an unused unit (units with memberships or patients are protected)."""
    current = Unit.objects.filter(pk=unit.pk).first()
    if current is None:
        raise NotFound(_("Vårdenheten finns inte längre."))
    require_organisations(by, {current.organisation_id})
    write(
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
        require_operator(by)
        organisation.save()
        write(
            by=by,
            action=Action.ORGANISATION_CREATED,
            organisation_ids={organisation.pk},
            detail=f"{organisation.name} ({organisation.organisation_number})",
        )
        return organisation
    original = Organisation.objects.filter(pk=organisation.pk).first()
    if original is None:
        raise NotFound(_("Organisationen finns inte längre."))
    require_organisations(by, {original.pk})
    changed = changes(original, organisation)
    organisation.save()
    if changed:
        write(
            by=by,
            action=Action.ORGANISATION_CHANGED,
            organisation_ids={organisation.pk},
            detail=f"{original.name}: {changed}",
        )
    return organisation


@transaction.atomic
def organisation_delete(*, by, organisation: Organisation) -> None:
    """Only the operator; an organisation with logged history is protected by the log."""
    require_operator(by)
    current = Organisation.objects.filter(pk=organisation.pk).first()
    if current is None:
        raise NotFound(_("Organisationen finns inte längre."))
    current.delete()
