"""A staff member's shift on the planner: added (or changed) and removed – the unit-wide
planning, a home health unit's own."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.errors import HemmaError
from hemma.patients.selectors import deny
from hemma.web.actions import run_form_action
from hemma.web.decorators import staff_required

from .. import forms, services
from ..models import Shift
from .common import EDIT, day_of, planner_url, unit_refused
from .planner import render_planner

# Where a unit's first shift starts (units have no address in Hemma yet): Falun centre.
BASE = (Decimal("60.606600"), Decimal("15.631000"))


@staff_required
@require_POST
def shift_add(request):
    unit, day = request.hemma.unit, day_of(request)
    if (refusal := unit_refused(request, f"shift {day}")) is not None:
        return refusal
    form = forms.ShiftForm(request.POST, unit=unit)

    # A new shift starts where the unit's shifts start (its base); the demo base otherwise.
    previous = Shift.objects.filter(unit=unit).order_by("-day").first()
    base = (previous.start_latitude, previous.start_longitude) if previous else BASE

    def perform(data):
        break_from = data.get("break_from")
        break_until = data.get("break_until")
        has_break = bool(break_from and break_until and data["break_minutes"])
        return services.shift_save(
            staff=request.hemma.staff,
            unit=unit,
            worker=data["staff"],
            day=day,
            starts=forms.on_day(day, data["starts"]),
            ends=forms.on_day(day, data["ends"]),
            latitude=base[0],
            longitude=base[1],
            travel_mode=data["travel_mode"],
            break_from=forms.on_day(day, break_from) if has_break else None,
            break_until=forms.on_day(day, break_until) if has_break else None,
            break_minutes=data["break_minutes"] or 0,
            max_work_minutes=data.get("max_work_minutes"),
            skills=data.get("skills") or None,
        )

    if not run_form_action(request, form, perform, _("Passet är sparat."), keep_form=True):
        return render_planner(request, day, shift_form=form, status=400)
    return redirect(planner_url(day, "#shifts"))


@staff_required
@require_POST
def shift_remove(request, shift_id):
    # Only the unit's own shifts: another unit's is as unknown as a made-up id.
    shift = Shift.objects.filter(pk=shift_id, unit=request.hemma.unit).first()
    if shift is None:
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"shift id={shift_id} remove",
            action=EDIT,
        )
    if (refusal := unit_refused(request, f"shift {shift.pk} remove")) is not None:
        return refusal
    try:
        services.shift_remove(staff=request.hemma.staff, unit=request.hemma.unit, shift=shift)
        messages.success(request, _("Passet är borttaget; dess besök behöver planeras igen."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect(planner_url(shift.day, "#shifts"))
