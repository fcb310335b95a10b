"""FHIR R4 ingestion of vital signs from the patient's devices and apps.

    POST /fhir/Observation   one vital-signs Observation
    POST /fhir               a Bundle (batch, transaction or collection) of them
    Authorization: Bearer <device token>   (the token of an enrolled device, one episode)

Idempotent by Observation.identifier within the device's episode (the same identifier with
another time or value is a 409); observations within HEMMA_NEWS2_SET_MINUTES form one set
(one NEWS2), also across requests. Bad input gets an OperationOutcome and
nothing is stored; every error under /fhir (404, 405, 413, 500 too) is an
OperationOutcome in application/fhir+json, never an HTML page.
"""

import functools
import logging
import re

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from hemma.errors import HemmaError

from . import fhir, services

FHIR_JSON = "application/fhir+json"
logger = logging.getLogger(__name__)


def _outcome(issues: list[fhir.Issue], status: int, **headers) -> JsonResponse:
    response = JsonResponse(fhir.operation_outcome(issues), status=status, content_type=FHIR_JSON)
    for name, value in headers.items():
        response[name] = value
    return response


def _token(request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def fhir_endpoint(view):
    """POST only (405 otherwise), 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE, and an
    unexpected error is logged, rolled back and answered 500 – all as OperationOutcomes."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return _outcome(
                [fhir.Issue("not-supported", f"{request.method} is not supported here", "")],
                405,
                Allow="POST",
            )
        try:
            request.body  # noqa: B018 - reads the body within the size limit
        except RequestDataTooBig:
            return _outcome([fhir.Issue("too-costly", "the body is too large", "")], 413)
        try:
            with transaction.atomic():  # an unexpected error leaves nothing stored
                return view(request, *args, **kwargs)
        except Exception:
            logger.exception("FHIR ingestion failed")
            issue = fhir.Issue("exception", "internal error; nothing was stored", "")
            return _outcome([issue], 500)

    return wrapped


@csrf_exempt
def not_found(request, path=""):
    """Any other path under /fhir: an OperationOutcome, not the HTML 404 page."""
    return _outcome(
        [
            fhir.Issue(
                "not-found",
                "unknown FHIR endpoint: POST /fhir/Observation or a Bundle to /fhir",
                "",
            )
        ],
        404,
    )


def _fhir_id(set_id: int, value: str) -> str:
    """A FHIR id ([A-Za-z0-9-.]{1,64}) for the stored observation."""
    return f"{set_id}-{re.sub(r'[^A-Za-z0-9.-]', '-', value)}"[:64]


def _store(episode, groups, conditions):
    """Store, retrying once when the unique identifier constraint caught a copy a
    concurrent request stored first (the episode's row lock makes that rare): the retry
    finds it and answers as for a resend."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return services.fhir_observations_store(
                    episode=episode, groups=groups, if_none_exist=conditions
                )
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@fhir_endpoint
def ingest(request):
    device = services.device_for_token(_token(request))
    if device is None:
        return _outcome(
            [fhir.Issue("login", "a valid device token is required (Authorization: Bearer)", "")],
            401,
            **{"WWW-Authenticate": 'Bearer realm="hemma"'},
        )
    try:
        payload = fhir.load_json(request.body)
    except fhir.BodyError as error:
        return _outcome([fhir.Issue("invalid", str(error), "")], 400)
    issues = fhir.string_issues(payload, request.body)
    if issues:
        return _outcome(issues, 400)
    parsed, issues, is_bundle = fhir.parse_payload(payload)
    if request.path.rstrip("/").endswith("/Observation") and is_bundle:
        issues = [fhir.Issue("invalid", "POST a Bundle to the base URL /fhir", "Bundle")]
    if not is_bundle and parsed and "If-None-Exist" in request.headers:
        parsed[0].if_none_exist, more = fhir.parse_if_none_exist(
            request.headers["If-None-Exist"], "If-None-Exist"
        )
        issues += more
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
    groups, rejected = fhir.group_by_time(parsed)
    conditions = {o.index: o.if_none_exist for o in parsed if o.if_none_exist}
    try:
        results, conflicts = _store(device.episode, groups, conditions)
    except HemmaError as error:
        return _outcome([fhir.Issue("business-rule", str(error.message), "Observation")], 422)
    for index, (system, value) in conflicts.items():
        where = f"Bundle.entry[{index}].resource" if is_bundle else "Observation"
        rejected[index] = fhir.Issue(
            "duplicate",
            f"identifier {system}|{value} is already stored for this patient with another "
            "time or value: a new reading needs a new identifier",
            f"{where}.identifier",
        )
    if not is_bundle:
        if rejected:
            return _outcome(list(rejected.values()), 409)
        observation, set_id, created = results[0]
        body = {**payload, "id": _fhir_id(set_id, observation.identifier[1])}
        return JsonResponse(body, status=201 if created else 200, content_type=FHIR_JSON)
    # The batch-response lists the entries in the order they were sent; an entry that
    # would give a parameter a second value at one moment is answered 409 with its outcome.
    outcome = {observation.index: (set_id, created) for observation, set_id, created in results}
    entries = []
    for observation in parsed:
        if observation.index in rejected:
            issue = rejected[observation.index]
            response = {"status": "409 Conflict", "outcome": fhir.operation_outcome([issue])}
        else:
            set_id, created = outcome[observation.index]
            status = "201 Created" if created else "200 OK"
            response = {"status": status, "location": f"Observation/{set_id}"}
        entries.append({"response": response})
    return JsonResponse(
        {"resourceType": "Bundle", "type": "batch-response", "entry": entries},
        status=200,
        content_type=FHIR_JSON,
    )
