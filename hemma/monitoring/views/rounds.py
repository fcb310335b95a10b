"""Staff: the ward's daily digital round (home health care reads the ward's protocol for
the patients it visits) and one patient's decision at it."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.accounts.models import Unit
from hemma.episodes.hooks import round_panels_context
from hemma.patients.policy import allowed_actions
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import not_saved_message, retry_row

from .. import forms, selectors, services
from ..models import RoundEntry
from .policy import health_record_episode, labels, refused


def _day(value: str | None):
    """The day asked for, or today (a malformed or impossible date is not a 500)."""
    try:
        return parse_date(value or "") or timezone.localdate()
    except ValueError:
        return timezone.localdate()


FILTERS = ("all", "pending")  # every patient, or those without a decision on the day


def _filter(value: str | None) -> str:
    return value if value in FILTERS else "all"


def _page_number(value: str | None) -> int:
    """The page asked for: a positive number of at most six digits, else the first."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) <= 6 else 1


def _round_url(day, show: str, page: int) -> str:
    query = {"day": day.isoformat()}
    if show != "all":
        query["filter"] = show
    if page > 1:
        query["page"] = page
    return reverse("monitoring:round") + "?" + urlencode(query)


@staff_required
def round_view(request):
    staff, unit = request.hemma.staff, request.hemma.unit
    day = _day(request.GET.get("day"))
    if unit.kind != Unit.Kind.WARD:
        # Home health care reads the ward's protocol for the patients it visits.
        entries, blocked = selectors.round_protocol(staff, unit, day)
        log_list(request, f"round protocol {day}", [e.episode.patient for e in entries])
        return render(
            request,
            "monitoring/round_protocol.html",
            {"day": day, "entries": entries, "blocked": blocked},
        )
    # Those needing attention first, a page at a time: the page's rows cost the same
    # however many patients are at home (bench/round.py).
    everyone = selectors.round_order(staff, unit, day)
    pending = [place for place in everyone if not place.reviewed]
    show = _filter(request.GET.get("filter"))
    paginator = Paginator(pending if show == "pending" else everyone, selectors.ROUND_PAGE_SIZE)
    page = paginator.get_page(_page_number(request.GET.get("page")))
    rows = selectors.round_list(staff, unit, day, labels(), list(page.object_list))
    # What the apps around the episode add to each row (visit notes, doses, labs), each in
    # a constant number of queries for the page.
    extra = round_panels_context(staff, unit, [row["episode"] for row in rows], day)
    choices = forms.RoundForm.base_fields["decision"].choices
    for row in rows:
        row.update(extra[row["episode"].pk])
        allowed = allowed_actions(staff=staff, unit=unit, episode=row["episode"])
        entry = row["entry"]
        row["allowed"] = allowed
        # A physician's decision is changed only by whoever may decide it.
        row["may_record"] = "round" in allowed and (
            entry is None or services.round_action(entry.decision) in allowed
        )
        # The decisions the unit may record (the ward nurse: "continue" only).
        row["decisions"] = [
            (value, label, entry is not None and entry.decision == value)
            for value, label in choices
            if value == RoundEntry.Decision.CONTINUE or "round_decision" in allowed
        ]
    # A decision whose save failed: its errors and typed values in its patient's row, once.
    retried = retry_row(request, forms.RoundForm, prefix=reverse("monitoring:round"))
    for row in rows:
        url = reverse("monitoring:round_record", args=[row["episode"].pk])
        row["retry"] = retried.form if retried is not None and retried.action == url else None
    if (
        retried is not None
        and all(row["retry"] is None for row in rows)
        and not retried.form.non_field_errors()  # a refusal was said already
    ):
        # Its patient is not on this page (any more): the errors by the fields' labels.
        messages.error(request, not_saved_message(retried.form))
    log_list(request, f"digital round {day}", [row["episode"].patient for row in rows])
    return render(
        request,
        "monitoring/round.html",
        {
            "day": day,
            "is_today": day == timezone.localdate(),
            "rows": rows,
            "previous": day.fromordinal(day.toordinal() - 1),
            "next": day.fromordinal(day.toordinal() + 1),
            "show": show,
            "page": page,
            "total": len(everyone),
            "pending_count": len(pending),
            "page_links": [
                (number, _round_url(day, show, number)) for number in paginator.page_range
            ],
            "all_url": _round_url(day, "all", 1),
            "pending_url": _round_url(day, "pending", 1),
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
    # Back to the page and filter the decision was recorded from.
    back = _round_url(
        day, _filter(request.POST.get("filter")), _page_number(request.POST.get("page"))
    )
    saved = []
    ok = run_form_action(
        request,
        form,
        lambda data: saved.append(
            services.round_record(
                staff=request.hemma.staff,
                unit=request.hemma.unit,
                episode=episode,
                day=day,
                decision=data["decision"],
                participants=form.participant_list(),
                note=data["note"],
                video_link=data["video_link"],
            )
        ),
        _("Ronden är sparad för %(name)s.") % {"name": episode.patient.full_name},
        retry=True,  # drawn again in the patient's row of the round
    )
    if not ok or not saved:  # not saved, or a repeat of a saved form
        return redirect(back)
    entry = saved[0]
    # Decisions feed the flow: a revision opens the agreement, discharge the episode page.
    if entry.decision == entry.Decision.REVISE:
        return redirect("careplans:revise", episode_id=episode.pk)
    if entry.decision == entry.Decision.DISCHARGE:
        return redirect("episodes:detail", episode_id=episode.pk)
    return redirect(back)
