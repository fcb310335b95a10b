"""FHIR views of the shared case (CarePlan with its history, ServiceRequest with create,
Task, Consent, CareTeam), the access log (AuditEvent), units and people – the same
decorator, answers and errors as views.py."""

from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.monitoring import fhir as fhir_body
from hemma.monitoring.fhir import operation_outcome

from . import audit_events, case_selectors, directory, service_requests, services, task_updates
from .versions import if_match_version
from .views import _answer, _outcome, _searchset, base_url, system_api

# --- the case around the episode, and units -----------------------------------------------


def case_type(resource_type: str):
    @system_api(resource_type)
    def search(request, caller, params):
        page = case_selectors.case_search(caller, resource_type, params)
        return _searchset(request, resource_type, page, params)

    return search


def case_instance(resource_type: str):
    @system_api(resource_type)
    def read(request, caller, params, resource_id):
        return _answer(case_selectors.case_read(caller, resource_type, resource_id))

    return read


@system_api("Organization")
def organization_type(request, caller, params):
    return _searchset(request, "Organization", case_selectors.organization_search(params), params)


@system_api("Organization")
def organization_instance(request, caller, params, resource_id):
    found = case_selectors.organization_read(resource_id)
    if found is None:
        raise Http404("no such unit")
    return _answer(found)


@system_api("ServiceRequest", "write")
def _service_request_create(request, caller, params):
    """A care request sent by the ward's system (its EHR): it lands in the receiving
    unit's inbox like one sent from the ward's page, through the same service and rules."""
    try:
        payload = fhir_body.load_json(request.body)
    except fhir_body.BodyError as error:
        return _outcome(400, "invalid", str(error))
    issues = fhir_body.string_issues(payload, request.body)
    draft, more = service_requests.parse(payload) if not issues else (None, [])
    issues += more
    if issues:
        return _answer(operation_outcome(issues), 400)
    try:
        care_request = services.service_request_create(caller=caller, draft=draft)
    except NotAllowed as error:
        return _outcome(403, "forbidden", str(error.message))
    except Conflict as error:
        return _outcome(409, "conflict", str(error.message))
    except HemmaError as error:
        return _outcome(422, "business-rule", str(error.message))
    created = case_selectors.case_read(caller, "ServiceRequest", str(care_request.pk))
    return _answer(created, 201, Location=f"{base_url(request)}/ServiceRequest/{care_request.pk}")


@csrf_exempt
def service_request_type(request):
    """GET: search. POST: create (system/ServiceRequest.write)."""
    if request.method == "POST":
        return _service_request_create(request)
    return _SERVICE_REQUEST_SEARCH(request)


_SERVICE_REQUEST_SEARCH = case_type("ServiceRequest")


@system_api("Task", "write", methods=("PUT",))
def _task_update(request, caller, params, resource_id):
    """The receiving unit's system (or the sender's) answers a care request by setting the
    Task's status: the same services as the inbox, If-Match against the current version."""
    try:
        payload = fhir_body.load_json(request.body)
    except fhir_body.BodyError as error:
        return _outcome(400, "invalid", str(error))
    issues = fhir_body.string_issues(payload, request.body)
    change, more = task_updates.parse(payload, resource_id) if not issues else (None, [])
    issues += more
    if issues:
        return _answer(operation_outcome(issues), 400)
    case_selectors.case_read(caller, "Task", resource_id)  # the policy first: 404 + denied
    try:
        services.task_update(
            caller=caller,
            care_request_id=int(resource_id),
            change=change,
            if_match=if_match_version(request.headers.get("If-Match")),
        )
    except services.PreconditionFailed as error:
        return _outcome(412, "conflict", str(error.message))
    except NotAllowed as error:
        return _outcome(403, "forbidden", str(error.message))
    except Conflict as error:
        return _outcome(409, "conflict", str(error.message))
    except HemmaError as error:
        return _outcome(422, "business-rule", str(error.message))
    return _answer(
        case_selectors.case_read(caller, "Task", resource_id),
        Content_Location=f"{base_url(request)}/Task/{resource_id}",
    )


@csrf_exempt
def task_instance(request, resource_id):
    """GET: read. PUT: update the status (system/Task.write)."""
    if request.method == "PUT":
        return _task_update(request, resource_id=resource_id)
    return _TASK_READ(request, resource_id=resource_id)


_TASK_READ = case_instance("Task")


# --- the access log, for a log-review client ---------------------------------------------


@system_api("AuditEvent")
def audit_event_type(request, caller, params):
    try:
        page = audit_events.audit_event_search(caller, params)
    except audit_events.NotALogReviewer:
        return _outcome(403, "forbidden", "this client is not registered for log review")
    return _searchset(request, "AuditEvent", page, params)


@system_api("AuditEvent")
def audit_event_instance(request, caller, params, resource_id):
    try:
        found = audit_events.audit_event_read(caller, resource_id)
    except audit_events.NotALogReviewer:
        return _outcome(403, "forbidden", "this client is not registered for log review")
    if found is None:
        raise Http404("no such entry")
    return _answer(found)


@system_api("CarePlan")
def care_plan_history(request, caller, params, resource_id):
    """GET CarePlan/<id>/_history: every version of the documented agreement."""
    versions = case_selectors.care_plan_versions(caller, resource_id)
    base = base_url(request)
    return _answer(
        {
            "resourceType": "Bundle",
            "type": "history",
            "total": len(versions),
            "entry": [
                {
                    "fullUrl": f"{base}/CarePlan/{plan['id']}",
                    "resource": plan,
                    "request": {
                        "method": "POST" if plan["meta"]["versionId"] == "1" else "PUT",
                        "url": "CarePlan"
                        if plan["meta"]["versionId"] == "1"
                        else f"CarePlan/{plan['id']}",
                    },
                    "response": {"status": "201" if plan["meta"]["versionId"] == "1" else "200"},
                }
                for plan in versions
            ],
        }
    )


@system_api("CarePlan")
def care_plan_version(request, caller, params, resource_id, version_id):
    """GET CarePlan/<id>/_history/<vid>: the agreement as it was in that version."""
    for plan in case_selectors.care_plan_versions(caller, resource_id):
        if plan["meta"]["versionId"] == version_id:
            return _answer(plan)
    raise Http404("no such version")


# --- the people of the client's organisation -----------------------------------------------


def _directory(resource_type: str, search, read):
    @system_api(resource_type)
    def type_view(request, caller, params):
        return _searchset(request, resource_type, search(caller, params), params)

    @system_api(resource_type)
    def instance_view(request, caller, params, resource_id):
        found = read(caller, resource_id)
        if found is None:
            raise Http404(f"no such {resource_type}")
        return _answer(found)

    return type_view, instance_view


practitioner_type, practitioner_instance = _directory(
    "Practitioner", directory.practitioner_search, directory.practitioner_read
)
practitioner_role_type, practitioner_role_instance = _directory(
    "PractitionerRole", directory.practitioner_role_search, directory.practitioner_role_read
)
