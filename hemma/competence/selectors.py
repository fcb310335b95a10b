"""Reads of information and competence. Episode reads: the caller has already passed the
access policy for the episode (episodes.selectors.get_episode_for_user, which logged the
read). Unit reads: the caller has checked `rules.may_read`."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from hemma.accounts.models import Staff, Unit
from hemma.careplans.models import AgreementVersion
from hemma.careplans.shipped import SHIPPED_TEMPLATES, with_unit_phones
from hemma.episodes.models import Episode
from hemma.patients.policy import CARE_ROLES

from . import rules, skills
from .models import (
    LINE_ITEMS,
    PUMP_ITEMS,
    TABLET_ITEMS,
    CompetenceRecord,
    Skill,
    TrainingCheck,
    TrainingItem,
)


def current_version(episode: Episode) -> AgreementVersion | None:
    """The agreement's current version, or None before one is written (one query)."""
    return AgreementVersion.objects.filter(agreement__episode=episode).order_by("-number").first()


def _agreement_text(version: AgreementVersion) -> str:
    parts = [f"{a.get('what', '')} {a.get('who', '')}" for a in version.activities]
    return " ".join([*parts, *version.equipment])


def training_items(episode: Episode, version: AgreementVersion | None | bool = False) -> list[str]:
    """The items of the patient's training for this episode: the tablet's always; the
    pump's and the line's when the agreement names a pump or a PICC/PVK line – before an
    agreement is written, when the episode is an early discharge (the IV-antibiotic way
    home, seed 001)."""
    if version is False:
        version = current_version(episode)
    if version is None:
        early = episode.pathway == Episode.Pathway.EARLY_DISCHARGE
        pump = line = early
    else:
        text = _agreement_text(version)
        pump, line = skills.mentions_pump(text), skills.mentions_line(text)
    return [
        *TABLET_ITEMS,
        *(PUMP_ITEMS if pump else ()),
        *(LINE_ITEMS if line else ()),
    ]


@dataclass(frozen=True)
class TrainingRow:
    item: str
    label: str
    check: TrainingCheck | None


@dataclass(frozen=True)
class TrainingStatus:
    rows: list[TrainingRow]
    history: list[TrainingCheck]  # unticked rows, newest first

    @property
    def done(self) -> int:
        return sum(1 for row in self.rows if row.check is not None)

    @property
    def total(self) -> int:
        return len(self.rows)


def training_status(episode: Episode, *, with_history: bool = False) -> TrainingStatus:
    """The checklist: each item that applies with its tick (two queries; three with the
    history of unticks)."""
    items = training_items(episode)
    ticked = {
        check.item: check
        for check in TrainingCheck.objects.filter(episode=episode, unticked_at=None).select_related(
            "ticked_by__user", "ticked_unit"
        )
    }
    labels = dict(TrainingItem.choices)
    rows = [TrainingRow(item, labels[item], ticked.get(item)) for item in items]
    history = []
    if with_history:
        history = list(
            TrainingCheck.objects.filter(episode=episode, unticked_at__isnull=False)
            .select_related("ticked_by__user", "unticked_by__user", "unticked_unit")
            .order_by("-unticked_at")
        )
    return TrainingStatus(rows, history)


# --- the leaflet ------------------------------------------------------------------------


def _shipped_for(pathway: str) -> dict:
    return next((t for t in SHIPPED_TEMPLATES if t["pathway"] == pathway), SHIPPED_TEMPLATES[0])


def leaflet(episode: Episode) -> dict:
    """What the patient's leaflet says for this episode: the agreement's contacts, what to
    do if worse and when to call 112 (its current version; before one is written, the
    shipped template of the episode's pathway with the units' own numbers), the times to
    measure, whether a pump or a line is part of it, and the ward's number."""
    version = current_version(episode)
    source = version.content() if version is not None else _shipped_for(episode.pathway)
    content = with_unit_phones(source, ward=episode.ward, home_health=episode.home_health_unit)
    if version is None and episode.home_health_unit is None:
        # Plan B, or no visiting team chosen yet: only the ward's number is real.
        ward_phone = episode.ward.phone
        content["contacts"] = [c for c in content["contacts"] if c.get("phone") == ward_phone]
    contacts = [c for c in content["contacts"] if c.get("phone")]
    ward_phone = episode.ward.phone or (contacts[0]["phone"] if contacts else "")
    measuring = [
        a
        for a in content.get("activities", [])
        if "mätning" in a.get("what", "").casefold() or "mäter" in a.get("what", "").casefold()
    ]
    items = training_items(episode, version)
    return {
        "version": version,
        "contacts": contacts,
        "if_worse": content.get("if_worse", ""),
        "call_112": content.get("call_112", ""),
        "measuring": measuring,
        "equipment": content.get("equipment", []),
        "with_pump": TrainingItem.PUMP_CONNECT in items,
        "with_line": TrainingItem.LINE_CARE in items,
        "ward_phone": ward_phone,
    }


