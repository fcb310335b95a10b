from django.urls import path

from . import frailty
from .views import cases, directory, meetings, sip, temporary_visits

app_name = "coordination"
urlpatterns = [
    path("", cases.worklist, name="worklist"),
    path("new/<uuid:patient_id>/", cases.open_case, name="open"),
    path("frailty/<uuid:patient_id>/", frailty.frailty, name="frailty"),
    path("directory/", directory.directory_list, name="directory"),
    path("directory/new/", directory.directory_edit, name="directory_new"),
    path("directory/stats/", directory.directory_stats, name="directory_stats"),
    path("directory/<int:entry_id>/", directory.directory_entry, name="directory_entry"),
    path("directory/<int:entry_id>/edit/", directory.directory_edit, name="directory_edit"),
    path("visit/", temporary_visits.temporary_visit, name="temporary_visit"),
    path("meetings/", meetings.meetings_view, name="meetings"),
    path("meetings/series/", meetings.series_new, name="meeting_series"),
    path("meetings/series/end/", meetings.series_end, name="meeting_series_end"),
    path("meetings/<int:meeting_id>/", meetings.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/agenda/add/", meetings.agenda_add, name="meeting_agenda_add"),
    path("meetings/<int:meeting_id>/<slug:action>/", meetings.meeting_act, name="meeting_act"),
    path("tasks/<int:task_id>/done/", meetings.task_done, name="task_done"),
    path("episode/<int:episode_id>/notice/", cases.episode_notice, name="episode_notice"),
    path("case/<int:case_id>/", cases.case, name="case"),
    path("case/<int:case_id>/sip-plan/", sip.sip_plan, name="sip_plan"),
    path("case/<int:case_id>/<slug:action>/", cases.act, name="act"),
]
