from django.urls import path

from . import views

app_name = "coordination"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("new/<uuid:patient_id>/", views.open_case, name="open"),
    path("frailty/<uuid:patient_id>/", views.frailty, name="frailty"),
    path("case/<int:case_id>/", views.case, name="case"),
    path("case/<int:case_id>/<slug:action>/", views.act, name="act"),
]
