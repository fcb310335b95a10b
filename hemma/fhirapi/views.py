"""The FHIR R4 API for system clients: metadata, the token endpoint, read and search.

Every answer is application/fhir+json and every error an OperationOutcome (the token
endpoint answers as OAuth 2.0 prescribes). Device ingestion (POST of vital signs with a
device token) stays in hemma.monitoring.api; POST /fhir/Observation is handed to it."""

import functools
import logging
from urllib.parse import urlencode

from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hemma.monitoring import api as ingestion
from hemma.monitoring import fhir as fhir_body
from hemma.monitoring.fhir import Issue, operation_outcome

from . import (
    capability,
    case_selectors,
    lab_observations,
    scopes,
    selectors,
    services,
)
from .search import SearchError
from .versions import versioned

FHIR_JSON = "application/fhir+json"
logger = logging.getLogger(__name__)
JSON_FORMATS = {"json", "application/json", "application/fhir+json", "application/json+fhir"}


def _answer(body: dict, status: int = 200, **headers) -> JsonResponse:
    body = versioned(body)
    response = JsonResponse(body, status=status, content_type=FHIR_JSON)
    version = body.get("meta", {}).get("versionId")
    if version and "ETag" not in headers:
        response["ETag"] = f'W/"{version}"'  # the version a later If-Match would name
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    response["Cache-Control"] = "no-store"
    return response


def _outcome(status: int, code: str, text: str, expression: str = "", **headers):
    return _answer(operation_outcome([Issue(code, text, expression)]), status, **headers)


