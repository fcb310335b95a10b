"""A ServiceRequest a system client posts, read into the arguments of a care request.
Pure Python: the R4B model checks the structure, this module what Hemma needs of it.

    subject             Patient/<uuid>
    encounter           Encounter/<episode id> (the hospital-at-home episode)
    code                https://hemma.se/fhir/CodeSystem/care-request-kind | home_health or
                        home_care
    performer[0]        the receiving unit by HSA-id (urn:oid:1.2.752.29.4.19)
    occurrenceDateTime  when the care starts (with a time zone)
    reasonCode[0].text  the reason;  note[0].text  the interventions asked for
    contained           the medication list: MedicationRequests referenced from
                        supportingInfo (#id) – drug as medicationCodeableConcept.text,
                        dosageInstruction[0] with doseAndRate[0].doseQuantity (or .type.text),
                        timing.code.text (the times) and route (SNOMED CT)
    status active, intent order"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from hemma.clinical.identifiers import row_id
from hemma.monitoring.fhir import Issue

from .case_resources import ROUTES, SNOMED
from .resources import HSA_ID

ROUTE_OF_SNOMED = {code: route for route, (code, _display) in ROUTES.items()}

KIND_SYSTEM = "https://hemma.se/fhir/CodeSystem/care-request-kind"
KINDS = ("home_health", "home_care")


@dataclass(frozen=True)
class CareRequestDraft:
    patient_id: uuid.UUID
    episode_id: int
    kind: str
    to_unit_hsa_id: str
    start_at: datetime
    reason: str
    interventions: str
    medications: tuple = ()  # rows as carerequests.services.care_request_send takes them


def _reference_id(reference, resource: str) -> str | None:
    text = getattr(reference, "reference", None) or ""
    return text.removeprefix(f"{resource}/") if text.startswith(f"{resource}/") else None


def parse(payload) -> tuple[CareRequestDraft | None, list[Issue]]:
    if not isinstance(payload, dict) or payload.get("resourceType") != "ServiceRequest":
        return None, [Issue("invalid", "POST a ServiceRequest resource", "")]
    try:
        resource = ServiceRequest.model_validate(payload)
    except ValidationError as error:
        return None, [
            Issue(
                "structure",
                problem["msg"],
                "ServiceRequest." + ".".join(str(part) for part in problem["loc"]),
            )
            for problem in error.errors()[:20]
        ]
    issues: list[Issue] = []

    def need(condition, expression: str, text: str) -> None:
        if not condition:
            issues.append(Issue("required", text, f"ServiceRequest.{expression}"))

    need(resource.status == "active", "status", "status must be active")
    need(resource.intent == "order", "intent", "intent must be order")
    patient = _reference_id(resource.subject, "Patient")
    try:
        patient_id = uuid.UUID(patient or "")
    except ValueError:
        patient_id = None
    need(patient_id is not None, "subject", "subject must be Patient/<id>")
    episode = _reference_id(resource.encounter, "Encounter")
    need(row_id(episode) is not None, "encounter", "encounter must be Encounter/<id>")
    codings = resource.code.coding if resource.code and resource.code.coding else []
    kinds = [c.code for c in codings if c.system == KIND_SYSTEM and c.code in KINDS]
    need(kinds, "code", f"code must be {KIND_SYSTEM}|home_health or |home_care")
    performers = [
        p.identifier.value
        for p in resource.performer or []
        if p.identifier and p.identifier.system == HSA_ID and p.identifier.value
    ]
    need(performers, "performer", f"performer must name the receiving unit by HSA-id ({HSA_ID})")
    start = resource.occurrenceDateTime
    need(
        isinstance(start, datetime) and start.tzinfo is not None,
        "occurrenceDateTime",
        "occurrenceDateTime (with time and time zone) is required",
    )
    reasons = [r.text for r in resource.reasonCode or [] if r.text and r.text.strip()]
    need(reasons, "reasonCode", "reasonCode[0].text (the reason) is required")
    notes = [n.text for n in resource.note or [] if n.text and n.text.strip()]
    need(notes, "note", "note[0].text (the interventions asked for) is required")
    medications = _medications(resource, issues)
    if issues:
        return None, issues
    return (
        CareRequestDraft(
            patient_id,
            int(episode),
            kinds[0],
            performers[0],
            start,
            reasons[0],
            notes[0],
            tuple(medications),
        ),
        [],
    )


def _dose(dosage) -> str:
    for rate in dosage.doseAndRate or []:
        quantity = rate.doseQuantity
        if quantity is not None and quantity.value is not None:
            return f"{quantity.value:g} {quantity.unit or quantity.code or ''}".strip()
        if rate.type is not None and rate.type.text:
            return rate.type.text
    return ""


def _route(dosage) -> str:
    codings = dosage.route.coding if dosage.route and dosage.route.coding else []
    for coding in codings:
        if coding.system == SNOMED and coding.code in ROUTE_OF_SNOMED:
            return ROUTE_OF_SNOMED[coding.code]
    return "other"


def _medications(resource, issues: list[Issue]) -> list[dict]:
    """The contained MedicationRequests the request refers to, as medication-list rows."""
    referenced = {
        info.reference[1:]
        for info in resource.supportingInfo or []
        if info.reference and info.reference.startswith("#")
    }
    rows = []
    for index, contained in enumerate(resource.contained or []):
        where = f"ServiceRequest.contained[{index}]"
        if contained.get_resource_type() != "MedicationRequest":
            issues.append(Issue("not-supported", "only MedicationRequests may be contained", where))
            continue
        if contained.id not in referenced:
            issues.append(Issue("invalid", "reference it from supportingInfo (#id)", f"{where}.id"))
            continue
        drug = (
            (contained.medicationCodeableConcept.text or "").strip()
            if (contained.medicationCodeableConcept)
            else ""
        )
        dosage = (contained.dosageInstruction or [None])[0]
        dose = _dose(dosage) if dosage else ""
        times = (
            dosage.timing.code.text
            if dosage and dosage.timing and dosage.timing.code and dosage.timing.code.text
            else ""
        )
        for text, path, what in (
            (drug, "medicationCodeableConcept.text", "the drug"),
            (dose, "dosageInstruction[0].doseAndRate", "the dose"),
            (times, "dosageInstruction[0].timing.code.text", "the times"),
        ):
            if not text.strip():
                issues.append(Issue("required", f"{what} is required", f"{where}.{path}"))
        if drug and dose and times:
            rows.append({"drug": drug, "dose": dose, "times": times, "route": _route(dosage)})
    return rows
