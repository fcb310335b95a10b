"""Writing the administration log (accounts.AdministrationLogEntry): one entry per
organisation concerned, details in Swedish whatever language the administrator uses.
Called only by the other modules of this package, inside their transaction."""

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils import translation

from ..models import AdministrationLogEntry, Staff
from ..selectors import administered_organisation_ids, staff_for_user, staff_organisation_ids

Action = AdministrationLogEntry.Action


def in_swedish(text) -> str:
    """Log details are stored in Swedish, whatever language the administrator uses."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return in_swedish(choices(value).label).lower()
    except ValueError:
        return value


def _person(user) -> str:
    staff = staff_for_user(user)
    if staff is not None:
        return f"{staff.display_name} ({staff.hsa_id})"
    return (user.get_username() if user is not None else "") or "-"


def staff_text(staff: Staff) -> str:
    return f"{staff.display_name} ({staff.hsa_id})"


def write(
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
        target_display = staff_text(target)
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


def staff_log_organisations(by, staff: Staff) -> set[int]:
    """Where a staff-wide change is logged: the staff member's organisations, or (a staff
    member without memberships) the acting administrator's."""
    return staff_organisation_ids(staff) or (administered_organisation_ids(by) or set())


def _display(instance: models.Model, field: models.Field) -> str:
    if field.is_relation:
        related = getattr(instance, field.name)
        return str(related) if related is not None else "–"
    value = getattr(instance, field.attname)
    if field.choices:
        return in_swedish(dict(field.flatchoices).get(value, value))
    return "–" if value in (None, "") else str(value)


def changes(original: models.Model, changed: models.Model) -> str:
    """'telefon: 023-1 → 023-2; namn: A → B' for every concrete field that differs."""
    parts = []
    for field in changed._meta.concrete_fields:
        if field.primary_key or getattr(original, field.attname) == getattr(changed, field.attname):
            continue
        parts.append(
            f"{in_swedish(field.verbose_name)}: "
            f"{_display(original, field)} → {_display(changed, field)}"
        )
    return "; ".join(parts)
