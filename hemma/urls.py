from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hemma.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("unit/", web_views.switch_unit, name="switch_unit"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("patients/", include("hemma.patients.urls")),
    path("audit/", include("hemma.logreview.urls")),
    path("episodes/", include("hemma.episodes.urls")),
    path("agreements/", include("hemma.careplans.urls")),
    path("care-requests/", include("hemma.carerequests.urls")),
    path("coordination/", include("hemma.coordination.urls")),
    path("visits/", include("hemma.visits.urls")),
    path("insights/", include("hemma.insights.urls")),
    path("jobs/", include("hemma.jobs.urls")),
    path("setup/", include("hemma.setup.urls")),
    # The FHIR API for system clients first: POST /fhir/Observation reaches device
    # ingestion through it, and monitoring's catch-all answers the rest of /fhir.
    path("", include("hemma.fhirapi.urls")),
    path("", include("hemma.monitoring.urls")),
    path("admin/", admin.site.urls),
    path("healthz", web_views.healthz, name="healthz"),
    path("robots.txt", web_views.robots),
    path("favicon.ico", web_views.favicon),
]

handler404 = "hemma.web.errors.not_found"
handler500 = "hemma.web.errors.server_error"
handler403 = "hemma.web.errors.forbidden"
