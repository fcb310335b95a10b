"""Reads of the messages: one thread, the ward's inbox, the unread counts (the menu badge,
the episode page, the tablet) and the ward's response-time figures. Lists are scoped by
the policy (`health_record_patients_visible_to`); the views log the patients shown."""

from collections import defaultdict
from datetime import datetime

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from hemma.accounts.models import Staff, Unit
from hemma.clinical import episode_states
from hemma.episodes.models import Episode
from hemma.patients.policy import health_record_patients_visible_to

from . import figures
from .models import Message

TO_WARD = Message.Direction.TO_WARD
TO_PATIENT = Message.Direction.TO_PATIENT


def thread(episode: Episode) -> list[Message]:
    """The episode's messages, oldest first, with who wrote and who read them."""
    return list(
        Message.objects.filter(episode=episode).select_related(
            "sender__user", "sender_unit", "read_by__user"
        )
    )


def unread_for_ward(staff: Staff | None, unit: Unit) -> QuerySet[Message]:
    """The patients' unread messages to the unit as the episodes' ward, only of patients
    whose health record the unit may list (the menu badge and the inbox count them)."""
    return Message.objects.filter(
        direction=TO_WARD,
        read_at__isnull=True,
        episode__ward=unit,
        episode__patient__in=health_record_patients_visible_to(staff, unit),
    )


def unread_count(episode: Episode, direction: str = TO_WARD) -> int:
    return Message.objects.filter(
        episode=episode, direction=direction, read_at__isnull=True
    ).count()


def needs_action(staff: Staff | None, unit: Unit) -> QuerySet[Message]:
    """What waits for the ward (the menu badge and the start page): the patients' unread
    messages of episodes still going on. A thread of an ended episode is history."""
    return unread_for_ward(staff, unit).exclude(episode__state__in=episode_states.FINAL_STATES)


# The inbox's filters, in the order of the page's tabs: threads of episodes going on, those
# with an unread patient message, and (only here) the threads of ended episodes.
INBOX_FILTERS = ("current", "unread", "historic")


def _inbox_filters() -> dict[str, Q]:
    ongoing = ~Q(state__in=episode_states.FINAL_STATES)
    unread = Exists(
        Message.objects.filter(episode=OuterRef("pk"), direction=TO_WARD, read_at__isnull=True)
    )
    return {"current": ongoing, "unread": ongoing & Q(unread), "historic": ~ongoing}


def _threads(staff: Staff | None, unit: Unit) -> QuerySet[Episode]:
    """The ward's episodes with messages, of patients whose health record it may list."""
    return Episode.objects.filter(
        Exists(Message.objects.filter(episode=OuterRef("pk"))),
        ward=unit,
        patient__in=health_record_patients_visible_to(staff, unit),
    )


def inbox(staff: Staff | None, unit: Unit, status: str = "current") -> QuerySet[Episode]:
    """The ward's threads under one filter, unread ones first, then the latest, in a
    stable order (to be paged; one query a page however many threads). Each episode
    carries `unread`, `last_at` and `last_from_patient_at`. Other units have none."""
    if unit.kind != Unit.Kind.WARD:
        return Episode.objects.none()
    return (
        _threads(staff, unit)
        .filter(_inbox_filters()[status])
        .select_related("patient")
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__direction=TO_WARD, messages__read_at__isnull=True),
            ),
            last_at=Max("messages__sent_at"),
            last_from_patient_at=Max("messages__sent_at", filter=Q(messages__direction=TO_WARD)),
        )
        .order_by("-unread", "-last_at", "pk")
    )


def inbox_counts(staff: Staff | None, unit: Unit) -> dict[str, int]:
    """How many threads each filter shows, in one query (none for a unit not a ward)."""
    if unit.kind != Unit.Kind.WARD:
        return dict.fromkeys(INBOX_FILTERS, 0)
    return _threads(staff, unit).aggregate(
        **{name: Count("pk", filter=condition) for name, condition in _inbox_filters().items()}
    )


def response_figures(ward: Unit, start: datetime, end: datetime) -> figures.ResponseFigures:
    """The ward's figures for patient messages sent in [start, end): the whole thread of
    every episode with such a message (earlier messages decide when a wait began, replies
    after `end` still answer it), in one query."""
    episodes = Message.objects.filter(
        episode__ward=ward, direction=TO_WARD, sent_at__gte=start, sent_at__lt=end
    ).values("episode_id")
    threads: dict[int, list] = defaultdict(list)
    for episode_id, sent_at, direction in (
        Message.objects.filter(episode_id__in=episodes)
        .order_by("sent_at", "pk")
        .values_list("episode_id", "sent_at", "direction")
    ):
        threads[episode_id].append((sent_at, direction == TO_WARD))
    return figures.response_figures(threads.values(), start, end)
