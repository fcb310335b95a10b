from django.urls import path

from .views import dashboard, economics, imports, simulator

app_name = "insights"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("<slug:panel>.csv", dashboard.dashboard_csv, name="dashboard_csv"),
    path("<slug:panel>.xlsx", dashboard.dashboard_xlsx, name="dashboard_xlsx"),
    path("economics/", economics.economics, name="economics"),
    path("simulator/", simulator.simulator, name="simulator"),
    path("imports/", imports.imports, name="imports"),
    path("simulator/<int:scenario_id>/delete/", simulator.scenario_delete, name="scenario_delete"),
]
