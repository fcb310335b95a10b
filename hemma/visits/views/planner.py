"""The planner page (the day's routes, map, unplanned and done visits, the forms),
generating the day's visits from the agreements, and queueing the planning of the day
(the solver never runs inside a request: the worker does, the page polls its progress)."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.errors import HemmaError
from hemma.jobs import selectors as job_selectors
from hemma.jobs import services as job_services
from hemma.jobs.models import Job
from hemma.patients.policy import allowed_actions
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_form, retry_row

from .. import forms, selectors, services
from .common import day_of, home_health_only, planner_url, unit_refused


@staff_required
def planner(request):
    refused = home_health_only(request)
    if refused:
        return refused
    return render_planner(request, day_of(request))


def render_planner(request, day, *, shift_form=None, visit_form=None, status=200):
    """The planner page; a form that failed is shown again bound, its errors at its fields
    and the typed values kept (status 400)."""
    staff, unit = request.hemma.staff, request.hemma.unit
    board = selectors.planner_board(staff, unit, day)
    for visit in board["visits"]:
        visit.allowed = allowed_actions(staff=staff, unit=unit, episode=visit.episode)
    episodes = selectors.planning_episodes(staff, unit)
    # The board, its map and the new-visit form's patient choice: one entry per patient.
    shown = [visit.episode.patient for visit in board["visits"]]
    log_list(request, f"visit planner {day}", shown + [e.patient for e in episodes])
    staff_on_shift = [route.shift.staff for route in board["routes"]]
    return render(
        request,
        "visits/planner.html",
        {
            "day": day,
            "previous": date.fromordinal(day.toordinal() - 1),
            "next": date.fromordinal(day.toordinal() + 1),
            "board": board,
            # The time limit; after a failed planning the same form again, once.
            "plan_form": retry_form(request, forms.PlanForm, action=reverse("visits:plan")),
            "shift_form": shift_form or forms.ShiftForm(unit=unit),
            "visit_form": visit_form
            or forms.VisitForm(episodes=episodes, visits=[v for v in board["visits"] if v.is_open]),
            "staff_on_shift": staff_on_shift,
            # A cancel whose submit failed: its reason and error in its visit's row, once.
            "cancel_retry": retry_row(request, forms.CancelForm),
            # A move whose submit failed: what was chosen and the errors in its row, once.
            "move_retry": retry_row(request, forms.MoveForm),
            "reasons": services.REASONS,
            "job": _plan_job(request, unit, day),
            # A real map only when the region runs a tile server; else the offline diagram.
            "map_tiles": settings.HEMMA_MAP_TILES_URL,
            "map_attribution": settings.HEMMA_MAP_ATTRIBUTION,
        },
        status=status,
    )


@staff_required
@require_POST
def generate(request):
    day = day_of(request)
    if (refusal := unit_refused(request, f"visits generated for {day}")) is not None:
        return refusal
    try:
        created = services.visits_generate(
            staff=request.hemma.staff, unit=request.hemma.unit, day=day
        )
        if created:
            messages.success(
                request, _("%(n)s besök skapade från överenskommelserna.") % {"n": created}
            )
        else:
            messages.info(request, _("Inga nya besök: dagens besök finns redan."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect(planner_url(day))


@staff_required
@require_POST
def plan(request):
    """Queue the planning of the day for the worker and show its progress on the planner
    (polled): the solver never runs inside a request."""
    day = day_of(request)
    if (refusal := unit_refused(request, f"visits planned for {day}")) is not None:
        return refusal

    def done(job):
        if job.reused:
            messages.info(request, _("Dagen planeras redan – följ planeringen nedan."))
            return ""  # told as information
        return _("Planeringen är startad. Resultatet visas här när den är klar.")

    # A crafted time limit (the page offers a list) or a refusal: drawn again at the limit.
    outcome = run_form_action(
        request,
        forms.PlanForm(request.POST),
        lambda data: services.plan_day_request(
            staff=request.hemma.staff, unit=request.hemma.unit, day=day, seconds=data["seconds"]
        ),
        done,
        retry=True,
    )
    if outcome.result is None:  # refused, or a repeat of a planning already started
        return redirect(planner_url(day))
    return redirect(f"{planner_url(day)}&job={outcome.result.pk}#plan-job")


def _plan_job(request, unit, day):
    """The planning job to show: the one just started (?job=), else one running now."""
    job_id = request.GET.get("job", "")
    if job_id.isdigit():
        job = job_selectors.job_for_unit(unit, int(job_id), kind=Job.Kind.PLAN_DAY)
        if job is not None and job.params.get("day") == f"{day:%Y-%m-%d}":
            return job
    key = job_services.dedupe_key(Job.Kind.PLAN_DAY, unit, {"day": f"{day:%Y-%m-%d}"})
    return job_selectors.active_job(unit, Job.Kind.PLAN_DAY, key)
