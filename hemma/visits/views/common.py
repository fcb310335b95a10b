"""The access policy once for every visits view: the unit-wide planning is a home health
unit's (`unit_refused`), an action on a visit asks the see question on its episode and
`may_do` (`visit_refused`), ids the page could not have offered are denied like unknown
ones (`deny_unlisted`, `unit_visit`). And the planning day a request asks for."""

from datetime import date

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date

from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.clinical.identifiers import row_id
from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import NotAllowed
from hemma.patients.policy import require_action
from hemma.patients.selectors import deny

from .. import services
from ..models import Visit

EDIT = AccessLogEntry.Action.EDIT_PATIENT


def day_of(request) -> date:
    """The planning day asked for (?day= or a posted day), today's by default."""
    value = request.GET.get("day") or request.POST.get("day") or ""
    try:
        day = parse_date(value) if value else None
    except ValueError:  # well formed but impossible (2026-02-30): not a 500
        day = None
    return day or services.planning_day(timezone.now())


def planner_url(day: date, anchor: str = "") -> str:
    return f"{reverse('visits:planner')}?day={day:%Y-%m-%d}{anchor}"


def home_health_only(request):
    """The planner page is a home health unit's; anyone else gets the explanation, 403."""
    try:
        services.require_visiting_unit(request.hemma.staff, request.hemma.unit)
    except NotAllowed:
        return render(request, "visits/not_here.html", status=403)
    return None


def denied_403(request, what: str, message: str, patient=None) -> HttpResponse:
    """A refused action: a denied entry naming the object, the reason, 403; nothing changed."""
    access_log_record(
        staff=request.hemma.staff,
        unit=request.hemma.unit,
        patient=patient,
        action=EDIT,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.DENIED,
        detail=what,
    )
    messages.error(request, message)
    return render(request, "web/error.html", {"status": 403}, status=403)


def unit_refused(request, what: str) -> HttpResponse | None:
    """The unit-wide planning (shifts, generating, planning the day) is a home health
    unit's: anyone else gets a denied entry and 403."""
    try:
        services.require_visiting_unit(request.hemma.staff, request.hemma.unit)
    except NotAllowed as error:
        return denied_403(request, f"{what}: refused", error.message)
    return None


def visit_refused(request, visit: Visit, action: str, what: str) -> HttpResponse | None:
    """The see question on the visit's episode (home care and a revoked consent: a denied
    entry and 404), then `may_do` (refused: a denied entry and 403)."""
    staff, unit = request.hemma.staff, request.hemma.unit
    access = get_episode_for_user(
        staff=staff, acting_unit=unit, episode_id=visit.episode_id, detail=what
    )
    if not access.access.decision.health_record:
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"{what}: not the health record (home care)",
            patient=access.episode.patient,
            action=EDIT,
        )
    try:
        require_action(staff=staff, unit=unit, action=action, episode=access.episode)
    except NotAllowed as error:
        return denied_403(
            request, f"{what}: {action} refused", error.message, access.episode.patient
        )
    return None


def deny_unlisted(request, field: str, listed: set[int], what: str) -> None:
    """A posted id the page could not have offered (another unit's, a patient the unit
    may not list, made up): a denied entry naming it, and 404."""
    posted = request.POST.get(field, "").strip()
    if posted and row_id(posted) not in listed:
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"{what} id={posted[:20]}",
            action=EDIT,
        )


def unit_visit(request, visit_id, what: str) -> Visit:
    """One of the acting unit's own visits; any other id: a denied entry and 404."""
    visit = Visit.objects.filter(pk=visit_id).select_related("episode__patient").first()
    if visit is None or visit.unit_id != request.hemma.unit.pk:
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"visit id={visit_id} {what}",
            patient=visit.episode.patient if visit is not None else None,
            action=EDIT,
        )
    return visit
