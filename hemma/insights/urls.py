from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:panel>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("<slug:panel>.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("economics/", views.economics, name="economics"),
    path("simulator/", views.simulator, name="simulator"),
    path("imports/", views.imports, name="imports"),
    path("simulator/<int:scenario_id>/delete/", views.scenario_delete, name="scenario_delete"),
]
