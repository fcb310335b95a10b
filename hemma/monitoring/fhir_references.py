"""References between the entries of a device Bundle, pure Python.

A gateway that follows the HL7 Personal Health Device IG posts one transaction with the
Patient, the Device and the Observations, the Observations referring to the others by
the entries' `fullUrl` (`urn:uuid:…`), the Patient and the Device as conditional creates.
Hemma creates neither: the Patient entry must be the device's patient (matched by
personnummer or samordningsnummer) and resolves to it, the Device entry resolves to the
enrolled device. An Observation's `subject` that names the Patient entry is read as that
patient's identifier; every other `urn:` reference must name an entry of the Bundle."""

from dataclasses import dataclass

from fhir.resources.R4B.device import Device
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from hemma.clinical.identifiers import InvalidIdentifier, parse_personal_identity

from .fhir import Issue, element_name_issues, validation_issues, walk
from .fhir_observation import PERSONAL_NUMBER_SYSTEMS

RESOLVED_TYPES = {"Patient": Patient, "Device": Device}  # entries Hemma matches, not creates


@dataclass(frozen=True)
class Target:
    """An entry another entry may refer to by its fullUrl."""

    index: int
    resource_type: str
    personal_number: str | None = None  # a Patient entry's, when it has a valid one


def entry_targets(entries: list) -> dict[str, Target]:
    """fullUrl → the entry, for every entry with a fullUrl and a resource (the first of
    two with the same fullUrl; the Bundle's checks refuse the second)."""
    targets: dict[str, Target] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("fullUrl"), str):
            continue
        resource = entry.get("resource")
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if isinstance(kind, str):
            number = personal_number(resource) if kind == "Patient" else None
            targets.setdefault(entry["fullUrl"], Target(index, kind, number))
    return targets


def personal_number(patient: dict) -> str | None:
    identifiers = patient.get("identifier")
    for identifier in identifiers if isinstance(identifiers, list) else []:
        if isinstance(identifier, dict) and identifier.get("system") in PERSONAL_NUMBER_SYSTEMS:
            try:
                return parse_personal_identity(str(identifier.get("value") or "")).number
            except InvalidIdentifier:
                return None
    return None


def parse_resolved(resource: dict, path: str) -> list[Issue]:
    """A Patient or Device entry: valid R4, and a Patient names its personal number."""
    kind = resource["resourceType"]
    issues = element_name_issues(resource, path)
    if issues:
        return issues
    try:
        RESOLVED_TYPES[kind].model_validate(resource)
    except ValidationError as error:
        return validation_issues(error, path)
    if kind == "Patient" and personal_number(resource) is None:
        text = (
            "identifier must hold the patient's personnummer or samordningsnummer "
            "(urn:oid:1.2.752.129.2.1.3.1): Hemma matches the patient, it creates none"
        )
        return [Issue("required", text, f"{path}.identifier")]
    return []


def resolve(resource: dict, path: str, targets: dict[str, Target]) -> tuple[dict, list[Issue]]:
    """The resource with a `subject` that names the Patient entry replaced by that
    patient's identifier; an issue for each `urn:` reference that names no entry (or a
    subject that names another kind of entry)."""
    issues = []
    for node, where in walk(resource, path):
        if not isinstance(node, dict) or not isinstance(node.get("reference"), str):
            continue
        reference = node["reference"]
        if reference.startswith("urn:") and reference not in targets:
            text = f"{reference[:80]} is not the fullUrl of an entry in this Bundle"
            issues.append(Issue("invalid", text, f"{where}.reference"))
    subject = resource.get("subject")
    reference = subject.get("reference") if isinstance(subject, dict) else None
    target = targets.get(reference) if isinstance(reference, str) else None
    if target is None or issues:
        return resource, issues
    if target.resource_type != "Patient" or target.personal_number is None:
        text = "subject must name a Patient entry that holds a personnummer"
        return resource, [Issue("invalid", text, f"{path}.subject.reference")]
    identifier = {"system": "urn:oid:1.2.752.129.2.1.3.1", "value": target.personal_number}
    others = {k: v for k, v in subject.items() if k != "reference"}
    return {**resource, "subject": {**others, "identifier": identifier}}, []
