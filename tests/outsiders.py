"""A member of another ward of the demo region: no care relationship with any demo
patient, no part in their episodes, meetings or visits - the attacker of the policy tests."""

from django.contrib.auth import get_user_model

from hemma.accounts.models import Membership, Staff, Unit


def other_ward_member(
    *, ward_name: str, ward_hsa_id: str, username: str, hsa_id: str, profession: str, **member
) -> Staff:
    """A new ward in the demo ward's organisation and one member of it (`member`: the
    membership's fields, e.g. role)."""
    ward = Unit.objects.get(kind=Unit.Kind.WARD)
    other_ward = Unit.objects.create(
        organisation=ward.organisation,
        name=ward_name,
        kind=Unit.Kind.WARD,
        hsa_id=ward_hsa_id,
        beds=20,
    )
    user = get_user_model().objects.create_user(username=username, password="x")
    staff = Staff.objects.create(user=user, profession=profession, hsa_id=hsa_id)
    Membership.objects.create(staff=staff, unit=other_ward, **member)
    return staff
