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
