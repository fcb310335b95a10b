from django.urls import path

from . import views

app_name = "ambulance"
urlpatterns = [
    path("", views.ambulance_list, name="list"),
    path("episode/<int:episode_id>/contact/", views.contact_new, name="contact"),
]
