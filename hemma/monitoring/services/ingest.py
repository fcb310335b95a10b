"""Storing FHIR Observations from the patient's devices (parsed by ../fhir.py, answered by
../api.py): identifiers are the episode's own, the same identifier again is a resend (or a
conflict when its time or values differ), and the readings go through `readings_store`."""

import hashlib
import json
from datetime import UTC

from django.db import connection, transaction
from django.utils import timezone

from hemma.episodes.models import Episode
from hemma.errors import HemmaError

from ..models import FhirIdentifier, ObservationSet
from .plans import active_thresholds, spo2_scale_of
from .readings import NewReading, check_moment, lock_monitored, readings_store
from .scoring import given, score


def fhir_content(observation) -> str:
    """What an identifier was sent with: its time and values (72 and 72.0 are one)."""
    moment = observation.effective.astimezone(UTC).isoformat()
    values = sorted((name, float(value)) for name, value in observation.values.items())
    return hashlib.sha256(json.dumps([moment, values]).encode()).hexdigest()


def fhir_observation_problem(observation, now=None) -> str | None:
    """Why one new Observation cannot be stored whatever else is sent with it (a time in
    the future or over a week old, an impossible value), or None."""
    try:
        check_moment(observation.effective, now or timezone.now())
        score(observation.values, 1)  # the SpO2 scale changes the score, not the ranges
    except HemmaError as error:
        return str(error.message)
    return None


def fhir_observations_store(
    *,
    episode: Episode,
    groups: list,
    if_none_exist: dict | None = None,
    refused: dict | None = None,
) -> tuple[list[tuple], dict]:
    """Store each group of FHIR observations taken at one moment as one reading, all or
    nothing, with a fixed number of statements whatever the Bundle's size; readings within
    HEMMA_NEWS2_SET_MINUTES join one set and the Bundle raises at most one alert (the
    highest). Returns (observation, set id, created, identifier) per stored or resent
    observation – the identifier it is answered with: its own, or the one its condition
    found – and {entry index: identifier} for an identifier the episode already has with
    another time or value (a conflict, nothing stored for it). Identifiers are the
    episode's own: the same identifier from another patient's device is another reading.
    `if_none_exist` maps an entry index to the identifier its conditional create names:
    when the episode has it, the entry is answered with that set and not stored. Given a
    `refused` dict, a new observation that cannot be stored on its own
    (`fhir_observation_problem`) is left out and its message put there by entry index,
    instead of failing the whole store."""
    if_none_exist = if_none_exist or {}
    results, conflicts = [], {}
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # the caller's savepoint is enough
        lock_monitored(episode)
        sent = {o.identifier[1] for group in groups for o in group}
        sent |= {value for _system, value in if_none_exist.values()}
        known = {
            (system, value): (observation_id, content)
            for system, value, observation_id, content in FhirIdentifier.objects.filter(
                episode=episode, value__in=sent
            ).values_list("system", "value", "observation_id", "content")
        }
        fresh_groups = []
        for group in groups:
            fresh = []
            for observation in group:
                condition = if_none_exist.get(observation.index)
                if condition is not None and condition in known:
                    results.append((observation, known[condition][0], False, condition))
                elif observation.identifier not in known:
                    problem = refused is not None and fhir_observation_problem(observation, now)
                    if problem:
                        refused[observation.index] = problem
                    else:
                        fresh.append(observation)
                elif known[observation.identifier][1] not in ("", fhir_content(observation)):
                    conflicts[observation.index] = observation.identifier
                else:
                    answered = known[observation.identifier][0]
                    results.append((observation, answered, False, observation.identifier))
            if fresh:
                fresh_groups.append(fresh)
        if not fresh_groups:
            return results, conflicts
        scale = spo2_scale_of(episode.patient)
        readings = []
        for group in fresh_groups:
            values = {}
            for observation in group:
                values.update(observation.values)
            check_moment(group[0].effective, now)
            identifiers = sorted({o.identifier for o in group})
            digest = hashlib.sha256(json.dumps(identifiers).encode()).hexdigest()  # unambiguous
            readings.append(
                NewReading(
                    values=given(values, scale),
                    measured_at=group[0].effective,
                    client_id=f"fhir:{digest[:60]}",
                    source=ObservationSet.Source.DEVICE,
                )
            )
        stored = readings_store(
            episode=episode,
            readings=readings,
            scale=scale,
            thresholds=active_thresholds(episode.patient),
        )
        # No ignore_conflicts: the unique (episode, system, value) constraint is the
        # backstop behind the row lock, so a second copy can never be stored silently.
        _insert_identifiers(
            (episode.pk, *o.identifier, observation_set.pk, fhir_content(o))
            for group, observation_set in zip(fresh_groups, stored.sets, strict=True)
            for o in {o.identifier: o for o in group}.values()
        )
        for group, observation_set in zip(fresh_groups, stored.sets, strict=True):
            results += [(o, observation_set.pk, True, o.identifier) for o in group]
    return results, conflicts


IDENTIFIER_COLUMNS = ("episode_id", "system", "value", "observation_id", "content")


def _insert_identifiers(rows) -> None:
    """Insert (episode id, system, value, set id, content) tuples in one statement of plain
    values – no model instance for each of a Bundle's up to 1,000 identifiers. PostgreSQL
    gets five arrays to UNNEST (five parameters however many rows: a long VALUES list
    cost more to bind than to insert); SQLite a multi-row VALUES, split only where it
    limits the number of parameters."""
    rows = list(rows)
    if not rows:
        return
    table = connection.ops.quote_name(FhirIdentifier._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in IDENTIFIER_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = "%s::bigint[], %s::varchar[], %s::varchar[], %s::bigint[], %s::varchar[]"
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({arrays})",  # noqa: S608
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        per_statement = (connection.features.max_query_params or 999) // len(IDENTIFIER_COLUMNS)
        placeholder = "(" + ", ".join(["%s"] * len(IDENTIFIER_COLUMNS)) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join([placeholder] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}",  # noqa: S608 - no input in SQL
                [value for row in chunk for value in row],
            )
