"""The demo region: the region and the municipality, their units, and the staff logins
with their memberships. Idempotent: keyed by HSA-id and username."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from hemma.accounts.models import Membership, Organisation, Staff, Unit

from . import data


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    profession: str
    units: str


def organisation_ensure(spec: dict) -> Organisation:
    organisation, _ = Organisation.objects.update_or_create(
        hsa_id=spec["hsa_id"], defaults={k: v for k, v in spec.items() if k != "hsa_id"}
    )
    return organisation


def unit_ensure(organisations: dict, spec: tuple) -> Unit:
    organisation_key, name, kind, suffix, phone, beds = spec
    organisation = organisations[organisation_key]
    unit, _ = Unit.objects.update_or_create(
        hsa_id=f"{organisation.hsa_id.split('-')[0]}-{suffix}",
        defaults={
            "organisation": organisation,
            "name": name,
            "kind": kind,
            "phone": phone,
            "beds": beds,
        },
    )
    return unit


def staff_ensure(username: str, spec: tuple, units: dict) -> DemoLogin:
    first, last, profession, suffix, memberships = spec
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last}
    )
    is_admin = profession == Staff.Profession.ADMINISTRATOR
    if created or not user.check_password(data.DEMO_PASSWORD):
        user.set_password(data.DEMO_PASSWORD)
    user.first_name, user.last_name = first, last
    user.is_staff = is_admin  # Django admin for reference data only
    user.save()
    first_unit = units[memberships[0][0]]
    staff, _ = Staff.objects.update_or_create(
        user=user,
        defaults={
            "profession": profession,
            "hsa_id": f"{first_unit.organisation.hsa_id.split('-')[0]}-{suffix}",
        },
    )
    for unit_key, role in memberships:
        Membership.objects.update_or_create(
            staff=staff, unit=units[unit_key], defaults={"role": role}
        )
    return DemoLogin(
        username=username,
        name=f"{first} {last}",
        profession=staff.get_profession_display(),
        units=", ".join(units[key].name for key, _ in memberships),
    )
