from django.urls import path

from . import views

app_name = "experience"
urlpatterns = [
    path("", views.results, name="results"),
    # The patient's tablet after discharge (the device cookie of /patient/, no staff account).
    path("patient/", views.patient_questionnaire, name="patient"),
]
