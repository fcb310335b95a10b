"""Staff as Practitioner and PractitionerRole – the people of the client's own
organisation (HSA-id, name, profession, unit). No patient data; integration profiles
(profession system) are not people and are left out."""

from hemma.accounts.models import Membership, Staff
from hemma.clinical.identifiers import row_id

from .resources import HSA_ID, _clean
from .search import SearchError, decode_cursor, encode_cursor, parse_count
from .selectors import Caller, Page, one, only

PRACTITIONER_ROLE = "https://hemma.se/fhir/CodeSystem/profession"


def _people(caller: Caller):
    return (
        Staff.objects.filter(memberships__unit__organisation_id=caller.unit.organisation_id)
        .exclude(profession=Staff.Profession.SYSTEM)
        .select_related("user")
        .distinct()
    )


def practitioner(staff: Staff) -> dict:
    return _clean(
        {
            "resourceType": "Practitioner",
            "id": str(staff.pk),
            "identifier": [{"system": HSA_ID, "value": staff.hsa_id}],
            "active": staff.user.is_active,
            "name": [
                {
                    "family": staff.user.last_name,
                    "given": [staff.user.first_name] if staff.user.first_name else [],
                    "text": staff.display_name,
                }
            ],
        }
    )


def practitioner_role(membership: Membership) -> dict:
    staff, unit = membership.staff, membership.unit
    return _clean(
        {
            "resourceType": "PractitionerRole",
            "id": str(membership.pk),
            "active": staff.user.is_active,
            "practitioner": {
                "reference": f"Practitioner/{staff.pk}",
                "display": staff.display_name,
            },
            "organization": {"reference": f"Organization/{unit.pk}", "display": unit.name},
            "code": [
                {
                    "coding": [{"system": PRACTITIONER_ROLE, "code": staff.profession}],
                    "text": staff.get_profession_display(),
                },
                {"text": membership.get_role_display()},
            ],
        }
    )


def _paged(rows, params, render) -> Page:
    count = parse_count(one(params, "_count"))
    if (cursor := one(params, "_cursor")) is not None:
        last = row_id(decode_cursor(cursor, 1)[0])
        if last is None:
            raise SearchError("_cursor", "the paging cursor is damaged")
        rows = rows.filter(pk__gt=last)
    found = list(rows.order_by("pk")[: count + 1])
    shown = found[:count]
    return Page(
        [render(row) for row in shown],
        encode_cursor(shown[-1].pk) if len(found) > count else None,
    )


def practitioner_search(caller: Caller, params) -> Page:
    only(params, {"identifier", "name", "_count", "_cursor"})
    people = _people(caller)
    if (identifier := one(params, "identifier")) is not None:
        people = people.filter(hsa_id=identifier.rpartition("|")[2])
    if (name := one(params, "name")) is not None:
        people = people.filter(user__last_name__icontains=name) | people.filter(
            user__first_name__icontains=name
        )
    return _paged(people, params, practitioner)


def practitioner_read(caller: Caller, staff_id: str) -> dict | None:
    pk = row_id(staff_id)
    staff = _people(caller).filter(pk=pk).first() if pk else None
    return practitioner(staff) if staff else None


def _memberships(caller: Caller):
    return (
        Membership.objects.filter(unit__organisation_id=caller.unit.organisation_id)
        .exclude(staff__profession=Staff.Profession.SYSTEM)
        .select_related("staff__user", "unit")
    )


def practitioner_role_search(caller: Caller, params) -> Page:
    only(params, {"practitioner", "organization", "_count", "_cursor"})
    roles = _memberships(caller)
    for name, column in (("practitioner", "staff_id"), ("organization", "unit_id")):
        if (value := one(params, name)) is not None:
            key = row_id(value.rpartition("/")[2])
            if key is None:
                raise SearchError(name, f"{value!r} is not a {name.title()} id")
            roles = roles.filter(**{column: key})
    return _paged(roles, params, practitioner_role)


def practitioner_role_read(caller: Caller, role_id: str) -> dict | None:
    found = _memberships(caller).filter(pk=int(role_id)).first() if role_id.isdigit() else None
    return practitioner_role(found) if found else None
