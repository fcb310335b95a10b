"""What a system client may read, as FHIR resources. Every read goes through the access
policy with the client's own staff profile and unit, and is logged like a person's:
a read through get_patient_for_user / get_episode_for_user, a search with one entry per
patient it returns. The FHIR API serves the health record, so a home-care client (which
reads only its own requests, Scope.SOL) finds nothing.

Blocking (spärr): what a unit the patient blocked from the caller's care provider
documented is left out of searches and $everything and read as unknown (not_blocked,
is_blocked; the rule per resource type is in docs/fhir.md).

Long module: the Observation search (its parameters, the episodes-first read, the page of
vital-sign sets and lab results merged newest first with one cursor) is most of it and
reads best in one place; the case resources are in case_selectors.py."""

from collections import namedtuple
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from functools import cached_property
from heapq import merge

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record_many
from hemma.clinical.identifiers import row_id
from hemma.episodes.models import Episode, SafetyBedReservation
from hemma.episodes.selectors import get_episode_for_user
from hemma.labs.models import LabResult
from hemma.monitoring.models import ObservationSet
from hemma.monitoring.selectors import readings_not_blocked
from hemma.patients.models import Patient
from hemma.patients.policy import (
    any_block_applies,
    blocked_documentation,
    blocked_units_for,
    health_record_patients_visible_to,
)
from hemma.patients.selectors import deny, get_patient_for_user

from . import lab_resources, resources
from .models import AccessToken
from .resources import FIELD_OF_PART, PARTS_BY_CODE, PERSONNUMMER, SAMORDNINGSNUMMER
from .search import (
    SearchError,
    decode_cursor,
    encode_cursor,
    parse_count,
    parse_date,
    parse_reference,
    parse_token,
)

API_READ = AccessLogEntry.Action.API_READ


@dataclass(frozen=True)
class Page:
    resources: list[dict]
    next_cursor: str | None = None
    included: list[dict] = dataclass_field(default_factory=list)  # _include: search.mode include


class Caller:
    """The authenticated system client behind a request."""

    def __init__(self, token: AccessToken):
        self.token = token
        self.client = token.client
        self.staff = token.client.staff
        self.unit = token.client.unit

    @cached_property
    def blocks_apply(self) -> bool:
        """Whether any active block could hide anything from this client's unit (one
        query per request; blocks are rare, so the filters below are skipped without)."""
        return any_block_applies(acting_unit=self.unit)


# --- blocking (spärr) ---------------------------------------------------------------------
# A resource documented by a unit the patient blocked from the caller's care provider is
# left out of searches and $everything, and a read of it is a 404 logged as denied
# (policy.blocked_documentation: the same rule as the pages). `patient_ref` and `unit_ref`
# name the row's patient and documenting unit columns.


def _blocked(caller: Caller, patient_ref: str, unit_ref: str, exempt: Q | None):
    condition = blocked_documentation(
        staff=caller.staff, acting_unit=caller.unit, patient_ref=patient_ref, unit_ref=unit_ref
    )
    return condition if exempt is None else condition & ~exempt


def not_blocked(caller: Caller, rows, patient_ref: str, unit_ref: str, exempt: Q | None = None):
    """`rows` without those a block hides from the caller (`exempt`: rows it never hides,
    e.g. a care request to or from the caller's own unit)."""
    if not caller.blocks_apply:
        return rows
    return rows.exclude(_blocked(caller, patient_ref, unit_ref, exempt))


def is_blocked(
    caller: Caller, rows, patient_ref: str, unit_ref: str, exempt: Q | None = None
) -> bool:
    """Whether a block hides the row of `rows` (a one-row queryset) from the caller."""
    if not caller.blocks_apply:
        return False
    return rows.filter(_blocked(caller, patient_ref, unit_ref, exempt)).exists()


def visible(caller: Caller):
    return health_record_patients_visible_to(caller.staff, caller.unit)


def log_search(caller: Caller, patients, what: str) -> None:
    access_log_record_many(
        staff=caller.staff, unit=caller.unit, patients=patients, action=API_READ, detail=what
    )


def read_patient(caller: Caller, patient_id, what: str) -> Patient:
    """The patient of a read, through the policy (health record) and logged; 404 if not."""
    return get_patient_for_user(
        staff=caller.staff,
        acting_unit=caller.unit,
        patient_id=patient_id,
        action=API_READ,
        detail=what[:200],
        health_record=True,
    ).patient


