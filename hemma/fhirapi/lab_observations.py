"""Laboratory Observations from a lab system client (POST /fhir/Observation with a system
token, scope system/Observation.write), stored as lab results of the patient's episode.

The device ingestion of vital signs (hemma.monitoring.api, a device token) is not touched:
views.observation_type hands a POST carrying a system token here and every other POST to
it. What Hemma needs of the Observation:

    category            laboratory (http://terminology.hl7.org/CodeSystem/observation-category)
    code                a LOINC code of the catalogue (hemma.clinical.labs), e.g. CRP 1988-5
    valueQuantity       a number in the analyte's UCUM unit (CRP mg/L, Hb g/L, LPK 10*9/L …)
    effectiveDateTime   when the sample was taken, with a time zone
    subject             Patient/<id>;  encounter (optional) Encounter/<episode id>, else the
                        patient's open episode
    identifier          system and value: a resend is answered with the stored result
    status              final, amended, corrected or preliminary

The client acts through its own staff profile for its unit: it must read the patient
(health record, logged) and its unit must hold `record_lab` in the episode (the ward or
the visiting unit). Bad input is a 400 OperationOutcome, a refusal 403/404, an identifier
already used for another result 409, an implausible value or time 422 – nothing stored."""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.http import Http404
from fhir.resources.R4B.observation import Observation
from pydantic import ValidationError

from hemma.clinical import labs as catalogue
from hemma.clinical.identifiers import row_id
from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.labs import selectors as lab_selectors
from hemma.labs import services as lab_services
from hemma.labs.models import LabResult
from hemma.monitoring import fhir as fhir_body
from hemma.monitoring.fhir import Issue, operation_outcome
from hemma.monitoring.fhir_observation import ACCEPTED_STATUSES, CATEGORY_SYSTEM, LOINC, UCUM

from . import lab_resources, selectors
from .lab_resources import LABORATORY

_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


@dataclass(frozen=True)
class LabDraft:
    patient_id: uuid.UUID
    episode_id: int | None
    analyte: str
    value: Decimal
    taken_at: datetime
    identifier: tuple[str, str]


def _reference(reference, resource: str) -> str | None:
    text = getattr(reference, "reference", None) or ""
    return text.removeprefix(f"{resource}/") if text.startswith(f"{resource}/") else None


def parse(payload) -> tuple[LabDraft | None, list[Issue]]:
    """A laboratory Observation → what to store, or the issues that make it unusable."""
    if not isinstance(payload, dict) or payload.get("resourceType") != "Observation":
        return None, [Issue("invalid", "POST an Observation resource", "")]
    issues = fhir_body.element_name_issues(payload, "Observation")
    if issues:
        return None, issues
    try:
        model = Observation.model_validate(payload)
    except ValidationError as error:
        return None, fhir_body.validation_issues(error, "Observation")
    if model.status not in ACCEPTED_STATUSES:
        text = f"status must be one of {', '.join(sorted(ACCEPTED_STATUSES))}"
        issues.append(Issue("value", text, "Observation.status"))
    categories = [(c.system, c.code) for cat in model.category or [] for c in cat.coding or []]
    if not any(
        code == LABORATORY and system in (None, CATEGORY_SYSTEM) for system, code in categories
    ):
        issues.append(Issue("value", "category must include laboratory", "Observation.category"))
    codes = [c.code for c in (model.code.coding or []) if c.system == LOINC and c.code]
    analyte = next((catalogue.BY_LOINC[c] for c in codes if c in catalogue.BY_LOINC), None)
    if analyte is None:
        supported = ", ".join(sorted(catalogue.BY_LOINC))
        text = f"code must be a LOINC code of an analyte Hemma records: {supported}"
        issues.append(Issue("code-invalid", text, "Observation.code"))
    value = _value(payload.get("valueQuantity"), analyte, issues)
    taken_at = _taken_at(model, payload, issues)
    identifier = _identifier(model, issues)
    patient = _reference(model.subject, "Patient")
    try:
        patient_id = uuid.UUID(patient or "")
    except ValueError:
        patient_id = None
        issues.append(Issue("required", "subject must be Patient/<id>", "Observation.subject"))
    episode_id = None
    if model.encounter is not None:
        encounter = _reference(model.encounter, "Encounter") or ""
        if row_id(encounter) is None:
            text = "encounter must be Encounter/<id> of the episode"
            issues.append(Issue("value", text, "Observation.encounter"))
        else:
            episode_id = int(encounter)
    if issues or None in (analyte, value, taken_at, identifier, patient_id):
        return None, issues[: fhir_body.MAX_ISSUES]
    draft = LabDraft(patient_id, episode_id, analyte.code, value, taken_at, identifier)
    return draft, []


