from django.urls import path

from . import views

app_name = "episodes"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("flag/<uuid:patient_id>/", views.flag, name="flag"),
    path("referrals/<int:referral_id>/read/", views.referral_read, name="referral_read"),
    path("<int:episode_id>/", views.detail, name="detail"),
    path("<int:episode_id>/<slug:action>/", views.act, name="act"),
]