def deny_unknown(caller: Caller, what: str):
    """An unknown id: a denied entry naming it and a 404, as for a refused one."""
    deny(staff=caller.staff, acting_unit=caller.unit, what=what[:200], action=API_READ)


def only(params, allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise SearchError(
            unknown[0], f"unsupported search parameter; supported: {', '.join(sorted(allowed))}"
        )


def one(params, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise SearchError(name, f"give {name} once")
    return values[0] if values else None


def includes(params, supported: dict[str, str]) -> set[str]:
    """The _include values asked for, as what they add ("patient", "encounter")."""
    wanted = set()
    for value in params.getlist("_include"):
        if value not in supported:
            raise SearchError(
                "_include", f"supported here: {', '.join(sorted(supported))} (got {value!r})"
            )
        wanted.add(supported[value])
    return wanted


def _included_patients(patients) -> list[dict]:
    unique = {patient.pk: patient for patient in patients}
    return [resources.patient(patient) for patient in unique.values()]


# --- Patient ----------------------------------------------------------------------------


def patient_read(caller: Caller, patient_id: str) -> dict:
    return resources.patient(read_patient(caller, patient_id, f"FHIR Patient/{patient_id}"))


def patient_search(caller: Caller, params) -> Page:
    only(params, {"identifier", "_id", "_count", "_cursor"})
    count = parse_count(one(params, "_count"))
    patients = visible(caller).order_by("pk")
    identifier = one(params, "identifier")
    if identifier is not None:
        system, value = parse_token("identifier", identifier)
        if system not in (None, PERSONNUMMER, SAMORDNINGSNUMMER):
            raise SearchError("identifier", f"unknown identifier system {system!r}")
        patients = patients.filter(personal_number=value.replace("-", ""))
    if (ident := one(params, "_id")) is not None:
        patients = patients.filter(pk=parse_reference("_id", ident, "Patient"))
    if (cursor := one(params, "_cursor")) is not None:
        patients = patients.filter(
            pk__gt=parse_reference("_cursor", decode_cursor(cursor, 1)[0], "Patient")
        )
    found = list(patients[: count + 1])
    shown = found[:count]
    log_search(caller, shown, "FHIR Patient search")
    more = len(found) > count
    return Page(
        [resources.patient(p) for p in shown], encode_cursor(shown[-1].pk) if more else None
    )


# --- Encounter --------------------------------------------------------------------------


def _safety_places(episodes) -> dict[int, str]:
    reservations = SafetyBedReservation.objects.filter(
        episode__in=episodes, released_at=None
    ).select_related("bed")
    return {r.episode_id: str(r.bed) for r in reservations}


# The episode (Encounter) is the owning ward's documentation (as the episode page's
# timeline): hidden when the patient blocked the ward from the caller's care provider.
ENCOUNTER_DOCUMENTED_BY = ("patient_id", "ward_id")


def encounter_read(caller: Caller, episode_id: str) -> dict:
    if (pk := row_id(episode_id)) is None or is_blocked(
        caller, Episode.objects.filter(pk=pk), *ENCOUNTER_DOCUMENTED_BY
    ):
        deny_unknown(caller, f"FHIR Encounter/{episode_id}")
    access = get_episode_for_user(
        staff=caller.staff,
        acting_unit=caller.unit,
        episode_id=int(episode_id),
        action=API_READ,
        detail=f"FHIR Encounter/{episode_id}",
        health_record=True,
    )
    episode = access.episode
    return resources.encounter(episode, _safety_places([episode]).get(episode.pk))


def _episodes(caller: Caller):
    return Episode.objects.filter(patient__in=visible(caller)).select_related("patient", "ward")


def encounter_search(caller: Caller, params) -> Page:
    only(params, {"patient", "subject", "status", "_count", "_cursor", "_include"})
    count = parse_count(one(params, "_count"))
    wanted = includes(params, {"Encounter:patient": "patient", "Encounter:subject": "patient"})
    episodes = not_blocked(caller, _episodes(caller), *ENCOUNTER_DOCUMENTED_BY).order_by("pk")
    for name in ("patient", "subject"):
        if (value := one(params, name)) is not None:
            episodes = episodes.filter(patient_id=parse_reference(name, value, "Patient"))
    if (status := one(params, "status")) is not None:
        states = [s for s, fhir in resources.ENCOUNTER_STATUS.items() if fhir in status.split(",")]
        episodes = episodes.filter(state__in=states)
    if (cursor := one(params, "_cursor")) is not None:
        episodes = episodes.filter(
            pk__gt=parse_reference("_cursor", decode_cursor(cursor, 1)[0], "Encounter")
        )
    found = list(episodes[: count + 1])
    shown = found[:count]
    log_search(caller, [e.patient for e in shown], "FHIR Encounter search")
    places = _safety_places(shown)
    return Page(
        [resources.encounter(e, places.get(e.pk)) for e in shown],
        encode_cursor(shown[-1].pk) if len(found) > count else None,
        _included_patients(e.patient for e in shown) if "patient" in wanted else [],
    )


# --- Observation ------------------------------------------------------------------------


def _without_blocked(sets, caller: Caller):
    """Blocking (spärr): the readings of a unit the patient blocked from the caller's care
    provider are left out, as on the pages."""
    if not caller.blocks_apply:
        return sets
    return readings_not_blocked(sets, caller.staff, caller.unit)


# A lab result is the documentation of the unit that entered or received it.
LAB_DOCUMENTED_BY = ("episode__patient_id", "unit_id")


def _labs_without_blocked(labs, caller: Caller):
    return not_blocked(caller, labs, *LAB_DOCUMENTED_BY)


def observation_read(caller: Caller, observation_id: str) -> dict:
    set_id, _dash, part = observation_id.partition("-")
    observation_set = (
        ObservationSet.objects.select_related("episode").filter(pk=pk).first()
        if (pk := row_id(set_id)) and part in FIELD_OF_PART
        else None
    )
    if (
        observation_set is not None
        and not _without_blocked(
            ObservationSet.objects.filter(pk=observation_set.pk), caller
        ).exists()
    ):
        observation_set = None  # blocked: answered as unknown (the notice says no more)
    if observation_set is None:
        deny_unknown(caller, f"FHIR Observation/{observation_id}")
    patient = read_patient(
        caller, observation_set.episode.patient_id, f"FHIR Observation/{observation_id}"
    )
    resource = resources.observation(observation_set, part, patient)
    if resource is None:
        raise Http404("no such part")
    return resource


@dataclass
class _Codes:
    """What code= and category= select: the vital-sign parts and the lab analytes, each
    None for all of them (a set: only these, empty: none)."""

    parts: set[str] | None = None
    analytes: set[str] | None = None


def _observation_codes(params) -> _Codes:
    selected = _Codes()
    if (codes := one(params, "code")) is not None:
        selected = _Codes(set(), set())
        for token in codes.split(","):
            system, code = parse_token("code", token)
            if system in (None, resources.LOINC, resources.SNOMED) and code in PARTS_BY_CODE:
                selected.parts.add(PARTS_BY_CODE[code])
            if system in (None, resources.LOINC):
                selected.analytes |= lab_resources.analytes_of_codes([code])
            # a code Hemma never stores finds nothing
    if (category := one(params, "category")) is not None:
        wanted = {parse_token("category", c)[1] for c in category.split(",")}
        by_category = (
            {p for p in FIELD_OF_PART if p != "news2"} if "vital-signs" in wanted else set()
        ) | ({"news2"} if "survey" in wanted else set())
        selected.parts = by_category if selected.parts is None else selected.parts & by_category
        if lab_resources.LABORATORY not in wanted:
            selected.analytes = set()
    return selected


def _common_filters(params, rows, *, episode: str, date: str, updated: str):
    """encounter=, date=, _lastUpdated= and status= on sets or lab results (the names of
    their episode, measured and received columns)."""
    if (value := one(params, "encounter")) is not None:
        rows = rows.filter(**{episode: parse_reference("encounter", value, "Encounter")})
    zone = timezone.get_current_timezone()
    for name, field in (("date", date), ("_lastUpdated", updated)):
        for text in params.getlist(name):
            low, high = parse_date(name, text, zone).bounds()
            if low is not None:
                rows = rows.filter(**{f"{field}__gte": low})
            if high is not None:
                rows = rows.filter(**{f"{field}__lt": high})
    if (status := one(params, "status")) is not None and "final" not in status.split(","):
        rows = rows.none()  # Hemma's Observations are all final
    return rows


def _patient_ids(params) -> list:
    return [
        parse_reference(name, value, "Patient")
        for name in ("patient", "subject")
        if (value := one(params, name)) is not None
    ]


def _observation_sets(caller: Caller, params, patient_ids):
    """The sets the search selects. With a patient named (patient=, subject=), the policy
    is applied to that patient's episodes (see _episodes_of_patients) instead of to every
    set's patient."""
    sets = (
        ObservationSet.objects.all()
        if patient_ids
        else ObservationSet.objects.filter(episode__patient__in=visible(caller))
    )
    return _common_filters(
        params, sets, episode="episode_id", date="measured_at", updated="received_at"
    )


def _lab_results(caller: Caller, params, patient_ids, analytes):
    """The lab results the search selects (the policy as for the sets)."""
    labs = (
        LabResult.objects.all()
        if patient_ids
        else LabResult.objects.filter(episode__patient__in=visible(caller))
    )
    if analytes is not None:
        labs = labs.filter(analyte__in=sorted(analytes)) if analytes else labs.none()
    return _common_filters(
        params, labs, episode="episode_id", date="taken_at", updated="created_at"
    )


def _episodes_of_patients(caller: Caller, patient_ids) -> dict:
    """The episodes (with patient and ward) of the patient the search names, if the policy
    lets the caller list that patient: the same sets as filtering every set's patient
    through the policy, but the policy's subquery stays in this small query."""
    episodes = _episodes(caller)
    for patient_id in patient_ids:
        episodes = episodes.filter(patient_id=patient_id)
    return {e.pk: e for e in episodes}


# The columns of an ObservationSet the search renders, read as tuples: no model instance
# per set (51 a page), the same values (the fields' own conversions apply).
_SetRow = namedtuple(
    "_SetRow",
    [
        "pk",
        "episode_id",
        "measured_at",
        "received_at",
        *(field for field in FIELD_OF_PART.values() if field),
        "diastolic_bp",
        "news2_total",
        "news2_scores",
        "news2_level",
        "news2_complete",
        "news2_missing",
    ],
)
_LabRow = namedtuple("_LabRow", lab_resources.COLUMNS)

# The two sources of a search, newest first: a set's Observations and lab results are
# ordered by (time, source, id) descending – at the same instant the set before the lab
# result – and the cursor names the first not yet shown by that key (and, for a set, how
# many of its Observations were).
SET, LAB = "s", "l"
_RANK = {SET: 1, LAB: 0}


def _after_cursor(rows, kind: str, cursor, time_field: str):
    """The rows of `kind` at or after the cursor's (time, source, id) in the order above."""
    when, cursor_kind, last = cursor
    earlier = Q(**{f"{time_field}__lt": when})
    if _RANK[kind] < _RANK[cursor_kind]:
        return rows.filter(earlier | Q(**{time_field: when}))
    if _RANK[kind] > _RANK[cursor_kind]:
        return rows.filter(earlier)
    return rows.filter(earlier | Q(**{time_field: when, "pk__lte": last}))


def _decode_observation_cursor(text: str):
    moment, kind, row_id, skip_text = decode_cursor(text, 4)
    try:
        when, last, skip = datetime.fromisoformat(moment), int(row_id), int(skip_text)
    except ValueError as error:
        raise SearchError("_cursor", "the paging cursor is damaged") from error
    if kind not in _RANK or when.tzinfo is None:
        raise SearchError("_cursor", "the paging cursor is damaged")
    return (when, kind, last), skip


def observation_search(caller: Caller, params) -> Page:
    """Vital signs (with NEWS2) and lab results, newest first, in one list."""
    only(
        params,
        {
            "patient",
            "subject",
            "encounter",
            "code",
            "date",
            "_lastUpdated",
            "status",
            "category",
            "_count",
            "_cursor",
            "_include",
        },
    )
    count = parse_count(one(params, "_count"))
    wanted_includes = includes(
        params,
        {
            "Observation:patient": "patient",
            "Observation:subject": "patient",
            "Observation:encounter": "encounter",
        },
    )
    codes = _observation_codes(params)
    parts = codes.parts
    # The sets' own columns only; their episodes and patients come in one query (a page
    # has few episodes: joining them to every row cost a third of the request) – before
    # the sets when the search names its patient, after them otherwise.
    patient_ids = _patient_ids(params)
    sets = _observation_sets(caller, params, patient_ids)
    labs = _lab_results(caller, params, patient_ids, codes.analytes)
    fields = [FIELD_OF_PART[p] for p in parts or ()]
    if parts is not None and "news2" not in parts:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__isnull": False})
        sets = sets.filter(condition) if fields else sets.none()
    cursor, skip = None, 0
    if (text := one(params, "_cursor")) is not None:
        cursor, skip = _decode_observation_cursor(text)
        sets = _after_cursor(sets, SET, cursor, "measured_at")
        labs = _after_cursor(labs, LAB, cursor, "taken_at")
    searched = [q for q in (sets, labs) if not q.query.is_empty()]
    if patient_ids:
        # (a search that can find nothing, e.g. status=cancelled, reads no episodes)
        episode_of = _episodes_of_patients(caller, patient_ids) if searched else {}
        sets = sets.filter(episode_id__in=list(episode_of))
        labs = labs.filter(episode_id__in=list(episode_of))
    found_sets, found_labs = [], []
    if not sets.query.is_empty():
        sets = _without_blocked(sets, caller).order_by("-measured_at", "-pk")
        found_sets = [_SetRow._make(r) for r in sets.values_list(*_SetRow._fields)[: count + 1]]
    if not labs.query.is_empty():
        labs = _labs_without_blocked(labs, caller).order_by("-taken_at", "-pk")
        found_labs = [_LabRow._make(r) for r in labs.values_list(*_LabRow._fields)[: count + 1]]
    if not patient_ids:
        episodes = Episode.objects.select_related("patient", "ward")
        shown_episodes = {s.episode_id for s in found_sets} | {r.episode_id for r in found_labs}
        episode_of = {e.pk: e for e in episodes.filter(pk__in=shown_episodes)}
    found = merge(
        ((s.measured_at, _RANK[SET], s.pk, SET, s) for s in found_sets),
        ((r.taken_at, _RANK[LAB], r.pk, LAB, r) for r in found_labs),
        reverse=True,
    )
    entries, next_cursor = [], None
    for index, (moment, _rank, found_id, kind, row) in enumerate(found):
        patient = episode_of[row.episode_id].patient
        if kind == LAB:
            if len(entries) == count:
                next_cursor = encode_cursor(moment.isoformat(), LAB, found_id, 0)
                break
            entries.append((patient, lab_resources.lab_observation(row, patient)))
            continue
        wanted = [p for p in resources.observation_parts(row) if parts is None or p in parts]
        first = index == 0 and cursor is not None and cursor[1:] == (SET, found_id)
        common = None  # what the set's Observations share, built once
        for position in range(skip if first else 0, len(wanted)):
            if len(entries) == count:
                next_cursor = encode_cursor(moment.isoformat(), SET, found_id, position)
                break
            if common is None:
                common = resources.observation_common(row, patient)
            resource = resources.observation(row, wanted[position], patient, common)
            if resource is not None:
                entries.append((patient, resource))
        if next_cursor:
            break
    log_search(caller, [patient for patient, _r in entries], "FHIR Observation search")
    included = []
    if "patient" in wanted_includes:
        included += _included_patients(patient for patient, _r in entries)
    if "encounter" in wanted_includes:
        shown_ids = {int(r["encounter"]["reference"].split("/")[1]) for _p, r in entries}
        unique = [e for pk, e in episode_of.items() if pk in shown_ids]
        if unique and caller.blocks_apply:  # not the Encounter of a blocked ward
            allowed = set(
                not_blocked(
                    caller, Episode.objects.filter(pk__in=shown_ids), *ENCOUNTER_DOCUMENTED_BY
                ).values_list("pk", flat=True)
            )
            unique = [e for e in unique if e.pk in allowed]
        places = _safety_places(unique)
        included += [resources.encounter(e, places.get(e.pk)) for e in unique]
    return Page([resource for _p, resource in entries], next_cursor, included)


def patient_everything(caller: Caller, patient_id: str) -> list[dict]:
    """Patient/$everything: the patient, their episodes, all their vital signs and lab
    results – without what a block hides from the caller (the episodes of a blocked ward,
    the readings and results a blocked unit documented)."""
    patient = read_patient(caller, patient_id, f"FHIR Patient/{patient_id}/$everything")
    episodes = list(Episode.objects.filter(patient=patient).select_related("ward").order_by("pk"))
    for episode in episodes:
        episode.patient = patient
    hidden = (
        blocked_units_for(staff=caller.staff, acting_unit=caller.unit, patient=patient)
        if caller.blocks_apply
        else frozenset()
    )
    shown = [e for e in episodes if e.ward_id not in hidden]
    places = _safety_places(shown)
    sets = _without_blocked(ObservationSet.objects.filter(episode__in=episodes), caller)
    sets = sets.order_by("measured_at", "pk")
    labs = LabResult.objects.filter(episode__in=episodes).exclude(unit_id__in=hidden)
    labs = labs.order_by("taken_at", "pk")
    return [
        resources.patient(patient),
        *(resources.encounter(e, places.get(e.pk)) for e in shown),
        *(r for s in sets for r in resources.observations(s, patient)),
        *(lab_resources.lab_observation(r, patient) for r in labs),
    ]
