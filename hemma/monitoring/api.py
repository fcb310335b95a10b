"""FHIR R4 ingestion of vital signs from the patient's devices and apps.

    POST /fhir/Observation   one vital-signs Observation
    POST /fhir               a Bundle (batch, transaction or collection) of them
    Authorization: Bearer <device token>   (the token of an enrolled device, one episode)

Idempotent by Observation.identifier; observations with the same effectiveDateTime form
one set (one NEWS2). Bad input gets an OperationOutcome and nothing is stored.
"""

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hemma.errors import HemmaError

from . import fhir, services

FHIR_JSON = "application/fhir+json"


def _outcome(issues: list[fhir.Issue], status: int, **headers) -> JsonResponse:
    response = JsonResponse(fhir.operation_outcome(issues), status=status, content_type=FHIR_JSON)
    for name, value in headers.items():
        response[name] = value
    return response


def _token(request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@csrf_exempt
@require_POST
def ingest(request):
    device = services.device_for_token(_token(request))
    if device is None:
        return _outcome(
            [fhir.Issue("login", "a valid device token is required (Authorization: Bearer)", "")],
            401,
            **{"WWW-Authenticate": 'Bearer realm="hemma"'},
        )
    try:
        payload = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _outcome([fhir.Issue("invalid", "the body is not valid JSON", "")], 400)
    parsed, issues, is_bundle = fhir.parse_payload(payload)
    if request.path.rstrip("/").endswith("/Observation") and is_bundle:
        issues = [fhir.Issue("invalid", "POST a Bundle to the base URL /fhir", "Bundle")]
    if issues:
        return _outcome(issues, 400)
    patient_number = device.episode.patient.personal_number
    for observation in parsed:
        if (
            observation.subject_identifier
            and observation.subject_identifier[-12:] != patient_number
        ):
            return _outcome(
                [
                    fhir.Issue(
                        "forbidden",
                        "the device may only report for its own patient",
                        "Observation.subject",
                    )
                ],
                403,
            )
    try:
        results = services.fhir_observations_store(
            episode=device.episode, groups=fhir.group_by_time(parsed)
        )
    except HemmaError as error:
        return _outcome([fhir.Issue("business-rule", str(error.message), "Observation")], 422)
    if not is_bundle:
        observation, set_id, created = results[0]
        body = {**payload, "id": f"{set_id}-{observation.identifier.rsplit('|', 1)[-1]}"[:64]}
        return JsonResponse(body, status=201 if created else 200, content_type=FHIR_JSON)
    # The batch-response lists the entries in the order they were sent.
    outcome = {
        observation.identifier: (set_id, created) for observation, set_id, created in results
    }
    entries = []
    for observation in parsed:
        set_id, created = outcome[observation.identifier]
        status = "201 Created" if created else "200 OK"
        entries.append({"response": {"status": status, "location": f"Observation/{set_id}"}})
    return JsonResponse(
        {"resourceType": "Bundle", "type": "batch-response", "entry": entries},
        status=200,
        content_type=FHIR_JSON,
    )
