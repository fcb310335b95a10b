from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("<int:job_id>/", views.status, name="status"),
]
