"""FHIR R4 vital-signs Observations in, Hemma's values out. Pure Python, no Django.

An Observation is validated by fhir.resources' R4B model (R4B is R4's technical
correction, wire-compatible for Observation and Bundle): it refuses unknown elements,
wrong JSON shapes (a `subject` that is a string) and malformed primitives (a dateTime
`+0000` or `T03Z`). On top of it come the checks the library does not make: the
vital-signs profile (category, LOINC code, UCUM unit, effective[x] with a time zone, the
subject), JSON types it coerces (a value `"72"`, a time `5`), library-only keys it lets
through (fhir.py), absolute identifier systems and the identifier limits. Nothing is
guessed: every problem is an issue with its path.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from fhir.resources.R4B.observation import Observation
from pydantic import ValidationError

from hemma.clinical.identifiers import InvalidIdentifier, parse_personal_identity

from .fhir import (
    IDENTIFIER_SYSTEM_MAX,
    IDENTIFIER_VALUE_MAX,
    MAX_ISSUES,
    Issue,
    element_name_issues,
    validation_issues,
)

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
VITAL_SIGNS = "vital-signs"
ACCEPTED_STATUSES = {"final", "amended", "corrected", "preliminary"}
# Identifier systems of a Swedish personnummer / samordningsnummer as a subject.
PERSONAL_NUMBER_SYSTEMS = {
    "urn:oid:1.2.752.129.2.1.3.1",
    "urn:oid:1.2.752.129.2.1.3.3",
    "http://electronichealth.se/identifier/personnummer",
    "http://electronichealth.se/identifier/samordningsnummer",
}
RATE_UNITS = ("/min", "{beats}/min", "{breaths}/min")  # UCUM annotations carry no meaning
# LOINC code → (Hemma value, accepted UCUM codes); the first is the one Hemma stores.
QUANTITIES = {
    "9279-1": ("respiration_rate", RATE_UNITS),
    "8867-4": ("pulse", RATE_UNITS),
    "59408-5": ("spo2", ("%",)),
    "2708-6": ("spo2", ("%",)),
    "8310-5": ("temperature", ("Cel", "[degF]")),
}
BP_PANEL = "85354-9"
# LOINC component code → (Hemma value, UCUM codes); many cuffs send the pulse in the panel.
BP_COMPONENTS = {
    "8480-6": ("systolic_bp", ("mm[Hg]",)),
    "8462-4": ("diastolic_bp", ("mm[Hg]",)),
    "8867-4": ("pulse", RATE_UNITS),
}
SUPPORTED = sorted([*QUANTITIES, BP_PANEL])

_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")  # urn:…, http(s)://…
_PATIENT_REFERENCE = re.compile(r"Patient/([A-Za-z0-9.-]{1,64})")


@dataclass(frozen=True)
class Subject:
    """Who an Observation says it is about: `Patient/<id>` and/or a personal number."""

    patient_id: str | None = None
    personal_number: str | None = None  # 12 digits

    def is_patient(self, patient_id, personal_number: str) -> bool:
        """Whether every form given names this patient (Hemma's Patient ids are UUIDs)."""
        if self.patient_id is not None:
            try:
                if uuid.UUID(self.patient_id) != uuid.UUID(str(patient_id)):
                    return False
            except ValueError:
                return False
        return self.personal_number is None or self.personal_number == personal_number


@dataclass
class ParsedObservation:
    identifier: tuple[str, str]  # (system, value), the idempotency key within the episode
    effective: datetime
    values: dict = field(default_factory=dict)
    subject: Subject = field(default_factory=Subject)
    index: int = 0  # the entry's position in the Bundle (0 for a single Observation)
    # Conditional create (If-None-Exist: identifier=system|value): not stored when the
    # patient's episode already has an Observation with that identifier.
    if_none_exist: tuple[str, str] | None = None


def _in_hemma_unit(value, unit: str) -> float:
    if unit == "[degF]":  # Hemma stores Celsius, to a tenth as the database does
        celsius = (Decimal(str(value)) - 32) * 5 / 9
        return float(celsius.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return value


def _quantity(quantity, units: tuple, path: str, issues: list[Issue]) -> float | None:
    """A valueQuantity (the raw JSON, already of the right shape) in Hemma's unit."""
    if not isinstance(quantity, dict):
        issues.append(Issue("required", "valueQuantity is required", path))
        return None
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        issues.append(Issue("value", "valueQuantity.value must be a JSON number", f"{path}.value"))
        return None
    if quantity.get("system", UCUM) != UCUM or quantity.get("code") not in units:
        named = " or ".join(f"'{unit}'" for unit in units)
        issues.append(
            Issue("code-invalid", f"unit must be UCUM {named} (system {UCUM})", f"{path}.code")
        )
        return None
    return _in_hemma_unit(value, quantity["code"])


def _loinc(concept) -> list[str]:
    codings = concept.coding if concept is not None else None
    return [c.code for c in codings or [] if c.system == LOINC and c.code]


def _other_values(raw: dict) -> list[str]:
    return [key for key in raw if key.startswith("value") and key != "valueQuantity"]


def _value(element, raw: dict, units, path: str, issues: list[Issue], *, component=False):
    """The valueQuantity of an Observation or a component; None without one. A BP
    component may instead give a dataAbsentReason (the cuff got no diastolic)."""
    if element.dataAbsentReason is not None:
        if "valueQuantity" in raw or _other_values(raw):
            text = "dataAbsentReason is only allowed when there is no value (obs-6)"
            issues.append(Issue("invalid", text, f"{path}.dataAbsentReason"))
        elif not component:  # the Observation itself: nothing to store
            text = "valueQuantity is required: an Observation without a value stores nothing"
            issues.append(Issue("required", text, f"{path}.valueQuantity"))
        return None
    if _other_values(raw):
        issues.append(Issue("value", "the value must be a valueQuantity", path))
        return None
    return _quantity(raw.get("valueQuantity"), units, f"{path}.valueQuantity", issues)


def _values(model, raw: dict, path: str, issues: list[Issue]) -> dict:
    known = [c for c in _loinc(model.code) if c in QUANTITIES or c == BP_PANEL]
    if not known:
        text = f"code must be a LOINC vital sign Hemma supports: {', '.join(SUPPORTED)}"
        issues.append(Issue("code-invalid", text, f"{path}.code"))
        return {}
    if known[0] != BP_PANEL:
        name, units = QUANTITIES[known[0]]
        value = _value(model, raw, units, path, issues)
        return {} if value is None else {name: value}
    values: dict = {}
    found = len(issues)
    for index, component in enumerate(model.component or []):
        known_component = [c for c in _loinc(component.code) if c in BP_COMPONENTS]
        if not known_component:
            continue
        name, units = BP_COMPONENTS[known_component[0]]
        where = f"{path}.component[{index}]"
        if name in values:
            issues.append(Issue("duplicate", f"the panel has two {name} components", where))
            continue
        raw_component = raw["component"][index]
        value = _value(component, raw_component, units, where, issues, component=True)
        if value is not None:
            values[name] = value
    if "systolic_bp" not in values and len(issues) == found:
        text = "the BP panel needs a systolic component (8480-6) with a value"
        issues.append(Issue("required", text, f"{path}.component"))
    return values


def _identifier(model, path: str, issues: list[Issue]) -> tuple[str, str] | None:
    """The first identifier with both system and value: the idempotency key."""
    chosen, found = None, len(issues)
    for index, identifier in enumerate(model.identifier or []):
        where = f"{path}.identifier[{index}]"
        system, value = identifier.system, identifier.value
        if system is not None and not _ABSOLUTE_URI.fullmatch(system):
            text = "identifier system must be an absolute URI (urn:…, http(s)://…)"
            issues.append(Issue("value", text, f"{where}.system"))
            continue
        if chosen is not None or not system or not value:
            continue
        chosen = (system, value)
        for part, text, limit in (
            ("system", system, IDENTIFIER_SYSTEM_MAX),
            ("value", value, IDENTIFIER_VALUE_MAX),
        ):
            if len(text) > limit:
                message = f"identifier {part} is longer than {limit} characters"
                issues.append(Issue("too-long", message, f"{where}.{part}"))
    if chosen is None and len(issues) == found:
        text = "identifier (system and value) is required: it makes a resend idempotent"
        issues.append(Issue("required", text, f"{path}.identifier"))
    return chosen


def _moment(value, raw, where: str, issues: list[Issue]) -> datetime | None:
    if not isinstance(raw, str):
        issues.append(Issue("value", "a dateTime must be a JSON string", where))
    elif not isinstance(value, datetime) or value.tzinfo is None:
        text = "a date, a time and a time zone are required (YYYY-MM-DDThh:mm:ss+01:00)"
        issues.append(Issue("required", text, where))
    else:
        return value
    return None


def _effective(model, raw: dict, path: str, issues: list[Issue]) -> datetime | None:
    """effectiveDateTime, or effectivePeriod's end (its start without one)."""
    if model.effectiveDateTime is not None:
        where = f"{path}.effectiveDateTime"
        return _moment(model.effectiveDateTime, raw.get("effectiveDateTime"), where, issues)
    period = model.effectivePeriod
    if period is not None and (period.start is not None or period.end is not None):
        moments = {}
        for side in ("start", "end"):
            if getattr(period, side) is not None:
                value, given = getattr(period, side), raw["effectivePeriod"].get(side)
                where = f"{path}.effectivePeriod.{side}"
                moments[side] = _moment(value, given, where, issues)
        if None in moments.values():
            return None
        if "start" in moments and "end" in moments and moments["start"] > moments["end"]:
            text = "effectivePeriod.start is after its end"
            issues.append(Issue("invalid", text, f"{path}.effectivePeriod"))
        return moments.get("end") or moments["start"]
    if model.effectiveInstant is not None or model.effectiveTiming is not None:
        text = "effective[x] must be effectiveDateTime or effectivePeriod (vital-signs profile)"
        issues.append(Issue("value", text, path))
        return None
    text = "effectiveDateTime (or effectivePeriod) with date, time and time zone is required"
    issues.append(Issue("required", text, f"{path}.effectiveDateTime"))
    return None


def _subject(model, path: str, issues: list[Issue]) -> Subject:
    """`Patient/<id>` or a personal-number identifier; whose it is, api.py checks."""
    subject, where = model.subject, f"{path}.subject"
    if subject is None or (subject.reference is None and subject.identifier is None):
        text = "subject is required: Patient/<id> or the patient's personnummer identifier"
        issues.append(Issue("required", text, where))
        return Subject()
    patient_id = number = None
    if subject.reference is not None:
        match = _PATIENT_REFERENCE.fullmatch(subject.reference)
        if match is None:
            text = "subject.reference must be Patient/<id>"
            issues.append(Issue("value", text, f"{where}.reference"))
        else:
            patient_id = match[1]
    identifier = subject.identifier
    if identifier is not None:
        if identifier.system not in PERSONAL_NUMBER_SYSTEMS:
            text = "subject.identifier.system must be urn:oid:1.2.752.129.2.1.3.1 (personnummer)"
            issues.append(Issue("not-supported", text, f"{where}.identifier.system"))
        else:
            try:
                number = parse_personal_identity(identifier.value or "").number
            except InvalidIdentifier:
                text = "subject.identifier.value is not a valid personnummer"
                issues.append(Issue("value", text, f"{where}.identifier.value"))
    return Subject(patient_id, number)


def parse_observation(
    resource, path: str = "Observation"
) -> tuple[ParsedObservation | None, list[Issue]]:
    """One Observation → its values, or the issues that make it unusable."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
        return None, [Issue("invalid", "resourceType must be Observation", path)]
    issues = element_name_issues(resource, path)
    if issues:
        return None, issues
    try:
        model = Observation.model_validate(resource)
    except ValidationError as error:
        return None, validation_issues(error, path)
    if model.status not in ACCEPTED_STATUSES:
        text = f"status must be one of {', '.join(sorted(ACCEPTED_STATUSES))}"
        issues.append(Issue("value", text, f"{path}.status"))
    codes = [
        (coding.system, coding.code)
        for category in model.category or []
        for coding in category.coding or []
    ]
    if not codes:
        text = "category vital-signs is required (vital-signs profile)"
        issues.append(Issue("required", text, f"{path}.category"))
    elif not any(c == VITAL_SIGNS and s in (None, CATEGORY_SYSTEM) for s, c in codes):
        issues.append(Issue("value", "category must include vital-signs", f"{path}.category"))
    identifier = _identifier(model, path, issues)
    effective = _effective(model, resource, path, issues)
    subject = _subject(model, path, issues)
    values = _values(model, resource, path, issues)
    if issues or identifier is None or effective is None:
        return None, issues[:MAX_ISSUES]
    return ParsedObservation(identifier, effective, values, subject), []


def group_by_time(
    observations: list[ParsedObservation],
) -> tuple[list[list[ParsedObservation]], dict[int, Issue]]:
    """Observations taken at the same moment form one set (one NEWS2). Never two values of
    one parameter at one moment: an observation that gives a parameter already given at
    its moment a different value (or reuses an identifier for a different reading) is
    rejected, by its entry index; the same value twice is one value."""
    groups: dict[datetime, list[ParsedObservation]] = {}
    seen: dict[tuple[str, str], ParsedObservation] = {}
    rejected: dict[int, Issue] = {}
    for observation in observations:
        where = f"Bundle.entry[{observation.index}].resource"
        first = seen.get(observation.identifier)
        if first is not None:
            if (first.effective, first.values) != (observation.effective, observation.values):
                rejected[observation.index] = Issue(
                    "duplicate",
                    f"identifier already used by entry {first.index} for a different reading",
                    f"{where}.identifier",
                )
            else:
                groups[observation.effective].append(observation)
            continue
        group = groups.get(observation.effective, [])
        given = {}
        for other in group:
            given |= other.values
        clash = sorted(n for n, v in observation.values.items() if n in given and given[n] != v)
        if clash:
            rejected[observation.index] = Issue(
                "duplicate",
                f"{', '.join(clash)} at {observation.effective.isoformat()} already has "
                "another value in this Bundle: send one value per parameter and moment",
                where,
            )
            continue
        seen[observation.identifier] = observation
        groups.setdefault(observation.effective, []).append(observation)
    return [groups[moment] for moment in sorted(groups)], rejected
