"""FHIR R4 vital-signs Observations in, Hemma's values out. Pure Python, no Django.

Follows the FHIR vital-signs profile: category `vital-signs`, LOINC codes, UCUM units.
Every problem is reported as an OperationOutcome issue (severity, code, diagnostics,
expression) so a device platform can fix its message; nothing is guessed.
"""

from dataclasses import dataclass, field
from datetime import datetime

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
BP_COMPONENTS = {"8480-6": "systolic_bp", "8462-4": "diastolic_bp"}
SUPPORTED = sorted([*QUANTITIES, BP_PANEL])


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
    identifier: str  # "system|value", the idempotency key
    effective: datetime
    values: dict = field(default_factory=dict)
    subject_identifier: str | None = None


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
    if isinstance(value, bool) or not isinstance(value, int | float):
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
            if isinstance(category, dict)
            for coding in (category.get("coding") or [])
            if isinstance(coding, dict)
        ]
        if VITAL_SIGNS not in codes:
            issues.append(Issue("value", "category must include vital-signs", f"{path}.category"))
    identifiers = resource.get("identifier")
    identifier = None
    if isinstance(identifiers, list) and identifiers and isinstance(identifiers[0], dict):
        system, value = identifiers[0].get("system"), identifiers[0].get("value")
        if isinstance(system, str) and isinstance(value, str) and system and value:
            identifier = f"{system}|{value}"
    if identifier is None:
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
    loinc = (
        [
            coding.get("code")
            for coding in ((resource.get("code") or {}).get("coding") or [])
            if isinstance(coding, dict) and coding.get("system") == LOINC
        ]
        if isinstance(resource.get("code"), dict)
        else []
    )
    known = [c for c in loinc if isinstance(c, str) and (c in QUANTITIES or c == BP_PANEL)]
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
            codes = (
                [
                    c.get("code")
                    for c in ((component.get("code") or {}).get("coding") or [])
                    if isinstance(component, dict)
                    and isinstance(c, dict)
                    and c.get("system") == LOINC
                ]
                if isinstance(component, dict) and isinstance(component.get("code"), dict)
                else []
            )
            name = next(
                (BP_COMPONENTS[c] for c in codes if isinstance(c, str) and c in BP_COMPONENTS),
                None,
            )
            if name is None:
                continue
            value = _quantity(
                component.get("valueQuantity"), "mm[Hg]", f"{path}.component[{index}]", issues
            )
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
        if len(entries) > 1000:
            return (
                [],
                [Issue("too-costly", "at most 1000 entries per Bundle", "Bundle.entry")],
                True,
            )
        parsed, issues = [], []
        for index, entry in enumerate(entries):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            observation, problems = parse_observation(resource, f"Bundle.entry[{index}].resource")
            issues += problems
            if observation:
                parsed.append(observation)
        return parsed, issues, True
    observation, issues = parse_observation(payload)
    return ([observation] if observation else []), issues, False


def group_by_time(observations: list[ParsedObservation]) -> list[list[ParsedObservation]]:
    """Observations taken at the same moment form one set (one NEWS2)."""
    groups: dict[datetime, list[ParsedObservation]] = {}
    for observation in observations:
        groups.setdefault(observation.effective, []).append(observation)
    return [groups[moment] for moment in sorted(groups)]
