"""Reads of care requests: only the sending and the receiving unit see a request, and
every opening is access-logged against the patient."""

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record

from .models import CareRequest


def _with_details(requests: QuerySet) -> QuerySet:
    return requests.select_related(
        "episode__patient", "from_unit", "to_unit", "sent_by__user"
    ).annotate(
        antibiotics=Count("medications", filter=Q(medications__is_antibiotic=True)),
        open_first=Case(
            When(status__in=CareRequest.OPEN_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    )


def inbox_for_unit(unit: Unit) -> QuerySet:
    """Requests to the unit: unanswered first, newest first."""
    return _with_details(CareRequest.objects.filter(to_unit=unit)).order_by(
        "open_first", "-sent_at"
    )


def sent_by_unit(unit: Unit) -> QuerySet:
    return _with_details(CareRequest.objects.filter(from_unit=unit)).order_by(
        "open_first", "-sent_at"
    )


def unread_count(unit: Unit) -> int:
    return (
        CareRequest.objects.filter(to_unit=unit, read_at__isnull=True)
        .exclude(status=CareRequest.Status.WITHDRAWN)
        .count()
    )


def requests_for_episode(episode) -> QuerySet:
    return CareRequest.objects.filter(episode=episode).select_related("to_unit")


@dataclass(frozen=True)
class CareRequestAccess:
    care_request: CareRequest
    is_sender: bool
    is_receiver: bool


def get_care_request_for_user(
    *,
    staff: Staff,
    unit: Unit,
    request_id: int,
    action: str = AccessLogEntry.Action.VIEW_PATIENT,
) -> CareRequestAccess:
    """The sending and receiving units read the request (what it shares about the patient);
    anyone else gets a 404 and a denied entry in the access log."""
    care_request = (
        CareRequest.objects.select_related(
            "episode__patient",
            "episode__ward",
            "from_unit",
            "to_unit",
            "sent_by__user",
            "read_by__user",
            "answered_by__user",
            "agreement_version",
        )
        .filter(pk=request_id)
        .first()
    )
    member = staff.memberships.filter(unit=unit).exists()
    allowed = (
        care_request is not None
        and member
        and unit.pk in (care_request.from_unit_id, care_request.to_unit_id)
    )
    access_log_record(
        staff=staff,
        unit=unit,
        patient=care_request.episode.patient if care_request else None,
        action=action,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED if allowed else AccessLogEntry.Outcome.DENIED,
        detail=f"care request id={request_id}",
    )
    if not allowed:
        raise Http404("No care request")
    return CareRequestAccess(
        care_request,
        is_sender=unit.pk == care_request.from_unit_id,
        is_receiver=unit.pk == care_request.to_unit_id,
    )
