import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hemma.accounts.middleware import SESSION_KEY

logger = logging.getLogger(__name__)


@login_required
@require_POST
def switch_unit(request):
    """The unit switcher: "acting for unit X". Only the user's own units."""
    try:
        unit_id = int(request.POST.get("unit", ""))
    except ValueError:
        unit_id = None
    membership = next((m for m in request.hemma.memberships if m.unit_id == unit_id), None)
    if membership is None:
        messages.error(request, _("Du kan bara agera för enheter där du är medlem."))
    else:
        request.session[SESSION_KEY] = membership.unit_id
        messages.success(request, _("Du agerar nu för %(unit)s.") % {"unit": membership.unit})
    # Back to the page the switcher was on: only a path on this site. Anything else (another
    # host, or text that redirect() would take for a URL name) goes to the start page.
    target = request.POST.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return redirect("home")
    return HttpResponseRedirect(target)


@require_GET
def healthz(request):
    """Liveness: the process answers. It does not touch the database, so a database outage
    takes instances out of the proxy (readiness) instead of having them all restarted."""
    return _no_store(JsonResponse({"status": "ok"}))


@require_GET
def readyz(request):
    """Readiness: the database answers and every migration is applied, so the proxy sends
    requests only to instances that can serve them (the migrate step runs before them)."""
    database = _database_ready()
    ready = database == "ok"
    body = {"status": "ok" if ready else "unavailable", "checks": {"database": database}}
    return _no_store(JsonResponse(body, status=200 if ready else 503))


_migrated = False  # once every migration is applied it stays so for this process's code


def _database_ready() -> str:
    global _migrated
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrated:
            executor = MigrationExecutor(connection)
            _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
        return "ok" if _migrated else "migrations pending"
    except DatabaseError:
        # Details go to the log, not to an unauthenticated caller; the broken connection is
        # dropped so that the next check connects afresh.
        logger.warning("readiness: the database does not answer", exc_info=True)
        connection.close()
        return "unavailable"


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def favicon(request):
    return redirect(static("hemma/favicon.svg"), permanent=True)


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
