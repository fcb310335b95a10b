"""Reads for setting up an organisation: who may set up what, the wards' safety places and
the first-run checklist ("Kom igång"). No patient data: a reserved safety place shows the
episode's number, never the patient."""

import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Organisation, Staff, Unit
from hemma.accounts.selectors import administered_organisation_ids, staff_for_user
from hemma.careplans.models import AgreementTemplate
from hemma.coordination.models import DirectoryEntry
from hemma.episodes.models import SafetyBed, SafetyBedReservation

CARE_UNIT_KINDS = [kind for kind in Unit.Kind.values if kind != Unit.Kind.OTHER]


def administers_something(user) -> bool:
    """An administrator of at least one organisation (the operator: every organisation)."""
    return administered_organisation_ids(user) != set()


def administered_organisations(user) -> QuerySet[Organisation]:
    administered = administered_organisation_ids(user)
    organisations = Organisation.objects.order_by("name")
    return organisations if administered is None else organisations.filter(pk__in=administered)


def wards_for_safety_beds(user) -> QuerySet[Unit]:
    """The wards whose safety places `user` manages: every ward of an organisation he
    administers, and the wards he is the manager (chef) of."""
    wards = Unit.objects.filter(kind=Unit.Kind.WARD).select_related("organisation")
    administered = administered_organisation_ids(user)
    if administered is None:
        return wards.order_by("organisation__name", "name")
    staff = staff_for_user(user)
    managed = Exists(
        Membership.objects.filter(unit=OuterRef("pk"), staff=staff, role=Membership.Role.MANAGER)
    )
    allowed = Q(organisation_id__in=administered)
    if staff is not None:
        allowed |= Q(managed)
    return wards.filter(allowed).order_by("organisation__name", "name")


def may_manage_safety_beds(user, ward: Unit) -> bool:
    return wards_for_safety_beds(user).filter(pk=ward.pk).exists()


def safety_bed_for_user(user, bed_id: int) -> SafetyBed | None:
    """The place if it exists and `user` manages its ward (else None: a 404)."""
    return (
        SafetyBed.objects.select_related("ward__organisation")
        .filter(pk=bed_id, ward__in=wards_for_safety_beds(user))
        .first()
    )


@dataclass(frozen=True)
class BedState:
    bed: SafetyBed
    episode_id: int | None = None  # the reserving episode (its number only)
    occupied: bool = False  # the patient was admitted directly to the place

    @property
    def reserved(self) -> bool:
        return self.episode_id is not None


@dataclass
class WardBeds:
    ward: Unit
    beds: list[BedState] = field(default_factory=list)

    @property
    def in_service(self) -> int:
        return sum(1 for state in self.beds if state.bed.in_service)

    @property
    def free(self) -> int:
        return sum(1 for state in self.beds if state.bed.in_service and not state.reserved)


