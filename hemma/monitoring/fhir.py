"""FHIR R4 vital-signs Observations in, Hemma's values out. Pure Python, no Django.

Follows the FHIR vital-signs profile: category `vital-signs`, LOINC codes, UCUM units.
Every problem is reported as an OperationOutcome issue (severity, code, diagnostics,
expression) so a device platform can fix its message; nothing is guessed.

Long module: one parser of one profile, read top to bottom – limits and strings, then an
Observation, then a Bundle and its entries; splitting it would scatter the checks a device
vendor reads together.
"""

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
VITAL_SIGNS = "vital-signs"
ACCEPTED_STATUSES = {"final", "amended", "corrected", "preliminary"}

# LOINC code → (Hemma value, UCUM code)
QUANTITIES = {
    "9279-1": ("respiration_rate", "/min"),
    "8867-4": ("pulse", "/min"),
    "59408-5": ("spo2", "%"),
    "2708-6": ("spo2", "%"),
    "8310-5": ("temperature", "Cel"),
}
BP_PANEL = "85354-9"
# LOINC component code → (Hemma value, UCUM code); many cuffs send the pulse in the panel.
BP_COMPONENTS = {
    "8480-6": ("systolic_bp", "mm[Hg]"),
    "8462-4": ("diastolic_bp", "mm[Hg]"),
    "8867-4": ("pulse", "/min"),
}
SUPPORTED = sorted([*QUANTITIES, BP_PANEL])

# Input limits: a hostile or broken body is refused before anything is stored.
MAX_DEPTH = 64  # nesting of JSON arrays and objects
MAX_BUNDLE_ENTRIES = 1000
IDENTIFIER_SYSTEM_MAX = 255  # = FhirIdentifier.system.max_length
IDENTIFIER_VALUE_MAX = 255  # = FhirIdentifier.value.max_length


@dataclass
class Issue:
    code: str  # FHIR issue-type: invalid, required, value, code-invalid, not-supported, …
    diagnostics: str
    expression: str

    def as_fhir(self) -> dict:
        return {
            "severity": "error",
            "code": self.code,
            "diagnostics": self.diagnostics,
            "expression": [self.expression],
        }


@dataclass
class ParsedObservation:
    identifier: tuple[str, str]  # (system, value), the idempotency key within the episode
    effective: datetime
    values: dict = field(default_factory=dict)
    subject_identifier: str | None = None
    index: int = 0  # the entry's position in the Bundle (0 for a single Observation)
    # Conditional create (If-None-Exist: identifier=system|value): not stored when the
    # patient's episode already has an Observation with that identifier.
    if_none_exist: tuple[str, str] | None = None


class BodyError(ValueError):
    """The body cannot be read as JSON within the limits; the message says why."""


def _no_constant(name: str):
    raise BodyError(f"{name} is not a JSON number")


