"""Reads about organisations, units and staff."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from .models import Membership, Staff, Unit


def staff_for_user(user: AbstractBaseUser | AnonymousUser) -> Staff | None:
    if not user.is_authenticated:
        return None
    try:
        return Staff.objects.select_related("user").get(user=user)
    except Staff.DoesNotExist:
        return None


def memberships_for_staff(staff: Staff) -> list[Membership]:
    """The staff member's units, each with `short_label` for the header's unit select."""
    memberships = list(
        Membership.objects.filter(staff=staff)
        .select_related("unit__organisation")
        .order_by("unit__name")
    )
    short = [unit_short_name(m.unit.name) for m in memberships]
    for membership, label in zip(memberships, short, strict=True):
        # The full name where the short one would not tell two of one's units apart.
        membership.short_label = label if short.count(label) == 1 else membership.unit.name
    return memberships


def unit_short_name(name: str) -> str:
    """A unit's name without its place after the comma ("Infektionsavdelning 30, Falu
    lasarett" → "Infektionsavdelning 30"), so the header's select shows what tells units
    apart at 1366 px; the start page's heading gives the full name."""
    return name.split(",", 1)[0].strip() or name


def units_of_staff(staff: Staff) -> QuerySet[Unit]:
    return Unit.objects.filter(memberships__staff=staff)


def reviewable_organisation_ids(staff: Staff) -> set[int]:
    """Organisations whose access log this staff member may review (PDL logguppföljning)."""
    return set(
        Membership.objects.filter(staff=staff, role=Membership.Role.LOG_REVIEWER).values_list(
            "unit__organisation_id", flat=True
        )
    )


def administered_organisation_ids(user) -> set[int] | None:
    """Organisations this user may administer (Django admin, hemma.accounts.services).

    The one rule: an administrator of organisation X is an active user whose staff
    profile has the profession administrator and a membership (any role) in a unit of X.
    None means every organisation: the operator, an active superuser without a staff
    profile. A superuser with a staff profile is scoped by that profile like anyone else.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    staff = staff_for_user(user)
    if staff is None:
        return None if user.is_superuser else set()
    if staff.profession != Staff.Profession.ADMINISTRATOR:
        return set()
    return set(
        Membership.objects.filter(staff=staff).values_list("unit__organisation_id", flat=True)
    )


def staff_organisation_ids(staff: Staff) -> set[int]:
    """The organisations a staff member works for (through unit memberships)."""
    return set(
        Membership.objects.filter(staff=staff).values_list("unit__organisation_id", flat=True)
    )
