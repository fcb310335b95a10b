from django.contrib import admin
from django.urls import include, path

from hemma.accounts import login as login_views
from hemma.accounts import oidc_flow
from hemma.shell import views as shell_views
from hemma.web import metrics as web_metrics
from hemma.web import views as web_views

urlpatterns = [
    # The start page: each role lands on its own work (hemma.shell.start).
    path("", shell_views.start, name="home"),
    path("login/", login_views.LoginView.as_view(), name="login"),
    path("logout/", login_views.LogoutView.as_view(), name="logout"),
    # Sign-in with SITHS at the region's OpenID Connect provider (404 when not configured).
    path(
        "oidc/authenticate/", oidc_flow.AuthenticateView.as_view(), name="oidc_authentication_init"
    ),
    path("oidc/callback/", oidc_flow.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("unit/", web_views.switch_unit, name="switch_unit"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("patients/", include("hemma.patients.urls")),
    path("audit/", include("hemma.logreview.urls")),
    path("episodes/", include("hemma.episodes.urls")),
    path("agreements/", include("hemma.careplans.urls")),
    path("care-requests/", include("hemma.carerequests.urls")),
    path("coordination/", include("hemma.coordination.urls")),
    path("visits/", include("hemma.visits.urls")),
    path("medication/", include("hemma.medication.urls")),
    path("labs/", include("hemma.labs.urls")),
    path("competence/", include("hemma.competence.urls")),
    path("ambulance/", include("hemma.ambulance.urls")),
    path("messaging/", include("hemma.messaging.urls")),
    path("insights/", include("hemma.insights.urls")),
    path("experience/", include("hemma.experience.urls")),
    path("jobs/", include("hemma.jobs.urls")),
    path("setup/", include("hemma.setup.urls")),
    # The FHIR API for system clients first: POST /fhir/Observation reaches device
    # ingestion through it, and monitoring's catch-all answers the rest of /fhir.
    path("", include("hemma.fhirapi.urls")),
    path("", include("hemma.monitoring.urls")),
    path("admin/", admin.site.urls),
    path("healthz", web_views.healthz, name="healthz"),
    path("readyz", web_views.readyz, name="readyz"),
    # Prometheus's scrape: 404 without HEMMA_METRICS_TOKEN, 401 without the token.
    path("metrics", web_metrics.metrics_view, name="metrics"),
    path("robots.txt", web_views.robots),
    path("favicon.ico", web_views.favicon),
]

handler404 = "hemma.web.errors.not_found"
handler500 = "hemma.web.errors.server_error"
handler403 = "hemma.web.errors.forbidden"
