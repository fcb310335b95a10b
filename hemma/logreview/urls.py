from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.log_review, name="review"),
    path("extract/", views.patient_extract, name="extract"),
    path("admin-log/", views.admin_log, name="admin_log"),
    path(
        "emergency/<int:access_id>/review/",
        views.emergency_access_review,
        name="emergency_review",
    ),
]
