from django.urls import path

from . import views

app_name = "competence"
urlpatterns = [
    path("episode/<int:episode_id>/leaflet/", views.leaflet, name="leaflet"),
    path("episode/<int:episode_id>/training/", views.training, name="training"),
    path("units/", views.units, name="units"),
    path("unit/<int:unit_id>/", views.unit_page, name="unit"),
    path("record/<int:record_id>/withdraw/", views.withdraw, name="withdraw"),
]