# --- the competence transfer ------------------------------------------------------------


def trainer_choices(unit: Unit, acting_unit: Unit | None = None) -> QuerySet[Staff]:
    """Who may be named as the trainer of `unit`'s staff: the care staff of the wards and
    teams that send it patients, and of the acting unit when it is one of them."""
    units = rules.trainer_unit_ids(unit)
    if acting_unit is not None and acting_unit.pk != unit.pk:
        units.add(acting_unit.pk)
    return (
        Staff.objects.filter(memberships__unit_id__in=units, memberships__role__in=CARE_ROLES)
        .select_related("user")
        .distinct()
        .order_by("user__last_name", "user__first_name")
    )


def unit_staff(unit: Unit) -> QuerySet[Staff]:
    return (
        Staff.objects.filter(memberships__unit=unit, memberships__role__in=CARE_ROLES)
        .select_related("user")
        .distinct()
        .order_by("user__last_name", "user__first_name")
    )


@dataclass(frozen=True)
class StaffCompetence:
    staff: Staff
    records: list[CompetenceRecord]

    def valid(self, day: date) -> list[CompetenceRecord]:
        return [r for r in self.records if r.is_valid_on(day)]


def unit_competences(unit: Unit) -> list[StaffCompetence]:
    """Every care member of the unit with the records of their skills (withdrawn ones
    included, marked), in two queries."""
    people = list(unit_staff(unit))
    by_staff: dict[int, list[CompetenceRecord]] = defaultdict(list)
    for record in CompetenceRecord.objects.filter(staff__in=people).select_related(
        "trainer__user", "recorded_by__user", "recorded_unit", "withdrawn_by__user"
    ):
        by_staff[record.staff_id].append(record)
    return [StaffCompetence(person, by_staff.get(person.pk, [])) for person in people]


def valid_skills(staff_ids, day: date) -> dict[int, set[str]]:
    """Staff id → the skills they hold by a valid record on `day` (one query)."""
    found: dict[int, set[str]] = defaultdict(set)
    rows = (
        CompetenceRecord.objects.filter(
            staff_id__in=list(staff_ids), withdrawn_at=None, trained_on__lte=day
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .values_list("staff_id", "skill")
    )
    for staff_id, skill in rows:
        found[staff_id].add(skill)
    return dict(found)


@dataclass(frozen=True)
class PlannerWarning:
    kind: str  # "nobody" (no one on shift holds it) or "assigned" (the planned staff lacks it)
    visit: object
    skill: str
    staff: Staff | None = None

    @property
    def skill_label(self) -> str:
        return Skill(self.skill).label


def planner_warnings(board: dict, day: date) -> list[PlannerWarning]:
    """For the planner (visits.selectors.planner_board's `routes` and `visits`): each open
    visit that needs a trained skill (by its text, `skills.skills_in`) which nobody on
    shift holds by a valid record, and each planned visit whose staff lacks it. One query."""
    shifts = [route.shift for route in board["routes"]]
    held = valid_skills([s.staff_id for s in shifts], day)
    on_shift = set().union(*held.values()) if held else set()
    warnings = []
    for visit in board["visits"]:
        if not visit.is_open:
            continue
        for skill in skills.skills_in(visit.what):
            if skill not in on_shift:
                warnings.append(PlannerWarning("nobody", visit, skill))
                continue
            for assignment in visit.assignments.all():
                if skill not in held.get(assignment.staff_id, set()):
                    warnings.append(PlannerWarning("assigned", visit, skill, assignment.staff))
    return warnings


def visible_units(staff: Staff, acting_unit: Unit) -> list[Unit]:
    """The visiting units whose competence record the acting unit reads: itself, or those
    it sends patients to (one query, plus one per unit for the rule)."""
    if rules.is_visiting_unit(acting_unit):
        return [acting_unit]
    ids = (
        Episode.objects.filter(ward=acting_unit, home_health_unit__isnull=False)
        .values_list("home_health_unit_id", flat=True)
        .distinct()
    )
    return list(Unit.objects.filter(pk__in=list(ids)).order_by("name"))
