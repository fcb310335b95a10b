from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template.loader import get_template


def not_found(request, exception=None):
    return render(request, "web/error.html", {"status": 404}, status=404)


def forbidden(request, exception=None):
    return render(request, "web/error.html", {"status": 403}, status=403)


def server_error(request):
    # A plain template without context processors: the database may be what failed.
    return HttpResponseServerError(get_template("web/error_500.html").render())