def load_json(body: bytes):
    """The body as JSON, or BodyError: not UTF-8 JSON, NaN/Infinity (not JSON), or nested
    deeper than MAX_DEPTH. The json module recurses and raises RecursionError on very deep
    input; that is caught, and any depth it does parse is measured without recursion."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("the body is not UTF-8") from None
    try:
        payload = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BodyError(f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except BodyError:
        raise
    except ValueError:
        raise BodyError("the body is not valid JSON") from None
    stack = [(payload, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise BodyError(f"the JSON is nested deeper than {MAX_DEPTH} levels")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return payload


_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _bad_character(text: str) -> str | None:
    found = _BAD_CHARACTER.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        return "a lone surrogate"
    return f"the control character U+{code:04X}"


def string_issues(payload, body: bytes | None = None) -> list[Issue]:
    """FHIR strings hold no control characters but tab, CR and LF, and must be valid
    Unicode (no lone surrogate): checked in every key and value, without recursion. Given
    the raw `body`, a body without a \\u escape is passed at once: strict JSON admits a
    control character or a surrogate in a string only as an escape, and UTF-8 none."""
    if body is not None and b"\\u" not in body:
        return []
    issues: list[Issue] = []
    root = payload.get("resourceType") if isinstance(payload, dict) else None
    stack = [(payload, root if isinstance(root, str) and not _bad_character(root) else "")]
    while stack and len(issues) < 10:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                problem = _bad_character(key)
                if problem:
                    issues.append(Issue("invalid", f"a key contains {problem}", path))
                    continue
                stack.append((value, f"{path}.{key}" if path else key))
        elif isinstance(node, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node))
        elif isinstance(node, str):
            problem = _bad_character(node)
            if problem:
                issues.append(Issue("invalid", f"the string contains {problem}", path))
    return issues


def operation_outcome(issues: list[Issue]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [issue.as_fhir() for issue in issues]}


def _parse_datetime(text) -> datetime | None:
    if not isinstance(text, str) or "T" not in text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _quantity(quantity, unit: str, path: str, issues: list[Issue]) -> float | None:
    if not isinstance(quantity, dict):
        issues.append(Issue("required", "valueQuantity is required", path))
        return None
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        issues.append(Issue("value", "valueQuantity.value must be a number", f"{path}.value"))
        return None
    if quantity.get("system", UCUM) != UCUM or quantity.get("code") != unit:
        issues.append(
            Issue(
                "code-invalid",
                f"unit must be UCUM '{unit}' (system {UCUM})",
                f"{path}.code",
            )
        )
        return None
    return value


def _codings(concept) -> list[dict]:
    """The codings of a CodeableConcept, ignoring anything that is not one."""
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return [c for c in codings if isinstance(c, dict)] if isinstance(codings, list) else []


def _loinc(concept) -> list[str]:
    loinc = [c for c in _codings(concept) if c.get("system") == LOINC]
    return [c["code"] for c in loinc if isinstance(c.get("code"), str)]


def parse_observation(
    resource, path: str = "Observation"
) -> tuple[ParsedObservation | None, list[Issue]]:
    """One Observation → its values, or the issues that make it unusable."""
    issues: list[Issue] = []
    if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
        return None, [Issue("invalid", "resourceType must be Observation", path)]
    status = resource.get("status")
    if not isinstance(status, str) or status not in ACCEPTED_STATUSES:
        issues.append(
            Issue(
                "value",
                f"status must be one of {', '.join(sorted(ACCEPTED_STATUSES))}",
                f"{path}.status",
            )
        )
    categories = resource.get("category")
    if categories is not None:
        codes = [
            coding.get("code")
            for category in (categories if isinstance(categories, list) else [])
            for coding in _codings(category)
        ]
        if VITAL_SIGNS not in codes:
            issues.append(Issue("value", "category must include vital-signs", f"{path}.category"))
    identifiers = resource.get("identifier")
    identifier = None
    if isinstance(identifiers, list) and identifiers and isinstance(identifiers[0], dict):
        system, value = identifiers[0].get("system"), identifiers[0].get("value")
        if isinstance(system, str) and isinstance(value, str) and system and value:
            identifier = (system, value)
    if identifier is not None:
        for part, text, limit in (
            ("system", identifier[0], IDENTIFIER_SYSTEM_MAX),
            ("value", identifier[1], IDENTIFIER_VALUE_MAX),
        ):
            if len(text) > limit:
                issues.append(
                    Issue(
                        "too-long",
                        f"identifier {part} is longer than {limit} characters",
                        f"{path}.identifier[0].{part}",
                    )
                )
    else:
        issues.append(
            Issue(
                "required",
                "identifier (system and value) is required: it makes a resend idempotent",
                f"{path}.identifier",
            )
        )
    effective = _parse_datetime(resource.get("effectiveDateTime"))
    if effective is None:
        issues.append(
            Issue(
                "required",
                "effectiveDateTime with date, time and time zone is required",
                f"{path}.effectiveDateTime",
            )
        )
    known = [c for c in _loinc(resource.get("code")) if c in QUANTITIES or c == BP_PANEL]
    values: dict = {}
    if not known:
        issues.append(
            Issue(
                "code-invalid",
                f"code must be a LOINC vital sign Hemma supports: {', '.join(SUPPORTED)}",
                f"{path}.code",
            )
        )
    elif known[0] == BP_PANEL:
        components = resource.get("component")
        for index, component in enumerate(components if isinstance(components, list) else []):
            if not isinstance(component, dict):
                continue
            known_component = [c for c in _loinc(component.get("code")) if c in BP_COMPONENTS]
            if not known_component:
                continue
            name, unit = BP_COMPONENTS[known_component[0]]
            where = f"{path}.component[{index}]"
            if name in values:
                issues.append(Issue("duplicate", f"the panel has two {name} components", where))
                continue
            value = _quantity(component.get("valueQuantity"), unit, where, issues)
            if value is not None:
                values[name] = value
        if "systolic_bp" not in values and not any(i.code == "code-invalid" for i in issues):
            issues.append(
                Issue(
                    "required",
                    "the BP panel needs a systolic component (8480-6)",
                    f"{path}.component",
                )
            )
    else:
        name, unit = QUANTITIES[known[0]]
        value = _quantity(resource.get("valueQuantity"), unit, f"{path}.valueQuantity", issues)
        if value is not None:
            values[name] = value
    subject = resource.get("subject")
    subject_identifier = None
    if isinstance(subject, dict) and isinstance(subject.get("identifier"), dict):
        subject_identifier = str(subject["identifier"].get("value") or "").replace("-", "")
    if issues:
        return None, issues
    return ParsedObservation(identifier, effective, values, subject_identifier or None), []


def _entry_condition(entry, index: int, issues: list[Issue]) -> tuple[str, str] | None:
    request = entry.get("request") if isinstance(entry, dict) else None
    if request is None:
        return None
    path = f"Bundle.entry[{index}].request"
    if not isinstance(request, dict):
        issues.append(Issue("invalid", "request must be an object", path))
        return None
    if request.get("method", "POST") != "POST":
        issues.append(Issue("not-supported", "only POST (create) entries are accepted", path))
        return None
    if "ifNoneExist" not in request:
        return None
    condition, problems = parse_if_none_exist(request["ifNoneExist"], f"{path}.ifNoneExist")
    issues += problems
    return condition


def parse_payload(payload) -> tuple[list[ParsedObservation], list[Issue], bool]:
    """An Observation or a Bundle of them → (observations, issues, is_bundle)."""
    if not isinstance(payload, dict):
        return [], [Issue("invalid", "the body must be a FHIR resource (a JSON object)", "")], False
    if payload.get("resourceType") == "Bundle":
        if payload.get("type") not in ("batch", "transaction", "collection"):
            return (
                [],
                [
                    Issue(
                        "value",
                        "Bundle.type must be batch, transaction or collection",
                        "Bundle.type",
                    )
                ],
                True,
            )
        entries = payload.get("entry")
        if not isinstance(entries, list) or not entries:
            return (
                [],
                [Issue("required", "Bundle.entry must list the Observations", "Bundle.entry")],
                True,
            )
        if len(entries) > MAX_BUNDLE_ENTRIES:
            return (
                [],
                [
                    Issue(
                        "too-costly",
                        f"at most {MAX_BUNDLE_ENTRIES} entries per Bundle",
                        "Bundle.entry",
                    )
                ],
                True,
            )
        parsed, issues = [], []
        for index, entry in enumerate(entries):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            observation, problems = parse_observation(resource, f"Bundle.entry[{index}].resource")
            condition = _entry_condition(entry, index, problems)
            issues += problems
            if observation:
                observation.index, observation.if_none_exist = index, condition
                parsed.append(observation)
        return parsed, issues, True
    observation, issues = parse_observation(payload)
    return ([observation] if observation else []), issues, False


def parse_if_none_exist(text, path: str) -> tuple[tuple[str, str] | None, list[Issue]]:
    """A conditional create's search, `identifier=system|value` (URL-encoded as in a FHIR
    search); the one search Hemma supports for it."""
    if not isinstance(text, str) or not text:
        return None, [Issue("invalid", "ifNoneExist must be a search string", path)]
    try:
        query = parse_qs(text.removeprefix("?"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return None, [Issue("invalid", "If-None-Exist is not UTF-8 when decoded", path)]
    tokens = query.get("identifier", [])
    if set(query) != {"identifier"} or len(tokens) != 1 or "|" not in tokens[0]:
        return None, [
            Issue("not-supported", "If-None-Exist supports identifier=system|value only", path)
        ]
    system, _bar, value = tokens[0].partition("|")
    if not system or not value:
        return None, [
            Issue("not-supported", "If-None-Exist supports identifier=system|value only", path)
        ]
    for text, limit in ((system, IDENTIFIER_SYSTEM_MAX), (value, IDENTIFIER_VALUE_MAX)):
        problem = _bad_character(text)
        if problem or len(text) > limit:
            reason = problem or f"more than {limit} characters"
            return None, [Issue("invalid", f"the identifier in If-None-Exist has {reason}", path)]
    return (system, value), []


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
