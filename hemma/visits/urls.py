from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("", views.planner, name="planner"),
    path("generate/", views.generate, name="generate"),
    path("plan/", views.plan, name="plan"),
    path("shifts/", views.shift_add, name="shift_add"),
    path("shifts/<int:shift_id>/remove/", views.shift_remove, name="shift_remove"),
    path("add/", views.add, name="add"),
    path("<int:visit_id>/move/", views.move, name="move"),
    path("<int:visit_id>/cancel/", views.cancel, name="cancel"),
    path("mine/", views.run_sheet, name="run_sheet"),
    path("<int:visit_id>/arrive/", views.arrive, name="arrive"),
    path("<int:visit_id>/done/", views.done, name="done"),
]
