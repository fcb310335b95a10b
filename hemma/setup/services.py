"""Setting up a region or a municipality: the HSA catalogue import and the wards' safety
places (trygghetsplatser).

Every change goes through hemma.accounts.services (organisation_save, unit_save,
staff_create, staff_set_profession, membership_add, membership_set_role), which check the
one administration rule and write the administration log; what those services do not
cover (a person's name, the safety places) is checked with the same rule here and logged
the same way (accounts.services.log.write, AdministrationLogEntry).

The import: organisations first, then units, then people, whatever the order of the
rows; each row in its own savepoint, so a bad row is reported with its line number and
skipped while the good rows are kept. Rows are matched by HSA-id: a second import
updates, never duplicates, and an unchanged row changes nothing. Memberships not in the
file are kept (the import adds and updates, it never removes).
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hemma.accounts import services as accounts
from hemma.accounts.models import AdministrationLogEntry, Membership, Organisation, Staff, Unit
from hemma.accounts.selectors import administered_organisation_ids
from hemma.accounts.services.log import staff_log_organisations
from hemma.accounts.services.log import write as log_write
from hemma.accounts.services.rules import (
    require_operator,
    require_organisations,
    require_whole_staff,
)
from hemma.clinical import identifiers
from hemma.episodes.models import SafetyBed, SafetyBedReservation
from hemma.episodes.services import safety_beds_ensure
from hemma.errors import Conflict, HemmaError, NotAllowed, NotFound

from . import hsa_import
from .hsa_import import LineError, OrganisationRow, PersonRow, UnitRow
from .selectors import may_manage_safety_beds

User = get_user_model()
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[LineError] = field(default_factory=list)
    rows: int = 0

    def count(self, outcome: str, what: str) -> None:
        if outcome == CREATED:
            self.created.append(what)
        elif outcome == UPDATED:
            self.updated.append(what)
        else:
            self.unchanged += 1


def hsa_import_file(*, by, data: bytes) -> ImportResult:
    """Read an HSA catalogue file (docs/setup.md) as `by` (a Django user: an administrator,
    who may touch only his organisations, or the operator, who alone adds organisations)."""
    if administered_organisation_ids(by) == set():
        raise NotAllowed(_("Bara administratörer kan läsa in HSA-katalogen."))
    try:
        parsed = hsa_import.parse(data)
    except hsa_import.BadFile as error:
        raise HemmaError(error.message) from None
    result = ImportResult(errors=list(parsed.errors), rows=parsed.rows)
    steps = (
        [(row, _organisation) for row in parsed.organisations]
        + [(row, _unit) for row in parsed.units]
        + [(row, _person) for row in parsed.people]
    )
    for row, apply in steps:
        try:
            with transaction.atomic():
                outcome, what = apply(by, row)
        except HemmaError as error:
            result.errors.append(LineError(row.line, error.message))
        except ValidationError as error:
            result.errors.append(LineError(row.line, " ".join(str(m) for m in error.messages)))
        except IntegrityError:
            result.errors.append(
                LineError(row.line, _("raden krockar med något som redan finns i Hemma."))
            )
        else:
            result.count(outcome, what)
    result.errors.sort()
    return result


def _find_organisation(reference: str) -> Organisation:
    found = Organisation.objects.filter(hsa_id=reference).first()
    if found is None:
        try:
            number = identifiers.validate_organisation_number(reference)
        except identifiers.InvalidIdentifier:
            number = None
        found = Organisation.objects.filter(organisation_number=number).first() if number else None
    if found is None:
        raise NotFound(
            _(
                "organisationen %(reference)s finns inte i Hemma (lägg den i filen eller be "
                "driftansvarig lägga upp den)."
            )
            % {"reference": reference}
        )
    return found


def _organisation(by, row: OrganisationRow) -> tuple[str, str]:
    what = f"{row.name} ({row.hsa_id})"
    organisation = Organisation.objects.filter(hsa_id=row.hsa_id).first()
    if organisation is None:
        organisation = Organisation(hsa_id=row.hsa_id)
        outcome = CREATED
    else:
        require_organisations(by, {organisation.pk})
        outcome = UPDATED
    wanted = {"name": row.name, "organisation_number": row.organisation_number, "kind": row.kind}
    if outcome == UPDATED and all(getattr(organisation, k) == v for k, v in wanted.items()):
        return UNCHANGED, what
    for name, value in wanted.items():
        setattr(organisation, name, value)
    if outcome == CREATED:
        # Only the operator adds organisations: refuse before saying what exists.
        require_operator(by)
    organisation.full_clean()
    accounts.organisation_save(by=by, organisation=organisation)
    return outcome, what


def _unit(by, row: UnitRow) -> tuple[str, str]:
    what = f"{row.name} ({row.hsa_id})"
    organisation = _find_organisation(row.organisation)
    require_organisations(by, {organisation.pk})
    unit = Unit.objects.filter(hsa_id=row.hsa_id).first()
    wanted = {
        "organisation_id": organisation.pk,
        "name": row.name,
        "kind": row.kind,
        "beds": row.beds,
        "phone": row.phone,
    }
    if unit is None:
        unit, outcome = Unit(hsa_id=row.hsa_id, **wanted), CREATED
    else:
        require_organisations(by, {unit.organisation_id})
        outcome = UPDATED
        if all(getattr(unit, k) == v for k, v in wanted.items()):
            outcome = UNCHANGED
        for name, value in wanted.items():
            setattr(unit, name, value)
    if outcome != UNCHANGED:
        unit.full_clean()
        accounts.unit_save(by=by, unit=unit)
    if unit.kind == Unit.Kind.WARD and not SafetyBed.objects.filter(ward=unit).exists():
        safety_beds_for_ward(by=by, ward=unit)
        outcome = outcome if outcome == CREATED else UPDATED
    return outcome, what


def _person(by, row: PersonRow) -> tuple[str, str]:
    what = f"{row.given_name} {row.family_name} ({row.hsa_id})"
    units = []
    for hsa_id in row.units:
        unit = Unit.objects.filter(hsa_id=hsa_id).first()
        if unit is None:
            raise NotFound(
                _("enheten %(hsa_id)s finns inte (lägg den i filen före personen).")
                % {"hsa_id": hsa_id}
            )
        units.append(unit)
    require_organisations(by, {unit.organisation_id for unit in units})
    staff = Staff.objects.select_related("user").filter(hsa_id=row.hsa_id).first()
    changed = False
    if staff is None:
        staff, outcome = _staff_create(by, row), CREATED
    else:
        outcome = UPDATED
        changed = _staff_update(by, staff, row)
    for unit in units:
        membership = Membership.objects.filter(staff=staff, unit=unit).first()
        if membership is None:
            accounts.membership_add(by=by, staff=staff, unit=unit, role=row.role)
            changed = True
        elif membership.role != row.role:
            accounts.membership_set_role(by=by, membership=membership, role=row.role)
            changed = True
    if outcome == UPDATED and not changed:
        outcome = UNCHANGED
    return outcome, what


def _staff_create(by, row: PersonRow) -> Staff:
    """A new account signs in through the region's identity provider: no usable password.
    An administrator may use Django admin for reference data (is_staff), as in the demo."""
    username = row.username or row.hsa_id
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("användarnamnet %(username)s används redan.") % {"username": username})
    user = User(
        username=username,
        first_name=row.given_name,
        last_name=row.family_name,
        email=row.email,
        is_staff=row.profession == Staff.Profession.ADMINISTRATOR,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    staff = Staff(user=user, profession=row.profession, hsa_id=row.hsa_id)
    staff.full_clean(exclude=["user"])
    return accounts.staff_create(by=by, staff=staff)


def _staff_update(by, staff: Staff, row: PersonRow) -> bool:
    """Profession, name and e-mail are staff-wide: the services require administering every
    organisation the person works for."""
    changed = False
    user = staff.user
    if staff.profession != row.profession:
        accounts.staff_set_profession(by=by, staff=staff, profession=row.profession)
        if not user.is_superuser:
            user.is_staff = row.profession == Staff.Profession.ADMINISTRATOR
            user.save(update_fields=["is_staff"])
        changed = True
    names = {"first_name": row.given_name, "last_name": row.family_name}
    if row.email:
        names["email"] = row.email
    differs = {k: v for k, v in names.items() if getattr(user, k) != v}
    if differs:
        require_whole_staff(by, staff)
        before = f"{user.get_full_name()} <{user.email}>"
        for name, value in differs.items():
            setattr(user, name, value)
        user.full_clean()
        user.save(update_fields=list(differs))
        log_write(
            by=by,
            action=AdministrationLogEntry.Action.STAFF_CHANGED,
            organisation_ids=staff_log_organisations(by, staff),
            target=staff,
            detail=f"namn/e-post: {before} → {user.get_full_name()} <{user.email}>",
        )
        changed = True
    return changed


# --- safety places (trygghetsplatser) ------------------------------------------------------


def _require_ward_manager(by, ward: Unit) -> None:
    if ward.kind != Unit.Kind.WARD:
        raise NotAllowed(_("Bara vårdavdelningar har trygghetsplatser."))
    if not may_manage_safety_beds(by, ward):
        raise NotAllowed(
            _("Bara organisationens administratör och avdelningens chef ändrar trygghetsplatser.")
        )


def _log_place(by, ward: Unit, detail: str) -> None:
    log_write(
        by=by,
        action=AdministrationLogEntry.Action.UNIT_CHANGED,
        organisation_ids={ward.organisation_id},
        detail=f"{ward.name}: {detail}",
    )


@transaction.atomic
def safety_beds_for_ward(*, by, ward: Unit) -> list[SafetyBed]:
    """A ward gets HEMMA_SAFETY_BEDS_PER_WARD places numbered after its beds ("Plats 23" on a
    22-bed ward); only the new ones are logged."""
    _require_ward_manager(by, ward)
    before = set(SafetyBed.objects.filter(ward=ward).values_list("pk", flat=True))
    beds = safety_beds_ensure(ward=ward)
    new = [bed.label for bed in beds if bed.pk not in before]
    if new:
        _log_place(by, ward, "trygghetsplats tillagd: " + ", ".join(new))
    return beds


@transaction.atomic
def safety_bed_add(*, by, ward: Unit, label: str) -> SafetyBed:
    _require_ward_manager(by, ward)
    label = " ".join(label.split())
    if not label:
        raise HemmaError(_("Ange platsens namn, t.ex. Plats 23."))
    if len(label) > 50:
        raise HemmaError(_("Platsens namn får vara högst 50 tecken."))
    if SafetyBed.objects.filter(ward=ward, label__iexact=label).exists():
        raise Conflict(
            _("%(ward)s har redan en trygghetsplats som heter %(label)s.")
            % {"ward": ward.name, "label": label}
        )
    try:
        with transaction.atomic():
            bed = SafetyBed.objects.create(ward=ward, label=label)
    except IntegrityError:
        raise Conflict(
            _("%(ward)s har redan en trygghetsplats som heter %(label)s.")
            % {"ward": ward.name, "label": label}
        ) from None
    _log_place(by, ward, f"trygghetsplats tillagd: {label}")
    return bed


@transaction.atomic
def safety_bed_set_in_service(*, by, bed: SafetyBed, in_service: bool) -> SafetyBed:
    """Take a place out of service (a broken bed, closed for the summer) or back. A place
    that holds a reservation stays: the patient at home counts on it."""
    # The same row lock safety_bed_reserve takes: a reservation cannot slip in between.
    current = SafetyBed.objects.select_for_update().select_related("ward").filter(pk=bed.pk).first()
    if current is None:
        raise NotFound(_("Trygghetsplatsen finns inte längre."))
    _require_ward_manager(by, current.ward)
    if current.in_service == in_service:
        return current
    if (
        not in_service
        and SafetyBedReservation.objects.filter(bed=current, released_at=None).exists()
    ):
        raise Conflict(
            _(
                "%(label)s är reserverad för en patient i hemmet och kan inte tas ur drift. "
                "Ta den ur drift när reservationen är avslutad."
            )
            % {"label": current.label}
        )
    current.in_service = in_service
    current.save(update_fields=["in_service"])
    _log_place(
        by,
        current.ward,
        f"trygghetsplats {current.label} {'åter i drift' if in_service else 'tagen ur drift'}",
    )
    return current
