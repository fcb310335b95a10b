from django.urls import path, re_path

from . import views

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
]
