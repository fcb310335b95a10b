"""FHIR R4 ingestion of vital signs from the patient's devices and apps.

    POST /fhir/Observation   one vital-signs Observation (201 with a Location header)
    POST /fhir               a batch or transaction Bundle of them
    Authorization: Bearer <device API access token>   (from POST /oauth/device-token,
                   device_api.py: one episode, expiring; the patient page's token is refused)

Idempotent by Observation.identifier within the device's episode (the same identifier with
another time or value is a 409); observations within HEMMA_NEWS2_SET_MINUTES form one set
(one NEWS2), also across requests. The subject must be the device's patient (403). Bad
input gets an OperationOutcome and nothing is stored – in a batch, for that entry only
(its own response); a transaction stores all its entries or none. Every error under
/fhir (404, 405, 413, 500 too) is an OperationOutcome in application/fhir+json, never an
HTML page. Parsing: fhir.py, fhir_observation.py, fhir_bundle.py.
"""

import functools
import logging

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from hemma.errors import HemmaError

from . import fhir, fhir_bundle, fhir_observation, services

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


# The Observation a read answers to: hemma.fhirapi serves each stored set as one
# Observation per parameter, `<set id>-<part>` (docs/fhir.md); a BP panel is one part.
PART_OF_VALUE = {
    "respiration_rate": "respiration-rate",
    "spo2": "spo2",
    "pulse": "pulse",
    "temperature": "temperature",
    "systolic_bp": "blood-pressure",
    "diastolic_bp": "blood-pressure",
}


def _fhir_id(set_id: int, values: dict) -> str:
    """The id of the stored Observation, readable at GET /fhir/Observation/<id>."""
    part = "blood-pressure" if "systolic_bp" in values else PART_OF_VALUE[next(iter(values))]
    return f"{set_id}-{part}"


def _store(episode, groups, conditions, refused=None):
    """Store, retrying once when the unique identifier constraint caught a copy a
    concurrent request stored first (the episode's row lock makes that rare): the retry
    finds it and answers as for a resend."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                if refused is not None:
                    refused.clear()  # a retry starts over
                return services.fhir_observations_store(
                    episode=episode, groups=groups, if_none_exist=conditions, refused=refused
                )
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _conflict(identifier: tuple[str, str], where: str) -> fhir.Issue:
    system, value = identifier
    return fhir.Issue(
        "duplicate",
        f"identifier {system}|{value} is already stored for this patient with another "
        "time or value: a new reading needs a new identifier",
        f"{where}.identifier",
    )


def _forbidden(where: str) -> fhir.Issue:
    return fhir.Issue("forbidden", "the device may only report for its own patient", where)


@fhir_endpoint
def ingest(request):
    token = _token(request)
    device = services.device_for_api_token(token)
    if device is None:
        # RFC 6750: a token that was sent but is unknown, expired or revoked is
        # invalid_token (the client refreshes it); no token at all gets the bare challenge.
        challenge = 'Bearer realm="hemma"' + (', error="invalid_token"' if token else "")
        text = (
            "the access token is invalid or has expired: refresh it at /oauth/device-token"
            if token
            else "a device access token is required (Authorization: Bearer)"
        )
        return _outcome([fhir.Issue("login", text, "")], 401, **{"WWW-Authenticate": challenge})
    try:
        payload = fhir.load_json(request.body)
    except fhir.BodyError as error:
        return _outcome([fhir.Issue("invalid", str(error), "")], 400)
    issues = fhir.string_issues(payload, request.body)
    if issues:
        return _outcome(issues, 400)
    if not isinstance(payload, dict):
        issue = fhir.Issue("invalid", "the body must be a FHIR resource (a JSON object)", "")
        return _outcome([issue], 400)
    if payload.get("resourceType") != "Bundle":
        return _ingest_observation(request, device, payload)
    if request.path.rstrip("/").endswith("/Observation"):
        issue = fhir.Issue("invalid", "POST a Bundle to the base URL /fhir", "Bundle")
        return _outcome([issue], 400)
    parsed, issues = fhir_bundle.parse_bundle(payload)
    if issues:
        return _outcome(issues, 400)
    return _ingest_bundle(device, parsed)


def _ingest_observation(request, device, payload):
    observation, issues = fhir_observation.parse_observation(payload)
    if observation is not None and "If-None-Exist" in request.headers:
        observation.if_none_exist, issues = fhir.parse_if_none_exist(
            request.headers["If-None-Exist"], "If-None-Exist"
        )
    if issues:
        return _outcome(issues, 400)
    patient = device.episode.patient
    if not observation.subject.is_patient(patient.pk, patient.personal_number):
        return _outcome([_forbidden("Observation.subject")], 403)
    conditions = {0: observation.if_none_exist} if observation.if_none_exist else {}
    try:
        results, conflicts = _store(device.episode, [[observation]], conditions)
    except HemmaError as error:
        return _outcome([fhir.Issue("business-rule", str(error.message), "Observation")], 422)
    if conflicts:
        return _outcome([_conflict(observation.identifier, "Observation")], 409)
    _observation, set_id, created, _identifier = results[0]
    fhir_id = _fhir_id(set_id, observation.values)
    response = JsonResponse(
        {**payload, "id": fhir_id}, status=201 if created else 200, content_type=FHIR_JSON
    )
    if created:
        base = reverse("monitoring:fhir_bundle")
        response["Location"] = request.build_absolute_uri(f"{base}/Observation/{fhir_id}")
    return response


class _Undo(Exception):
    """Rolls a transaction Bundle's store back: an entry failed after all."""

    def __init__(self, failures: dict):
        super().__init__("transaction failed")
        self.failures = failures


