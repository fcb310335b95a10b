"""Reads of care requests. A request is seen by its sending and its receiving unit, and only
while that unit may see the patient (patients.policy: an open or in-grace care relationship
of the acting unit, and for a municipal unit the patient's consent to sharing) – so lists,
counters and pages follow the record, and a revoked consent hides a request at once. A
home-care unit (SoL) sees only requests addressed to it, without the health record
(medication list, agreement). Every opening is access-logged; every refusal writes a denied
entry naming the request."""

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.clinical import episode_states
from hemma.episodes.models import Episode
from hemma.patients.policy import (
    AccessDecision,
    decide_unit_access,
    is_care_member,
    may_do,
    patients_visible_to,
)
from hemma.patients.selectors import deny, log_granted

from .models import CareRequest, LogisticsOrder

HOME_CARE = Unit.Kind.HOME_CARE
# What each side of a request may do on it (the state is the service's to check).
RECEIVER_ACTIONS = frozenset({"accept", "decline", "ask"})
SENDER_ACTIONS = frozenset({"answer", "withdraw"})


def _with_details(requests: QuerySet, unit: Unit) -> QuerySet:
    # The antibiotic flag comes from the medication list: health record, not for home care.
    antibiotics = (
        Value(0, output_field=IntegerField())
        if unit.kind == HOME_CARE
        else Count("medications", filter=Q(medications__is_antibiotic=True))
    )
    return requests.select_related(
        "episode__patient", "from_unit", "to_unit", "sent_by__user"
    ).annotate(
        antibiotics=antibiotics,
        open_first=Case(
            When(status__in=CareRequest.OPEN_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    )


def visible_requests(staff: Staff | None, unit: Unit) -> QuerySet:
    """Requests the unit sent or received, of patients the unit may list now."""
    return CareRequest.objects.filter(
        Q(to_unit=unit) | Q(from_unit=unit),
        episode__patient__in=patients_visible_to(staff, unit),
    )


def inbox_for_unit(unit: Unit, staff: Staff | None) -> QuerySet:
    """Requests to the unit: unanswered first, newest first."""
    requests = visible_requests(staff, unit).filter(to_unit=unit)
    return _with_details(requests, unit).order_by("open_first", "-sent_at")


def unread_requests(staff: Staff | None, unit: Unit) -> QuerySet:
    """Unread requests to the unit (the menu badge): hidden patients are not counted."""
    return (
        visible_requests(staff, unit)
        .filter(to_unit=unit, read_at__isnull=True)
        .exclude(status=CareRequest.Status.WITHDRAWN)
    )


def unread_count(unit: Unit, staff: Staff | None) -> int:
    return unread_requests(staff, unit).count()


def _ongoing() -> Q:
    """A request of an episode still going on, not withdrawn: the rest is history."""
    return ~Q(episode__state__in=episode_states.FINAL_STATES) & ~Q(
        status=CareRequest.Status.WITHDRAWN
    )


# The inbox's status filters, in the order of the page's tabs. Only "historic" shows the
# requests of ended episodes and withdrawn ones; "unread" is not yet opened by the receiver.
INBOX_FILTERS: dict[str, Q] = {
    "current": _ongoing(),
    "unread": _ongoing() & Q(read_at__isnull=True),
    "open": _ongoing() & Q(status__in=CareRequest.OPEN_STATUSES),
    "answered": _ongoing()
    & Q(status__in=(CareRequest.Status.ACCEPTED, CareRequest.Status.DECLINED)),
    "historic": ~_ongoing(),
}


def inbox_box(staff: Staff | None, unit: Unit, box: str) -> QuerySet:
    """The requests the unit received (or sent), of patients it may list now."""
    side = Q(to_unit=unit) if box == "received" else Q(from_unit=unit)
    return CareRequest.objects.filter(side, episode__patient__in=patients_visible_to(staff, unit))


def inbox_page_requests(staff: Staff | None, unit: Unit, box: str, status: str) -> QuerySet:
    """One box under one status filter: unanswered first, newest first (to be paged)."""
    requests = inbox_box(staff, unit, box).filter(INBOX_FILTERS[status])
    return _with_details(requests, unit).order_by("open_first", "-sent_at", "-pk")


def inbox_counts(staff: Staff | None, unit: Unit, box: str) -> dict[str, int]:
    """How many requests each status filter shows, in one query."""
    return inbox_box(staff, unit, box).aggregate(
        **{name: Count("pk", filter=condition) for name, condition in INBOX_FILTERS.items()}
    )


def needs_action(staff: Staff | None, unit: Unit) -> QuerySet:
    """What waits for this unit (the menu badge and the start page): requests to it not yet
    answered, and its own requests with a question to answer – of ongoing episodes and
    patients it may list. An old request nobody marked read is not work."""
    return visible_requests(staff, unit).filter(
        _ongoing(),
        Q(to_unit=unit, status=CareRequest.Status.SENT)
        | Q(from_unit=unit, status=CareRequest.Status.QUESTION),
    )


def requests_for_episode(
    episode, unit: Unit | None = None, hidden: frozenset[int] = frozenset()
) -> QuerySet:
    """The episode's requests; a home-care unit sees only those addressed to it.

    Blocking (spärr): a request is its sending unit's documentation. Sent to a unit, it is
    a disclosure to that unit, not the shared record, so its sender and its addressee see
    it whatever the patient has blocked; anyone else does not see the requests a unit in
    `hidden` (patients.policy.blocked_units_for of the reader) sent."""
    requests = CareRequest.objects.filter(episode=episode).select_related("to_unit")
    if unit is not None and unit.kind == HOME_CARE:
        requests = requests.filter(to_unit=unit)
    if hidden:
        party = Q(to_unit=unit) | Q(from_unit=unit) if unit is not None else Q(pk__in=[])
        requests = requests.filter(party | ~Q(from_unit_id__in=hidden))
    return requests


def live_request_kinds(episode: Episode) -> set[str]:
    """The kinds of the episode's requests that are sent, asked about or accepted; a care
    request at home counts only when it went to the episode's visiting unit."""
    live = CareRequest.objects.filter(episode=episode, status__in=CareRequest.LIVE_STATUSES)
    kinds = set(live.exclude(kind=CareRequest.Kind.HOME_HEALTH).values_list("kind", flat=True))
    if live.filter(
        kind=CareRequest.Kind.HOME_HEALTH, to_unit_id=episode.home_health_unit_id
    ).exists():
        kinds.add(CareRequest.Kind.HOME_HEALTH)
    return kinds


def open_logistics_count(episode: Episode) -> int:
    """The episode's logistics orders not yet delivered."""
    return (
        LogisticsOrder.objects.filter(episode=episode)
        .exclude(status=LogisticsOrder.Status.DELIVERED)
        .count()
    )


@dataclass(frozen=True)
class CareRequestAccess:
    care_request: CareRequest
    is_sender: bool
    is_receiver: bool
    decision: AccessDecision

    @property
    def health_record(self) -> bool:
        """HSL: the medication list and the agreement. A home-care unit (SoL) reads only
        what its own request says."""
        return self.decision.health_record

    @property
    def shows_medications(self) -> bool:
        return self.health_record and self.care_request.kind == CareRequest.Kind.HOME_HEALTH

    @property
    def allowed(self) -> frozenset[str]:
        """The actions this side may take on the request (templates show exactly these)."""
        return (RECEIVER_ACTIONS if self.is_receiver else frozenset()) | (
            SENDER_ACTIONS if self.is_sender else frozenset()
        )


def get_care_request_for_user(
    *,
    staff: Staff,
    unit: Unit,
    request_id: int,
    action: str = AccessLogEntry.Action.VIEW_PATIENT,
) -> CareRequestAccess:
    """The sending or receiving unit, while it may see the patient, reads the request;
    anyone else – and any unknown id – gets a 404 and a denied entry in the access log."""
    what = f"care request id={request_id}"
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
    if care_request is None:
        deny(staff=staff, acting_unit=unit, what=what, action=action)
    patient = care_request.episode.patient
    is_sender = unit.pk == care_request.from_unit_id
    is_receiver = unit.pk == care_request.to_unit_id
    member = is_care_member(staff, unit)
    decision = (
        decide_unit_access(staff=staff, unit=unit, patient=patient)
        if member and (is_sender or is_receiver)
        else None
    )
    if decision is None or not decision.granted:
        deny(staff=staff, acting_unit=unit, what=what, patient=patient, action=action)
    log_granted(staff=staff, decision=decision, patient=patient, action=action, detail=what)
    return CareRequestAccess(care_request, is_sender, is_receiver, decision)


def get_episode_for_action(
    *,
    staff: Staff,
    unit: Unit,
    episode_id: int,
    episode_action: str | None,
    detail: str,
    action: str = AccessLogEntry.Action.VIEW_PATIENT,
) -> Episode:
    """An episode page of this app (a new care request, logistics): the acting unit itself
    must see the patient's health record (HSL; not a home-care unit), and for a change its
    role must allow `episode_action` (policy.EPISODE_ACTIONS). A refusal – or an unknown
    episode – is a 404 with a denied entry naming the page."""
    episode = (
        Episode.objects.select_related(
            "patient__listed_unit",
            "patient__home_municipality",
            "ward__organisation",
            "home_health_unit__organisation",
        )
        .filter(pk=episode_id)
        .first()
    )
    if episode is None:
        deny(
            staff=staff, acting_unit=unit, what=f"{detail} (episode id={episode_id})", action=action
        )
    allowed = episode_action is None or may_do(
        staff=staff, unit=unit, action=episode_action, episode=episode
    )
    decision = (
        decide_unit_access(staff=staff, unit=unit, patient=episode.patient) if allowed else None
    )
    if decision is None or not decision.health_record:
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"{detail} (episode id={episode_id}, {episode_action or 'view'})",
            patient=episode.patient,
            action=action,
        )
    log_granted(
        staff=staff, decision=decision, patient=episode.patient, action=action, detail=detail
    )
    return episode
