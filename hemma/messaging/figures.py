"""Response-time figures of the patient messages, as pure functions (no Django).

A thread is the episode's messages in time order, each (sent_at, from_patient). The
patient waits from the first patient message the ward has not answered yet until the
ward's next message: that is one *wait*, and its length is the time to the first ward
reply. Several patient messages before one reply are one wait (the patient waited since
the first of them), so a chatty patient does not flatter the figures. A patient message
with no ward message after it is *unanswered*.

`response_figures` counts, for one period, the patient messages sent in it, the waits
that began in it (the median, and the 90th percentile by nearest rank, in minutes, over
the answered ones) and the unanswered patient messages sent in it."""

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

# (sent_at, from_patient) of one episode's messages, oldest first.
Thread = Sequence[tuple[datetime, bool]]


@dataclass(frozen=True)
class Wait:
    began: datetime  # the first patient message the ward had not answered
    answered: datetime | None  # the ward's next message; None: not yet

    @property
    def minutes(self) -> float | None:
        if self.answered is None:
            return None
        return (self.answered - self.began).total_seconds() / 60


@dataclass(frozen=True)
class ResponseFigures:
    messages: int  # patient messages sent in the period
    answered_waits: int  # waits that began in the period and have a reply
    median_minutes: float | None  # None: no answered wait
    p90_minutes: float | None
    unanswered: int  # patient messages sent in the period with no ward message after them


def waits(thread: Thread) -> list[Wait]:
    """The patient's waits in one thread (see the module's docstring)."""
    found: list[Wait] = []
    began: datetime | None = None
    for sent_at, from_patient in sorted(thread, key=lambda m: m[0]):
        if from_patient:
            if began is None:
                began = sent_at
        elif began is not None:
            found.append(Wait(began, sent_at))
            began = None
    if began is not None:
        found.append(Wait(began, None))
    return found


def unanswered(thread: Thread) -> list[datetime]:
    """The patient messages with no ward message after them."""
    ordered = sorted(thread, key=lambda m: m[0])
    last_reply = max(
        (sent_at for sent_at, from_patient in ordered if not from_patient), default=None
    )
    return [
        sent_at
        for sent_at, from_patient in ordered
        if from_patient and (last_reply is None or sent_at > last_reply)
    ]


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (0 < share ≤ 1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def response_figures(threads: Iterable[Thread], start: datetime, end: datetime) -> ResponseFigures:
    """The figures of the patient messages sent in [start, end) (see the docstring)."""
    messages = 0
    open_messages = 0
    minutes: list[float] = []
    for thread in threads:
        messages += sum(1 for sent_at, mine in thread if mine and start <= sent_at < end)
        open_messages += sum(1 for sent_at in unanswered(thread) if start <= sent_at < end)
        for wait in waits(thread):
            if start <= wait.began < end and wait.minutes is not None:
                minutes.append(wait.minutes)
    return ResponseFigures(
        messages=messages,
        answered_waits=len(minutes),
        median_minutes=statistics.median(minutes) if minutes else None,
        p90_minutes=percentile(minutes, 0.9),
        unanswered=open_messages,
    )


def shown(figures: ResponseFigures, threshold: int) -> bool:
    """Whether the figures may be shown: fewer patient messages than the threshold could
    point at one patient, and a median of one or two waits says little."""
    return figures.messages >= threshold
