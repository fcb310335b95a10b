from django.urls import path

from . import views

app_name = "careplans"
urlpatterns = [
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:template_id>/", views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/copy/", views.template_copy, name="template_copy"),
    path("<int:episode_id>/", views.agreement, name="agreement"),
    path("<int:episode_id>/create/", views.create, name="create"),
    path("<int:episode_id>/revise/", views.revise, name="revise"),
    path("<int:episode_id>/v/<int:number>/", views.version, name="version"),
    path("<int:episode_id>/print/", views.print_view, name="print"),
    path("<int:episode_id>/criterion/", views.criterion, name="criterion"),
    path("<int:episode_id>/given/", views.given, name="given"),
]
