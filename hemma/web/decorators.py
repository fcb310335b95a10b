"""View guards: a logged-in user with a staff profile and at least one unit."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.hemma.staff is None or request.hemma.unit is None:
            return render(request, "web/no_unit.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
