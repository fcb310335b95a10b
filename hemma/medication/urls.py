from django.urls import path

from . import views

app_name = "medication"
urlpatterns = [
    path("episode/<int:episode_id>/", views.episode, name="episode"),
    path("episode/<int:episode_id>/change/", views.change, name="change"),
    path("item/<int:item_id>/<slug:action>/", views.item_act, name="item_act"),
    path("dose/<int:dose_id>/", views.dose_record, name="dose_record"),
    # The patient's tablet (the device cookie of /patient/, no staff account).
    path("patient/", views.patient_doses, name="patient_doses"),
    path("patient/<int:dose_id>/", views.patient_dose_record, name="patient_dose_record"),
]
