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
    return list(
        Membership.objects.filter(staff=staff)
        .select_related("unit__organisation")
        .order_by("unit__name")
    )


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
