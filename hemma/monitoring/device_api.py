"""POST /oauth/device-token: a vendor's device exchanges the ward's one-time code for an
API token pair bound to one episode, and refreshes it – OAuth 2.0 style, no HTML.

    grant_type=urn:hemma:device-code  code=<the ward's code>  [label=<device name>]
    grant_type=refresh_token          refresh_token=<the latest refresh token>

The body is application/x-www-form-urlencoded (RFC 6749) or a JSON object of strings.
The answer is {"access_token", "token_type": "bearer", "expires_in", "refresh_token",
"episode": {"encounter", "patient"}}; a refusal is RFC 6749 JSON ({"error",
"error_description"}, 400) – for any hostile body too, never HTML or a 500. The access
token opens the FHIR ingestion (api.py) only; the patient's page has its own token.
Documented in docs/fhir.md, "Device enrolment for vendors"."""

import json
import logging
from urllib.parse import parse_qsl

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import services

GRANT_DEVICE_CODE = "urn:hemma:device-code"
GRANT_REFRESH = "refresh_token"
# The longest value each parameter may have; any other parameter is ignored (RFC 6749
# 3.2: unrecognised parameters are ignored).
PARAMETERS = {"grant_type": 100, "code": 64, "refresh_token": 200, "label": 100}
MAX_BODY = 4096  # a token request is a few hundred bytes
logger = logging.getLogger(__name__)


class _BadRequest(Exception):
    pass


def _answer(body: dict, status: int = 200, **headers) -> JsonResponse:
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response[name] = value
    response["Cache-Control"] = "no-store"  # tokens in the answer (RFC 6749 5.1)
    response["Pragma"] = "no-cache"
    return response


def _error(code: str, description: str, status: int = 400, **headers) -> JsonResponse:
    return _answer({"error": code, "error_description": description}, status, **headers)


def _unique_keys(pairs):
    keys = [key for key, _value in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def _fields(request) -> list[tuple[str, object]]:
    """The body's (name, value) pairs; _BadRequest for a body that is not one."""
    try:
        body = request.body
    except SuspiciousOperation as error:  # over DATA_UPLOAD_MAX_MEMORY_SIZE
        raise _BadRequest("the body is too large") from error
    if len(body) > MAX_BODY:
        raise _BadRequest("the body is too large")
    if request.content_type == "application/x-www-form-urlencoded":
        try:
            return parse_qsl(
                body.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=20
            )
        except ValueError as error:  # invalid UTF-8, raw or percent-encoded; too many
            raise _BadRequest("the form body is not valid UTF-8 form data") from error
    if request.content_type == "application/json":
        try:
            payload = json.loads(body, object_pairs_hook=_unique_keys)
        except (ValueError, RecursionError) as error:
            raise _BadRequest("the body is not valid JSON (or repeats a key)") from error
        if not isinstance(payload, dict):
            raise _BadRequest("the JSON body must be an object")
        return list(payload.items())
    raise _BadRequest("send the parameters as application/x-www-form-urlencoded")


def _parameters(request) -> dict[str, str]:
    """The recognised parameters: each a string, given once, within its length, without
    control characters or lone surrogates (which no database text column takes)."""
    found: dict[str, str] = {}
    for name, value in _fields(request):
        if name not in PARAMETERS:
            continue
        if name in found:
            raise _BadRequest(f"{name} is given more than once")
        if not isinstance(value, str):
            raise _BadRequest(f"{name} must be a string")
        if len(value) > PARAMETERS[name]:
            raise _BadRequest(f"{name} is too long")
        if any(ord(c) < 32 or ord(c) == 127 or 0xD800 <= ord(c) <= 0xDFFF for c in value):
            raise _BadRequest(f"{name} contains a control character or an invalid one")
        found[name] = value
    return found


def _issued(tokens: services.DeviceTokens) -> JsonResponse:
    episode = tokens.enrolment.episode
    return _answer(
        {
            "access_token": tokens.access_token,
            "token_type": "bearer",
            "expires_in": tokens.expires_in,
            "refresh_token": tokens.refresh_token,
            "episode": {
                "encounter": f"Encounter/{episode.pk}",
                "patient": f"Patient/{episode.patient_id}",
            },
        }
    )


def _grant(params: dict[str, str]) -> JsonResponse:
    grant_type = params.get("grant_type")
    if not grant_type:
        return _error("invalid_request", "grant_type is required")
    if grant_type == GRANT_DEVICE_CODE:
        if not params.get("code"):
            return _error("invalid_request", "code (the ward's one-time code) is required")
        tokens = services.enrolment_claim_api(code=params["code"], label=params.get("label", ""))
    elif grant_type == GRANT_REFRESH:
        if not params.get("refresh_token"):
            return _error("invalid_request", "refresh_token is required")
        tokens = services.device_token_refresh(refresh_token=params["refresh_token"])
    else:
        return _error(
            "unsupported_grant_type", f"grant_type must be {GRANT_DEVICE_CODE} or {GRANT_REFRESH}"
        )
    return _issued(tokens)


@csrf_exempt  # no cookies, no session: the code or refresh token is the credential
def device_token(request):
    if request.method != "POST":
        return _error("invalid_request", "POST the token request", 405, Allow="POST")
    try:
        return _grant(_parameters(request))
    except _BadRequest as error:
        return _error("invalid_request", str(error))
    except services.InvalidGrant as error:
        return _error("invalid_grant", error.message)
    except Exception:
        # The services roll their own transactions back; the client gets JSON, not HTML.
        logger.exception("device token request failed")
        return _error("server_error", "internal error; no token was issued", 500)
