from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("episode/<int:episode_id>/", views.thread, name="thread"),
    path("response-times/", views.response_times, name="response_times"),
    # The patient's tablet (the device cookie of /patient/, no staff account).
    path("patient/", views.patient_thread, name="patient_thread"),
    path("patient/send/", views.patient_send, name="patient_send"),
]
