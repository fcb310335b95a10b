"""What a system client may read, as FHIR resources. Every read goes through the access
policy with the client's own staff profile and unit, and is logged like a person's:
a read through get_patient_for_user / get_episode_for_user, a search with one entry per
patient it returns. The FHIR API serves the health record, so a home-care client (which
reads only its own requests, Scope.SOL) finds nothing.

Long module: the Observation search (its parameters, the episodes-first read and the page
of sets) is most of it and reads best in one place; the case resources are in
case_selectors.py."""

from collections import namedtuple
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record_many
from hemma.episodes.models import Episode, SafetyBedReservation
from hemma.episodes.selectors import get_episode_for_user
from hemma.monitoring.models import ObservationSet
from hemma.monitoring.selectors import readings_not_blocked
from hemma.patients.models import Patient
from hemma.patients.policy import health_record_patients_visible_to
from hemma.patients.selectors import deny, get_patient_for_user

from . import resources
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


def encounter_read(caller: Caller, episode_id: str) -> dict:
    if not episode_id.isdigit():
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
    episodes = _episodes(caller).order_by("pk")
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
    return readings_not_blocked(sets, caller.staff, caller.unit)


def observation_read(caller: Caller, observation_id: str) -> dict:
    set_id, _dash, part = observation_id.partition("-")
    observation_set = (
        ObservationSet.objects.select_related("episode").filter(pk=set_id).first()
        if set_id.isdigit() and part in FIELD_OF_PART
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


def _observation_parts(params) -> set[str] | None:
    codes = one(params, "code")
    if codes is None:
        return None
    parts = set()
    for token in codes.split(","):
        system, code = parse_token("code", token)
        if system not in (None, resources.LOINC, resources.SNOMED) or code not in PARTS_BY_CODE:
            continue  # a code Hemma never stores finds nothing
        parts.add(PARTS_BY_CODE[code])
    return parts


def _observation_sets(caller: Caller, params):
    """The sets the search selects, and the patients it names (patient=, subject=). With
    a patient named, the policy is applied to that patient's episodes (see
    _episodes_of_patients) instead of to every set's patient."""
    patient_ids = [
        parse_reference(name, value, "Patient")
        for name in ("patient", "subject")
        if (value := one(params, name)) is not None
    ]
    sets = (
        ObservationSet.objects.all()
        if patient_ids
        else ObservationSet.objects.filter(episode__patient__in=visible(caller))
    )
    if (value := one(params, "encounter")) is not None:
        sets = sets.filter(episode_id=parse_reference("encounter", value, "Encounter"))
    zone = timezone.get_current_timezone()
    for name, field in (("date", "measured_at"), ("_lastUpdated", "received_at")):
        for text in params.getlist(name):
            low, high = parse_date(name, text, zone).bounds()
            if low is not None:
                sets = sets.filter(**{f"{field}__gte": low})
            if high is not None:
                sets = sets.filter(**{f"{field}__lt": high})
    if (status := one(params, "status")) is not None and "final" not in status.split(","):
        sets = sets.none()
    return sets, patient_ids


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


def observation_search(caller: Caller, params) -> Page:
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
    parts = _observation_parts(params)
    if (category := one(params, "category")) is not None:
        wanted = {parse_token("category", c)[1] for c in category.split(",")}
        by_category = (
            {p for p in FIELD_OF_PART if p != "news2"} if "vital-signs" in wanted else set()
        ) | ({"news2"} if "survey" in wanted else set())
        parts = by_category if parts is None else parts & by_category
    # The sets' own columns only; their episodes and patients come in one query (a page
    # has few episodes: joining them to every row cost a third of the request) – before
    # the sets when the search names its patient, after them otherwise.
    sets, patient_ids = _observation_sets(caller, params)
    fields = [FIELD_OF_PART[p] for p in parts or ()]
    if parts is not None and "news2" not in parts:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__isnull": False})
        sets = sets.filter(condition) if fields else sets.none()
    skip = 0
    if (cursor := one(params, "_cursor")) is not None:
        moment, set_id, skip_text = decode_cursor(cursor, 3)
        try:
            when, last, skip = datetime.fromisoformat(moment), int(set_id), int(skip_text)
        except ValueError as error:
            raise SearchError("_cursor", "the paging cursor is damaged") from error
        sets = sets.filter(Q(measured_at__lt=when) | Q(measured_at=when, pk__lte=last))
    if patient_ids:
        # (a search that can find nothing, e.g. status=cancelled, reads no episodes)
        episode_of = {} if sets.query.is_empty() else _episodes_of_patients(caller, patient_ids)
        sets = sets.filter(episode_id__in=list(episode_of))
    sets = _without_blocked(sets, caller)
    sets = sets.order_by("-measured_at", "-pk").values_list(*_SetRow._fields)
    found = [_SetRow._make(row) for row in sets[: count + 1]]
    if not patient_ids:
        episodes = Episode.objects.select_related("patient", "ward")
        episode_of = {e.pk: e for e in episodes.filter(pk__in={s.episode_id for s in found})}
    entries, next_cursor = [], None
    for index, observation_set in enumerate(found):
        wanted = [
            p for p in resources.observation_parts(observation_set) if parts is None or p in parts
        ]
        start = skip if index == 0 else 0
        common = None  # what the set's Observations share, built once
        for position in range(start, len(wanted)):
            if len(entries) == count:
                next_cursor = encode_cursor(
                    observation_set.measured_at.isoformat(), observation_set.pk, position
                )
                break
            patient = episode_of[observation_set.episode_id].patient
            if common is None:
                common = resources.observation_common(observation_set, patient)
            resource = resources.observation(observation_set, wanted[position], patient, common)
            if resource is not None:
                entries.append((patient, resource))
        if next_cursor:
            break
    log_search(caller, [patient for patient, _r in entries], "FHIR Observation search")
    included = []
    if "patient" in wanted_includes:
        included += _included_patients(patient for patient, _r in entries)
    if "encounter" in wanted_includes:
        shown_ids = {r["encounter"]["reference"].split("/")[1] for _p, r in entries}
        unique = [e for pk, e in episode_of.items() if str(pk) in shown_ids]
        places = _safety_places(unique)
        included += [resources.encounter(e, places.get(e.pk)) for e in unique]
    return Page([resource for _p, resource in entries], next_cursor, included)


def patient_everything(caller: Caller, patient_id: str) -> list[dict]:
    """Patient/$everything: the patient, their episodes and all their observations."""
    patient = read_patient(caller, patient_id, f"FHIR Patient/{patient_id}/$everything")
    episodes = list(Episode.objects.filter(patient=patient).select_related("ward").order_by("pk"))
    for episode in episodes:
        episode.patient = patient
    places = _safety_places(episodes)
    sets = _without_blocked(ObservationSet.objects.filter(episode__in=episodes), caller)
    sets = sets.order_by("measured_at", "pk")
    return [
        resources.patient(patient),
        *(resources.encounter(e, places.get(e.pk)) for e in episodes),
        *(r for s in sets for r in resources.observations(s, patient)),
    ]
