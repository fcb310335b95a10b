from django.urls import path, re_path

from . import api, views

app_name = "monitoring"
urlpatterns = [
    path("monitoring/episode/<int:episode_id>/", views.episode, name="episode"),
    path("monitoring/episode/<int:episode_id>/qr/", views.device_qr, name="device_qr"),
    path("monitoring/episode/<int:episode_id>/<slug:action>/", views.act, name="act"),
    path("monitoring/device/<int:device_id>/revoke/", views.device_revoke, name="device_revoke"),
    path("monitoring/alerts/", views.alerts, name="alerts"),
    path("monitoring/alerts/panel/", views.alerts_panel, name="alerts_panel"),
    path("monitoring/alerts/<int:alert_id>/<slug:action>/", views.alert_act, name="alert_act"),
    path("monitoring/duty/", views.duty, name="duty"),
    path("monitoring/round/", views.round_view, name="round"),
    path("monitoring/round/<int:episode_id>/", views.round_record, name="round_record"),
    # FHIR R4 ingestion of vital signs from devices (device token).
    path("fhir", api.ingest, name="fhir_bundle"),
    path("fhir/", api.ingest),
    path("fhir/Observation", api.ingest, name="fhir_observation"),
    # Any other path under /fhir: an OperationOutcome, not HTML.
    re_path(r"^fhir/(?P<path>.+)$", api.not_found, name="fhir_not_found"),
    # The patient's own page on a tablet or phone (device token, no staff account).
    path("patient/", views.patient_home, name="patient_home"),
    path("patient/start/", views.patient_start, name="patient_start"),
    path("patient/readings/", views.patient_submit, name="patient_submit"),
    path("patient/csrf/", views.patient_csrf, name="patient_csrf"),
]
