from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hemma.accounts.middleware import SESSION_KEY


@require_GET
def home(request):
    return redirect("patients:list" if request.user.is_authenticated else "login")


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
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "patients:list"
    return redirect(target)


@require_GET
def healthz(request):
    """For load balancers: the app answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def favicon(request):
    return redirect(static("hemma/favicon.svg"), permanent=True)


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
