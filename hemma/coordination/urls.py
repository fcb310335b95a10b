from django.urls import path

from . import views

app_name = "coordination"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("new/<uuid:patient_id>/", views.open_case, name="open"),
    path("frailty/<uuid:patient_id>/", views.frailty, name="frailty"),
    path("directory/", views.directory_list, name="directory"),
    path("directory/new/", views.directory_edit, name="directory_new"),
    path("directory/stats/", views.directory_stats, name="directory_stats"),
    path("directory/<int:entry_id>/", views.directory_entry, name="directory_entry"),
    path("directory/<int:entry_id>/edit/", views.directory_edit, name="directory_edit"),
    path("visit/", views.temporary_visit, name="temporary_visit"),
    path("meetings/", views.meetings_view, name="meetings"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/<slug:action>/", views.meeting_act, name="meeting_act"),
    path("tasks/<int:task_id>/done/", views.task_done, name="task_done"),
    path("case/<int:case_id>/", views.case, name="case"),
    path("case/<int:case_id>/sip-plan/", views.sip_plan, name="sip_plan"),
    path("case/<int:case_id>/<slug:action>/", views.act, name="act"),
]
