from django.urls import path, re_path

from . import case_views, history_views, views
from .case_selectors import KINDS as CASE_KINDS

CASE_TYPES = list(CASE_KINDS)

app_name = "fhirapi"
# FHIR ids: [A-Za-z0-9\-\.]{1,64}
ID = r"(?P<resource_id>[A-Za-z0-9\-.]{1,64})"
urlpatterns = [
    path("fhir/metadata", views.metadata, name="metadata"),
    path("fhir/.well-known/smart-configuration", views.smart_configuration, name="smart"),
    path("oauth/token", views.token, name="token"),
    path("fhir/Patient", views.patient_type, name="patient_type"),
    re_path(
        rf"^fhir/Patient/{ID}/\$everything$", views.patient_everything, name="patient_everything"
    ),
    re_path(rf"^fhir/Patient/{ID}$", views.patient_instance, name="patient"),
    path("fhir/Encounter", views.encounter_type, name="encounter_type"),
    re_path(rf"^fhir/Encounter/{ID}$", views.encounter_instance, name="encounter"),
    path("fhir/Observation", views.observation_type, name="observation_type"),
    re_path(rf"^fhir/Observation/{ID}$", views.observation_instance, name="observation"),
    re_path(
        rf"^fhir/CarePlan/{ID}/_history$", case_views.care_plan_history, name="careplan_history"
    ),
    re_path(
        rf"^fhir/CarePlan/{ID}/_history/(?P<version_id>[0-9]{{1,9}})$",
        case_views.care_plan_version,
        name="careplan_vread",
    ),
    path("fhir/AuditEvent", case_views.audit_event_type, name="auditevent_type"),
    re_path(rf"^fhir/AuditEvent/{ID}$", case_views.audit_event_instance, name="auditevent"),
    path("fhir/Practitioner", case_views.practitioner_type, name="practitioner_type"),
    re_path(rf"^fhir/Practitioner/{ID}$", case_views.practitioner_instance, name="practitioner"),
    path("fhir/PractitionerRole", case_views.practitioner_role_type, name="practitionerrole_type"),
    re_path(
        rf"^fhir/PractitionerRole/{ID}$",
        case_views.practitioner_role_instance,
        name="practitionerrole",
    ),
    path("fhir/Organization", case_views.organization_type, name="organization_type"),
    re_path(rf"^fhir/Organization/{ID}$", case_views.organization_instance, name="organization"),
]
# The case around the episode: search and read, one pair of routes per resource type.
for _type in CASE_TYPES:
    search = (
        case_views.service_request_type
        if _type == "ServiceRequest"
        else case_views.case_type(_type)
    )
    urlpatterns += [
        path(f"fhir/{_type}", search, name=f"{_type.lower()}_type"),
        re_path(
            rf"^fhir/{_type}/{ID}$",
            case_views.task_instance if _type == "Task" else case_views.case_instance(_type),
            name=_type.lower(),
        ),
    ]
# vread and _history of the types whose earlier versions are not kept (the current one).
VERSION_ID = r"(?P<version_id>[A-Za-z0-9\-.]{1,64})"
for _type in history_views.READERS:
    _history, _vread = history_views.history_views(_type)
    urlpatterns += [
        re_path(rf"^fhir/{_type}/{ID}/_history$", _history, name=f"{_type.lower()}_history"),
        re_path(
            rf"^fhir/{_type}/{ID}/_history/{VERSION_ID}$", _vread, name=f"{_type.lower()}_vread"
        ),
    ]
