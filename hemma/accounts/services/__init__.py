"""Changes to who works where, in which role and profession, with the administration log.

Every change of a membership, role, profession, account, unit or organisation made in
Django admin goes through one of these functions. Each refuses (NotAllowed) unless the
acting user administers the organisation concerned (the one rule:
selectors.administered_organisation_ids, applied in `rules`), and writes the change
together with its administration-log entries (`log`) in one transaction; a refusal
writes nothing.

Staff-wide attributes (profession, HSA-id, whether the account is active) matter to
every organisation the staff member works for, so changing them requires administering
all of those organisations: otherwise a region administrator could make a nurse who also
works for the municipality an administrator of the municipality.

One module per use case: `memberships`, `staff`, `units` (units and organisations).
Callers use `from hemma.accounts import services` / `services.membership_add(...)`.
"""

from .memberships import membership_add, membership_change, membership_remove, membership_set_role
from .staff import (
    staff_create,
    staff_delete,
    staff_set_active,
    staff_set_hsa_id,
    staff_set_profession,
)
from .units import organisation_delete, organisation_save, unit_delete, unit_save

__all__ = [
    "membership_add",
    "membership_change",
    "membership_remove",
    "membership_set_role",
    "organisation_delete",
    "organisation_save",
    "staff_create",
    "staff_delete",
    "staff_set_active",
    "staff_set_hsa_id",
    "staff_set_profession",
    "unit_delete",
    "unit_save",
]