def _value(quantity, analyte, issues) -> Decimal | None:
    where = "Observation.valueQuantity"
    if not isinstance(quantity, dict):
        issues.append(Issue("required", "valueQuantity is required", where))
        return None
    number = quantity.get("value")
    if isinstance(number, bool) or not isinstance(number, int | float):
        issues.append(Issue("value", "valueQuantity.value must be a JSON number", f"{where}.value"))
        return None
    if analyte is not None and (
        quantity.get("system", UCUM) != UCUM or quantity.get("code") != analyte.ucum
    ):
        text = f"unit must be UCUM '{analyte.ucum}' for {analyte.name} (system {UCUM})"
        issues.append(Issue("code-invalid", text, f"{where}.code"))
        return None
    try:
        return Decimal(str(number))
    except InvalidOperation:
        issues.append(Issue("value", "valueQuantity.value is not a number", f"{where}.value"))
        return None


def _taken_at(model, payload, issues) -> datetime | None:
    moment = model.effectiveDateTime
    where = "Observation.effectiveDateTime"
    if not isinstance(payload.get("effectiveDateTime"), str) or not isinstance(moment, datetime):
        text = "effectiveDateTime with date, time and time zone is required"
        issues.append(Issue("required", text, where))
        return None
    if moment.tzinfo is None:
        issues.append(Issue("required", "effectiveDateTime needs a time zone", where))
        return None
    return moment


def _identifier(model, issues) -> tuple[str, str] | None:
    for identifier in model.identifier or []:
        system, value = identifier.system or "", identifier.value or ""
        if system and value:
            if not _ABSOLUTE_URI.fullmatch(system) or len(system) > 255 or len(value) > 255:
                text = "identifier system must be an absolute URI; system and value ≤ 255"
                issues.append(Issue("value", text, "Observation.identifier"))
                return None
            return system, value
    text = "identifier (system and value) is required: it makes a resend idempotent"
    issues.append(Issue("required", text, "Observation.identifier"))
    return None


def store(caller: selectors.Caller, draft: LabDraft):
    """The patient through the policy (404 otherwise, logged), the episode named or the
    patient's open one, then labs' own service (record_lab, the value checks)."""
    what = f"FHIR laboratory Observation create, Patient/{draft.patient_id}"
    patient = selectors.read_patient(caller, draft.patient_id, what)
    episode_id = draft.episode_id
    if episode_id is None:
        episode = lab_selectors.open_episode_for(patient)
        if episode is None:
            raise HemmaError("the patient has no open episode in Hemma")
        episode_id = episode.pk
    episode = get_episode_for_user(
        staff=caller.staff,
        acting_unit=caller.unit,
        episode_id=episode_id,
        detail=what,
        health_record=True,
    ).episode
    if episode.patient_id != patient.pk:
        raise HemmaError("the encounter is not the subject's episode")
    return lab_services.lab_result_receive(
        staff=caller.staff,
        unit=caller.unit,
        episode=episode,
        analyte=draft.analyte,
        value=draft.value,
        taken_at=draft.taken_at,
        identifier=draft.identifier,
    )


def create(request, caller, answer, outcome):
    """The view's body (views.py wraps it in system_api("Observation", "write"))."""
    try:
        payload = fhir_body.load_json(request.body)
    except fhir_body.BodyError as error:
        return outcome(400, "invalid", str(error))
    issues = fhir_body.string_issues(payload, request.body)
    draft, more = parse(payload) if not issues else (None, [])
    issues += more
    if issues:
        return answer(operation_outcome(issues), 400)
    try:
        result, created = store(caller, draft)
    except Http404:
        raise
    except NotAllowed as error:
        return outcome(403, "forbidden", str(error.message))
    except Conflict as error:
        return outcome(409, "duplicate", str(error.message), "Observation.identifier")
    except HemmaError as error:
        return outcome(422, "business-rule", str(error.message))
    fhir_id = f"lab-{result.pk}"
    body = {**payload, "id": fhir_id}
    headers = {"Location": f"{request.build_absolute_uri('/fhir/Observation/')}{fhir_id}"}
    return answer(body, 201 if created else 200, **(headers if created else {}))


def read(caller: selectors.Caller, resource_id: str) -> dict:
    """GET /fhir/Observation/lab-<n>: a stored lab result, through the policy (the patient's
    health record, logged); unknown, refused and blocked (spärr: documented by a unit the
    patient blocked from the caller's care provider) are the same 404, logged as denied."""
    what = f"FHIR Observation/{resource_id}"
    result = lab_selectors.result_by_id(resource_id.removeprefix(lab_resources.ID_PREFIX))
    if result is None or selectors.is_blocked(
        caller, LabResult.objects.filter(pk=result.pk), "episode__patient_id", "unit_id"
    ):
        selectors.deny_unknown(caller, what)
    patient = selectors.read_patient(caller, result.episode.patient_id, what)
    return lab_resources.lab_observation(result, patient)