def _bearer(request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def base_url(request) -> str:
    return request.build_absolute_uri(reverse("fhirapi:metadata")).removesuffix("/metadata")


def system_api(resource: str, interaction: str = "read", methods: tuple = ()):
    """GET (POST for a write, or the `methods` given); a valid system token whose scopes
    permit `interaction` on `resource`; search errors → 400, unknown or forbidden → 404
    (logged by the selectors)."""
    methods = methods or (("POST",) if interaction == "write" else ("GET", "HEAD"))

    def decorator(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                return checked(view, request, *args, **kwargs)
            except Exception:  # a database gone away, a bug: an outcome, never an HTML page
                logger.exception("FHIR API request failed")
                return _outcome(500, "exception", "internal error; try again later")

        def checked(view, request, *args, **kwargs):
            if request.method not in methods:
                return _outcome(
                    405,
                    "not-supported",
                    f"{request.method} is not supported here",
                    Allow=", ".join(m for m in methods if m != "HEAD"),
                )
            fmt = request.GET.get("_format")
            if fmt is not None and fmt not in JSON_FORMATS:
                return _outcome(406, "not-supported", "Hemma answers in JSON only (_format=json)")
            token = services.system_token_authenticate(_bearer(request))
            if token is None:
                return _outcome(
                    401,
                    "login",
                    "a valid access token is required: see /fhir/.well-known/smart-configuration",
                    WWW_Authenticate='Bearer realm="hemma", error="invalid_token"',
                )
            if not scopes.permits(token.scope_set, resource, interaction):
                return _outcome(
                    403, "forbidden", f"the token's scopes do not allow {resource}.{interaction}"
                )
            params = request.GET.copy()
            params.pop("_format", None)
            for name, values in params.lists():
                for text in [name, *values]:
                    if problem := fhir_body.bad_character(text):
                        return _outcome(400, "invalid", f"the search has {problem}", name[:64])
            try:
                return view(request, selectors.Caller(token), params, *args, **kwargs)
            except SearchError as error:
                return _outcome(400, "invalid", str(error), error.parameter)
            except Http404:
                return _outcome(404, "not-found", f"{resource} not found (or not yours to read)")

        return wrapped

    return decorator


def _searchset(request, resource_type: str, page: selectors.Page, params) -> JsonResponse:
    base = base_url(request)
    self_link = f"{base}/{resource_type}"
    query = [(k, v) for k, values in params.lists() for v in values if k != "_cursor"]
    everything = [(k, v) for k, values in params.lists() for v in values]
    links = [{"relation": "self", "url": f"{self_link}?{urlencode(everything)}"}]
    if page.next_cursor:
        links.append(
            {
                "relation": "next",
                "url": f"{self_link}?{urlencode([*query, ('_cursor', page.next_cursor)])}",
            }
        )
    entries = [
        {
            "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
            "resource": versioned(r),
            "search": {"mode": mode},
        }
        for mode, resources in (("match", page.resources), ("include", page.included))
        for r in resources
    ]
    return _answer(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "link": links,
            # FHIR JSON has no empty arrays: an empty search leaves `entry` out.
            **({"entry": entries} if entries else {}),
        }
    )


# --- discovery and tokens ---------------------------------------------------------------


@csrf_exempt
def metadata(request):
    if request.method not in ("GET", "HEAD"):
        return _outcome(405, "not-supported", "GET the CapabilityStatement", Allow="GET")
    return _answer(capability.statement(base_url(request)))


@csrf_exempt
def smart_configuration(request):
    return JsonResponse(
        capability.smart_configuration(request.build_absolute_uri(reverse("fhirapi:token")))
    )


@csrf_exempt
@require_POST
def token(request):
    """OAuth 2.0 token endpoint (client credentials with a JWT client assertion)."""
    try:
        issued = services.system_token_issue(
            form=request.POST, token_url=request.build_absolute_uri(reverse("fhirapi:token"))
        )
    except services.TokenError as error:
        response = JsonResponse(
            {"error": error.code, "error_description": error.description}, status=error.status
        )
    except Exception:  # the database gone away, a bug: an OAuth error, never HTML
        logger.exception("token request failed")
        response = JsonResponse(
            {"error": "server_error", "error_description": "try again later"}, status=500
        )
    else:
        response = JsonResponse(
            {
                "access_token": issued.access_token,
                "token_type": "bearer",
                "expires_in": issued.expires_in,
                "scope": issued.scope,
            }
        )
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


# --- resources --------------------------------------------------------------------------


@system_api("Patient")
def patient_type(request, caller, params):
    return _searchset(request, "Patient", selectors.patient_search(caller, params), params)


@system_api("Patient")
def patient_instance(request, caller, params, resource_id):
    return _answer(selectors.patient_read(caller, resource_id))


@system_api("Patient")
def patient_everything(request, caller, params, resource_id):
    if not (
        scopes.permits(caller.token.scope_set, "Encounter", "read")
        and scopes.permits(caller.token.scope_set, "Observation", "read")
    ):
        return _outcome(
            403, "forbidden", "$everything needs Encounter.read and Observation.read too"
        )
    if params:
        return _outcome(400, "not-supported", "$everything takes no parameters here")
    found = selectors.patient_everything(caller, resource_id)
    found += case_selectors.patient_case_for(caller, found[0]["id"])
    return _answer(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "entry": [
                {
                    "fullUrl": f"{base_url(request)}/{r['resourceType']}/{r['id']}",
                    "resource": versioned(r),
                }
                for r in found
            ],
        }
    )


@system_api("Encounter")
def encounter_type(request, caller, params):
    return _searchset(request, "Encounter", selectors.encounter_search(caller, params), params)


@system_api("Encounter")
def encounter_instance(request, caller, params, resource_id):
    return _answer(selectors.encounter_read(caller, resource_id))


@system_api("Observation")
def _observation_search(request, caller, params):
    return _searchset(request, "Observation", selectors.observation_search(caller, params), params)


@system_api("Observation", "write")
def _lab_observation_create(request, caller, params):
    return lab_observations.create(request, caller, _answer, _outcome)


@csrf_exempt
def observation_type(request):
    """GET: search (system token). POST: a device posts vital signs (device token); a lab
    system client posts a laboratory Observation (system token, lab_observations.py)."""
    if request.method == "POST":
        if services.system_token_authenticate(_bearer(request)) is not None:
            return _lab_observation_create(request)
        return ingestion.ingest(request)
    return _observation_search(request)


@system_api("Observation")
def observation_instance(request, caller, params, resource_id):
    return _answer(observation_read(caller, resource_id))


def observation_read(caller, resource_id: str) -> dict:
    """A vital sign or NEWS2 (`<set>-<part>`) or a lab result (`lab-<n>`)."""
    if resource_id.startswith("lab-"):  # a lab result (lab_observations.py)
        return lab_observations.read(caller, resource_id)
    return selectors.observation_read(caller, resource_id)