# HTTP status of an entry's failure → its status line in a batch-response.
_STATUS_LINES = {
    400: "400 Bad Request",
    403: "403 Forbidden",
    409: "409 Conflict",
    422: "422 Unprocessable Entity",
}


def _ingest_bundle(device, parsed: fhir_bundle.ParsedBundle):
    """A batch stores its good entries and answers each bad one in its own response; a
    transaction stores all or nothing: one failure answers the request with every
    failing entry's issues and the lowest of their statuses (400, 403, 409, 422)."""
    patient = device.episode.patient
    failures: dict[int, tuple[int, list[fhir.Issue]]] = {}
    for entry in parsed.entries:
        if entry.issues:
            failures[entry.index] = (400, entry.issues)
        elif entry.resource_type == "Patient":
            if entry.personal_number != patient.personal_number:
                where = f"Bundle.entry[{entry.index}].resource.identifier"
                failures[entry.index] = (403, [_forbidden(where)])
        elif entry.observation is None:
            continue  # the Device entry: the enrolled device itself
        elif not entry.observation.subject.is_patient(patient.pk, patient.personal_number):
            where = f"Bundle.entry[{entry.index}].resource.subject"
            failures[entry.index] = (403, [_forbidden(where)])
    valid = [e.observation for e in parsed.entries if e.index not in failures and e.observation]
    groups, rejected = fhir_observation.group_by_time(valid)
    failures |= {index: (409, [issue]) for index, issue in rejected.items()}
    if parsed.all_or_nothing and failures:
        return _refused(failures)
    conditions = {o.index: o.if_none_exist for o in valid if o.if_none_exist}
    refused: dict[int, str] = {}
    try:
        with transaction.atomic():
            results, conflicts = _store(device.episode, groups, conditions, refused)
            for index, message in refused.items():
                where = f"Bundle.entry[{index}].resource"
                failures[index] = (422, [fhir.Issue("business-rule", message, where)])
            for index, identifier in conflicts.items():
                where = f"Bundle.entry[{index}].resource"
                failures[index] = (409, [_conflict(identifier, where)])
            if parsed.all_or_nothing and failures:
                raise _Undo(failures)
    except _Undo as undo:
        return _refused(undo.failures)
    except HemmaError as error:
        return _outcome([fhir.Issue("business-rule", str(error.message), "Bundle")], 422)
    stored = {observation.index: (observation, *rest) for observation, *rest in results}
    entries = []
    for entry in parsed.entries:
        if entry.index in failures:
            status, issues = failures[entry.index]
            entries.append(fhir_bundle.entry_response(_STATUS_LINES[status], issues=issues))
            continue
        if entry.observation is None:  # matched, not created
            matched = patient.pk if entry.resource_type == "Patient" else device.pk
            location = f"{entry.resource_type}/{matched}"
            entries.append(fhir_bundle.entry_response("200 OK", location=location))
            continue
        observation, set_id, created, _identifier = stored[entry.index]
        entries.append(
            fhir_bundle.entry_response(
                "201 Created" if created else "200 OK",
                location=f"Observation/{_fhir_id(set_id, observation.values)}",
            )
        )
    return JsonResponse(
        fhir_bundle.response_bundle(parsed, entries), status=200, content_type=FHIR_JSON
    )


def _refused(failures: dict) -> JsonResponse:
    """A transaction's failure: nothing was stored."""
    status = min(status for status, _issues in failures.values())
    issues = [issue for index in sorted(failures) for issue in failures[index][1]]
    return _outcome(issues, status)
