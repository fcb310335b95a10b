from django.urls import path

from . import views, views_ambulance, views_blocking

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_register, name="register"),
    path("emergency-access/", views.emergency_access, name="emergency_access"),
    path("<uuid:patient_id>/", views.patient_detail, name="detail"),
    path("<uuid:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:patient_id>/next-of-kin/", views.next_of_kin_add, name="next_of_kin_add"),
    path(
        "<uuid:patient_id>/next-of-kin/<int:kin_id>/remove/",
        views.next_of_kin_remove,
        name="next_of_kin_remove",
    ),
    path("<uuid:patient_id>/care-team/", views.care_team_add, name="care_team_add"),
    path(
        "<uuid:patient_id>/sharing-consent/<slug:action>/",
        views.sharing_consent,
        name="sharing_consent",
    ),
    path(
        "<uuid:patient_id>/ambulance-consent/<slug:action>/",
        views_ambulance.ambulance_consent,
        name="ambulance_consent",
    ),
    path(
        "<uuid:patient_id>/care-team/<int:relationship_id>/end/",
        views.care_team_end,
        name="care_team_end",
    ),
    path("<uuid:patient_id>/blocks/", views_blocking.block_add, name="block_add"),
    path("<uuid:patient_id>/blocks/open/", views_blocking.block_open, name="block_open"),
    path(
        "<uuid:patient_id>/blocks/<int:block_id>/lift/",
        views_blocking.block_lift,
        name="block_lift",
    ),
]
