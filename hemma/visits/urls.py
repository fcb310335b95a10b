from django.urls import path

from .views import planner, run_sheet, shifts, visit

app_name = "visits"
urlpatterns = [
    path("", planner.planner, name="planner"),
    path("generate/", planner.generate, name="generate"),
    path("plan/", planner.plan, name="plan"),
    path("shifts/", shifts.shift_add, name="shift_add"),
    path("shifts/<int:shift_id>/remove/", shifts.shift_remove, name="shift_remove"),
    path("add/", visit.add, name="add"),
    path("<int:visit_id>/move/", visit.move, name="move"),
    path("<int:visit_id>/cancel/", visit.cancel, name="cancel"),
    path("mine/", run_sheet.run_sheet, name="run_sheet"),
    path("<int:visit_id>/arrive/", run_sheet.arrive, name="arrive"),
    path("<int:visit_id>/done/", run_sheet.done, name="done"),
    path("<int:visit_id>/document/", run_sheet.document, name="document"),
]
