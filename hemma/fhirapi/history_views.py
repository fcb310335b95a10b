"""vread and `_history` of every resource type but CarePlan (whose numbered versions are
in case_views): Hemma keeps only the current version of these, so `_history` lists it and
vread answers it when the version asked for is the current one (versions.py). A read
through these routes goes through the same selectors, policy and access log as a read."""

from django.http import Http404

from . import audit_events, case_selectors, directory, selectors
from .versions import versioned
from .views import _answer, _outcome, base_url, observation_read, system_api


def _found(resource: dict | None, what: str) -> dict:
    if resource is None:
        raise Http404(f"no such {what}")
    return resource


def _audit_event(caller, resource_id):
    return _found(audit_events.audit_event_read(caller, resource_id), "entry")


READERS = {
    "Patient": selectors.patient_read,
    "Encounter": selectors.encounter_read,
    "Observation": observation_read,
    **{
        resource_type: (
            lambda caller, rid, t=resource_type: case_selectors.case_read(caller, t, rid)
        )
        for resource_type in case_selectors.KINDS
        if resource_type != "CarePlan"
    },
    "Organization": lambda caller, rid: _found(case_selectors.organization_read(rid), "unit"),
    "Practitioner": lambda caller, rid: _found(directory.practitioner_read(caller, rid), "person"),
    "PractitionerRole": lambda caller, rid: _found(
        directory.practitioner_role_read(caller, rid), "role"
    ),
    "AuditEvent": _audit_event,
}


def _current(resource_type: str, caller, resource_id: str) -> dict:
    return versioned(READERS[resource_type](caller, resource_id))


def _refused_log_review():
    return _outcome(403, "forbidden", "this client is not registered for log review")


def history_views(resource_type: str):
    @system_api(resource_type)
    def history(request, caller, params, resource_id):
        if params:
            return _outcome(400, "not-supported", "_history takes no parameters here")
        try:
            resource = _current(resource_type, caller, resource_id)
        except audit_events.NotALogReviewer:
            return _refused_log_review()
        url = f"{resource_type}/{resource_id}"
        response = {"status": "200"}
        if "lastUpdated" in resource["meta"]:
            response["lastModified"] = resource["meta"]["lastUpdated"]
        return _answer(
            {
                "resourceType": "Bundle",
                "type": "history",
                "total": 1,
                "entry": [
                    {
                        "fullUrl": f"{base_url(request)}/{url}",
                        "resource": resource,
                        "request": {"method": "PUT", "url": url},
                        "response": response,
                    }
                ],
            }
        )

    @system_api(resource_type)
    def vread(request, caller, params, resource_id, version_id):
        try:
            resource = _current(resource_type, caller, resource_id)
        except audit_events.NotALogReviewer:
            return _refused_log_review()
        if resource["meta"]["versionId"] != version_id:
            return _outcome(
                404,
                "not-found",
                f"version {version_id} is not the current one; Hemma keeps earlier versions "
                "of CarePlan only",
            )
        return _answer(resource)

    return history, vread
