"""Staff: the ward's daily digital round (home health care reads the ward's protocol for
the patients it visits) and one patient's decision at it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.accounts.models import Unit
from hemma.episodes.hooks import round_panels_context
from hemma.errors import HemmaError
from hemma.patients.policy import allowed_actions
from hemma.web.actions import log_list
from hemma.web.decorators import staff_required

from .. import forms, selectors, services
from .policy import health_record_episode, labels, refused


def _day(value: str | None):
    """The day asked for, or today (a malformed or impossible date is not a 500)."""
    try:
        return parse_date(value or "") or timezone.localdate()
    except ValueError:
        return timezone.localdate()


@staff_required
def round_view(request):
    staff, unit = request.hemma.staff, request.hemma.unit
    day = _day(request.GET.get("day"))
    if unit.kind != Unit.Kind.WARD:
        # Home health care reads the ward's protocol for the patients it visits.
        entries = selectors.round_protocol(staff, unit, day)
        log_list(request, f"round protocol {day}", [e.episode.patient for e in entries])
        return render(request, "monitoring/round_protocol.html", {"day": day, "entries": entries})
    rows = selectors.round_list(staff, unit, day, labels())
    # What the apps around the episode add to each row (visit notes, doses, labs), each in
    # a constant number of queries for the whole list.
    extra = round_panels_context(staff, unit, [row["episode"] for row in rows], day)
    for row in rows:
        row.update(extra[row["episode"].pk])
        allowed = allowed_actions(staff=staff, unit=unit, episode=row["episode"])
        entry = row["entry"]
        row["allowed"] = allowed
        # A physician's decision is changed only by whoever may decide it.
        row["may_record"] = "round" in allowed and (
            entry is None or services.round_action(entry.decision) in allowed
        )
    log_list(request, f"digital round {day}", [row["episode"].patient for row in rows])
    return render(
        request,
        "monitoring/round.html",
        {
            "day": day,
            "rows": rows,
            "form": forms.RoundForm(),
            "previous": day.fromordinal(day.toordinal() - 1),
            "next": day.fromordinal(day.toordinal() + 1),
        },
    )


@staff_required
@require_POST
def round_record(request, episode_id):
    day = _day(request.POST.get("day"))
    what = f"round {day}, episode {episode_id}"
    episode = health_record_episode(request, episode_id, what)
    action = services.round_action(request.POST.get("decision", ""))
    if (refusal := refused(request, episode, "round", what)) is not None:
        return refusal
    if (refusal := refused(request, episode, action, what)) is not None:
        return refusal
    form = forms.RoundForm(request.POST)
    back = reverse("monitoring:round") + f"?day={day.isoformat()}"
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("Kontrollera uppgifterna: %(errors)s") % {"errors": errors})
        return redirect(back)
    try:
        entry = services.round_record(
            staff=request.hemma.staff,
            unit=request.hemma.unit,
            episode=episode,
            day=day,
            decision=form.cleaned_data["decision"],
            participants=form.participant_list(),
            note=form.cleaned_data["note"],
            video_link=form.cleaned_data["video_link"],
        )
    except HemmaError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(
        request, _("Ronden är sparad för %(name)s.") % {"name": episode.patient.full_name}
    )
    # Decisions feed the flow: a revision opens the agreement, discharge the episode page.
    if entry.decision == entry.Decision.REVISE:
        return redirect("careplans:revise", episode_id=episode.pk)
    if entry.decision == entry.Decision.DISCHARGE:
        return redirect("episodes:detail", episode_id=episode.pk)
    return redirect(back)
