"""One visit on the planner: an ad-hoc visit added, a visit moved in a route (what the
move breaks is shown as warnings), a visit cancelled – under the policy's `plan_visits`."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.accounts.models import Staff
from hemma.web.actions import run_form_action
from hemma.web.decorators import staff_required

from .. import forms, selectors, services
from .common import day_of, deny_unlisted, planner_url, unit_refused, unit_visit, visit_refused
from .planner import render_planner


@staff_required
@require_POST
def add(request):
    staff, unit, day = request.hemma.staff, request.hemma.unit, day_of(request)
    if (refusal := unit_refused(request, f"ad-hoc visit {day}")) is not None:
        return refusal
    episodes = selectors.planning_episodes(staff, unit)
    open_visits = list(
        selectors.visible_visits(staff, unit)
        .filter(day=day, status__in=["planned", "assigned"])
        .select_related("episode__patient")
    )
    deny_unlisted(request, "episode", {e.pk for e in episodes}, "ad-hoc visit: episode")
    deny_unlisted(request, "follows", {v.pk for v in open_visits}, "ad-hoc visit: follows visit")
    form = forms.VisitForm(request.POST, episodes=episodes, visits=open_visits)

    def perform(data):
        episode = next(e for e in episodes if e.pk == data["episode"])
        follows = next((v for v in open_visits if v.pk == data.get("follows")), None)
        return services.visit_add(
            staff=staff,
            unit=unit,
            episode=episode,
            day=day,
            what=data["what"],
            window_start=forms.on_day(day, data["earliest"]),
            window_end=forms.on_day(day, data["latest"]),
            duration_minutes=data["duration_minutes"],
            skill=data["skill"],
            staff_needed=data["staff_needed"],
            priority=data["priority"],
            follows=follows,
            min_gap_minutes=data.get("min_gap_minutes"),
            max_gap_minutes=data.get("max_gap_minutes"),
        )

    done = _("Besöket är tillagt. Planera igen för att få in det i turerna.")
    if not run_form_action(request, form, perform, done, keep_form=True):
        return render_planner(request, day, visit_form=form, status=400)
    return redirect(planner_url(day))


@staff_required
@require_POST
def move(request, visit_id):
    visit = unit_visit(request, visit_id, "move")
    what = f"visit {visit.pk} move"
    if (refusal := visit_refused(request, visit, "plan_visits", what)) is not None:
        return refusal

    def perform(data):
        from_staff = None
        if data["from_staff"]:
            from_staff = Staff.objects.filter(pk=data["from_staff"]).first()
        return services.visit_move(
            staff=request.hemma.staff,
            unit=request.hemma.unit,
            visit=visit,
            from_staff=from_staff,
            to_staff=data["to_staff"],
            position=data["position"] - 1,
        )

    def done(warnings):
        if not warnings:
            return _("Flyttat. Planen håller.")
        messages.warning(request, _("Flyttat, men planen håller inte längre:"))
        for warning in warnings:
            messages.warning(request, warning)
        return ""  # told as warnings

    form = forms.MoveForm(request.POST)
    run_form_action(request, form, perform, done, retry=True)  # drawn again in its row
    return redirect(planner_url(visit.day))


@staff_required
@require_POST
def cancel(request, visit_id):
    visit = unit_visit(request, visit_id, "cancel")
    what = f"visit {visit.pk} cancel"
    if (refusal := visit_refused(request, visit, "plan_visits", what)) is not None:
        return refusal
    form = forms.CancelForm(request.POST)
    run_form_action(
        request,
        form,
        lambda data: services.visit_cancel(
            staff=request.hemma.staff, unit=request.hemma.unit, visit=visit, reason=data["reason"]
        ),
        _("Besöket är inställt."),
        retry=True,  # drawn again in the planner's row (_move.html)
    )
    return redirect(planner_url(visit.day))
