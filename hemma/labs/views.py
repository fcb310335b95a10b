"""Staff: one episode's lab results – the table, a trend per analyte, and the form the
ward or the visiting team enters a result with (record_lab)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import HemmaError
from hemma.patients.policy import may_do
from hemma.patients.selectors import blocks_for_page
from hemma.web.decorators import staff_required
from hemma.web.idempotency import AlreadySubmitted, already_saved, submit_once

from . import selectors, services
from .forms import LabResultForm


@staff_required
@require_http_methods(["GET", "POST"])
def episode_labs(request, episode_id):
    staff, unit = request.hemma.staff, request.hemma.unit
    posting = request.method == "POST"
    episode = get_episode_for_user(
        staff=staff,
        acting_unit=unit,
        episode_id=episode_id,
        detail=f"lab results of episode {episode_id}" + (" (record)" if posting else ""),
        health_record=True,
        do="record_lab" if posting else "",
    ).episode
    form = None
    may_record = episode.is_open and may_do(
        staff=staff, unit=unit, action="record_lab", episode=episode
    )
    if may_record:
        form = LabResultForm(
            request.POST if posting else None,
            episode=episode,
            initial={"taken_at": timezone.localtime().replace(second=0, microsecond=0)},
        )
    if posting and form is not None and form.is_valid():
        url = request.path
        try:
            with submit_once(request, result_url=url):
                services.lab_result_record(
                    staff=staff, unit=unit, episode=episode, **form.cleaned_data
                )
        except AlreadySubmitted as repeat:
            return already_saved(request, repeat, url)
        except HemmaError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Provsvaret är sparat."))
            return redirect("labs:episode", episode_id=episode.pk)
    blocks = blocks_for_page(
        staff=staff,
        acting_unit=unit,
        patient=episode.patient,
        where=f"labs of episode {episode.pk}",
    )
    every = selectors.results_for_episode(episode)
    results = [r for r in every if r.unit_id not in blocks.hidden]
    return render(
        request,
        "labs/episode.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "results": results,
            "trends": selectors.trends(results),
            "blocked": len(results) != len(every),
            "form": form,
        },
        status=400 if posting and form is not None and form.errors else 200,
    )
