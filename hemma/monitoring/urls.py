from django.urls import path, re_path

from . import api, device_api
from .views import alerts, episode, patient, rounds

app_name = "monitoring"
urlpatterns = [
    path("monitoring/episode/<int:episode_id>/", episode.episode, name="episode"),
    path("monitoring/episode/<int:episode_id>/qr/", episode.device_qr, name="device_qr"),
    path("monitoring/episode/<int:episode_id>/<slug:action>/", episode.act, name="act"),
    path("monitoring/device/<int:device_id>/revoke/", episode.device_revoke, name="device_revoke"),
    path("monitoring/alerts/", alerts.alerts, name="alerts"),
    path("monitoring/alerts/panel/", alerts.alerts_panel, name="alerts_panel"),
    path("monitoring/alerts/<int:alert_id>/<slug:action>/", alerts.alert_act, name="alert_act"),
    path("monitoring/duty/", alerts.duty, name="duty"),
    path("monitoring/duty/roster/", alerts.roster, name="roster"),
    path("monitoring/round/", rounds.round_view, name="round"),
    path("monitoring/round/<int:episode_id>/", rounds.round_record, name="round_record"),
    # A vendor's device: the ward's one-time code → an API token pair (device_api.py).
    path("oauth/device-token", device_api.device_token, name="device_token"),
    # FHIR R4 ingestion of vital signs from devices (device API token).
    path("fhir", api.ingest, name="fhir_bundle"),
    path("fhir/", api.ingest),
    path("fhir/Observation", api.ingest, name="fhir_observation"),
    # Any other path under /fhir: an OperationOutcome, not HTML.
    re_path(r"^fhir/(?P<path>.+)$", api.not_found, name="fhir_not_found"),
    # The patient's own page on a tablet or phone (device token, no staff account).
    path("patient/", patient.patient_home, name="patient_home"),
    path("patient/start/", patient.patient_start, name="patient_start"),
    path("patient/readings/", patient.patient_submit, name="patient_submit"),
    path("patient/csrf/", patient.patient_csrf, name="patient_csrf"),
]
