"""The start page ("/"): each role lands on its own work (hemma.shell.start)."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from hemma.accounts.models import Membership

from .start import ROLE_TITLES, start_cards, start_role


@require_GET
def start(request):
    """Cards with counts and links to the role's main tasks; it names no patient (the
    linked pages list and log them), so it writes no access-log entry."""
    if not request.user.is_authenticated:
        return redirect("login")
    acting = request.hemma
    staff, unit = acting.staff, acting.unit
    if staff is None or (unit is None and staff.profession != staff.Profession.ADMINISTRATOR):
        if request.user.is_staff:
            return redirect("admin:index")
        return render(request, "web/no_unit.html", status=403)
    is_log_reviewer = any(m.role == Membership.Role.LOG_REVIEWER for m in acting.memberships)
    role = start_role(staff, unit)
    return render(
        request,
        "shell/start.html",
        {
            "role": role,
            "role_title": ROLE_TITLES[role],
            "cards": start_cards(staff, unit, is_log_reviewer=is_log_reviewer),
        },
    )
