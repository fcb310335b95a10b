from django.urls import path

from . import views

app_name = "setup"
urlpatterns = [
    path("", views.start, name="start"),
    path("hsa/", views.hsa_import, name="hsa_import"),
    path("safety-places/", views.safety_beds, name="safety_beds"),
    path("safety-places/<int:ward_id>/add/", views.safety_bed_add, name="safety_bed_add"),
    path(
        "safety-places/place/<int:bed_id>/<str:action>/",
        views.safety_bed_service,
        name="safety_bed_service",
    ),
]
