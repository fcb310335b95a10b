from django.urls import path

from . import views

app_name = "labs"
urlpatterns = [
    path("episode/<int:episode_id>/", views.episode_labs, name="episode"),
]
