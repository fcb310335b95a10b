"""The one rule of administration: who may change what (NotAllowed otherwise).

`by` is the acting Django user; administered_organisation_ids(by) is None for the
operator (a superuser without a staff profile), who may change everything."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from hemma.errors import NotAllowed

from ..models import Membership, Staff
from ..selectors import administered_organisation_ids, staff_organisation_ids


def require_organisations(by, organisation_ids: Iterable[int]) -> None:
    """`by` must administer every organisation in `organisation_ids` (None: the operator)."""
    administered = administered_organisation_ids(by)
    if administered is None:
        return
    if not administered:
        raise NotAllowed(_("Bara administratörer kan ändra medlemskap, roller och yrken."))
    if not set(organisation_ids) <= administered:
        raise NotAllowed(_("Du kan bara administrera din egen organisation."))


def require_whole_staff(by, staff: Staff) -> None:
    """Staff-wide changes: `by` must administer every organisation the staff member works for."""
    try:
        require_organisations(by, staff_organisation_ids(staff))
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


def require_operator(by) -> None:
    if administered_organisation_ids(by) is not None:
        raise NotAllowed(
            _("Bara driftansvarig (superuser) kan lägga upp och ta bort organisationer.")
        )


def require_role(role: str) -> None:
    if role not in Membership.Role.values:
        raise NotAllowed(_("Okänd roll."))


def require_profession(profession: str) -> None:
    if profession not in Staff.Profession.values:
        raise NotAllowed(_("Okänt yrke."))