def _natural(label: str) -> list:
    """'Plats 9' before 'Plats 23'."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", label)]


def safety_bed_overview(user) -> list[WardBeds]:
    """Each ward `user` manages with its places and their state (three queries)."""
    wards = {ward.pk: WardBeds(ward) for ward in wards_for_safety_beds(user)}
    beds = list(SafetyBed.objects.filter(ward_id__in=wards))
    reservations = {
        reservation.bed_id: reservation
        for reservation in SafetyBedReservation.objects.filter(bed__in=beds, released_at=None).only(
            "bed_id", "episode_id", "occupied_at"
        )
    }
    for bed in sorted(beds, key=lambda b: _natural(b.label)):
        reservation = reservations.get(bed.pk)
        wards[bed.ward_id].beds.append(
            BedState(
                bed=bed,
                episode_id=reservation.episode_id if reservation else None,
                occupied=bool(reservation and reservation.occupied_at),
            )
        )
    return list(wards.values())


# --- the first-run checklist ---------------------------------------------------------------


@dataclass(frozen=True)
class CheckItem:
    key: str
    done: bool
    title: str
    missing: str  # what is still missing, in Swedish ("" when done)
    url_name: str | None  # the page that fixes it
    link_text: str = ""


@dataclass
class OrganisationChecklist:
    organisation: Organisation
    items: list[CheckItem]

    @property
    def remaining(self) -> int:
        return sum(1 for item in self.items if not item.done)


def _names(units) -> str:
    names = [unit.name for unit in units]
    shown = ", ".join(names[:5])
    return shown + (_(" med flera") if len(names) > 5 else "")


def _item(key, done, title, missing, url_name, link_text) -> CheckItem:
    return CheckItem(key, done, title, "" if done else missing, url_name, link_text)


def setup_checklist(user) -> list[OrganisationChecklist]:
    """For each organisation `user` administers: what is still missing before the first
    patient can go home (a handful of queries per organisation)."""
    return [
        OrganisationChecklist(organisation, _checks(organisation))
        for organisation in administered_organisations(user)
    ]


def _checks(organisation: Organisation) -> list[CheckItem]:
    units = list(Unit.objects.filter(organisation=organisation).order_by("name"))
    wards = [unit for unit in units if unit.kind == Unit.Kind.WARD]
    municipal = organisation.kind == Organisation.Kind.MUNICIPALITY
    import_link = ("setup:hsa_import", _("Läs in HSA-katalog"))
    items = [
        _item(
            "units",
            any(unit.kind in CARE_UNIT_KINDS for unit in units),
            _("Vårdenheter"),
            _("Organisationen har inga vårdenheter än."),
            *import_link,
        )
    ]
    if not municipal:
        items += _ward_checks(wards, import_link)
    items.append(_home_health_check(organisation, municipal, import_link))
    others = (
        Membership.objects.filter(unit__organisation=organisation)
        .exclude(staff__profession=Staff.Profession.ADMINISTRATOR)
        .exists()
    )
    items.append(
        _item(
            "staff",
            others,
            _("Personal"),
            _("Ingen personal utöver administratörer har medlemskap i organisationens enheter."),
            *import_link,
        )
    )
    # Economics settings belong to insights, a sibling of this app: read through the
    # relation so setup does not import it (pyproject's layers).
    economics_saved = Organisation.objects.filter(
        pk=organisation.pk, economics__updated_by__isnull=False
    ).exists()
    items.append(
        _item(
            "economics",
            economics_saved,
            _("Ekonomiska antaganden"),
            _(
                "Ingen chef har granskat och sparat kostnaderna (KPP, vårddygn) för "
                "uppföljningen; exemplets värden används."
            ),
            "insights:economics",
            _("Ekonomiska antaganden"),
        )
    )
    items.append(
        _item(
            "directory",
            DirectoryEntry.objects.filter(unit__organisation=organisation).exists(),
            _("Läkare till läkare"),
            _("Katalogen har inga direktnummer till organisationens enheter."),
            "coordination:directory_new",
            _("Ny post i katalogen"),
        )
    )
    return items


def _ward_checks(wards: list[Unit], import_link) -> list[CheckItem]:
    without_place = [
        ward for ward in wards if not SafetyBed.objects.filter(ward=ward, in_service=True).exists()
    ]
    own_templates = set(
        AgreementTemplate.objects.filter(ward__in=wards, is_active=True).values_list(
            "ward_id", flat=True
        )
    )
    without_template = [ward for ward in wards if ward.pk not in own_templates]
    return [
        _item(
            "ward",
            bool(wards),
            _("Vårdavdelning"),
            _("Organisationen har ingen vårdavdelning."),
            *import_link,
        ),
        _item(
            "safety_places",
            bool(wards) and not without_place,
            _("Trygghetsplatser"),
            _("Ingen trygghetsplats i drift på: %(wards)s.") % {"wards": _names(without_place)}
            if without_place
            else _("Lägg upp en avdelning först."),
            "setup:safety_beds",
            _("Trygghetsplatser"),
        ),
        _item(
            "templates",
            bool(wards) and not without_template,
            _("Mall för överenskommelse"),
            _(
                "Egen mall saknas på: %(wards)s. Kopiera en av Hemmas mallar och byt "
                "telefonnumren (agera för avdelningen)."
            )
            % {"wards": _names(without_template)}
            if without_template
            else _("Lägg upp en avdelning först."),
            "careplans:templates",
            _("Mallar för överenskommelser"),
        ),
    ]


def _home_health_check(organisation: Organisation, municipal: bool, import_link) -> CheckItem:
    """A care request needs a municipal home health unit with someone to receive it."""
    staffed = Unit.objects.filter(kind=Unit.Kind.HOME_HEALTH_CARE).filter(
        Exists(Membership.objects.filter(unit=OuterRef("pk")))
    )
    if municipal:
        return _item(
            "home_health",
            staffed.filter(organisation=organisation).exists(),
            _("Hemsjukvård"),
            _("Kommunen har ingen hemsjukvårdsenhet med personal som kan ta emot vårdbegäran."),
            *import_link,
        )
    return _item(
        "home_health",
        staffed.filter(organisation__kind=Organisation.Kind.MUNICIPALITY).exists(),
        _("Kommunens hemsjukvård"),
        _(
            "Ingen kommunal hemsjukvårdsenhet med personal finns i Hemma; vårdbegäran kan inte "
            "skickas. Kommunens administratör läser in sin HSA-katalog."
        ),
        None,
        "",
    )
