"""The questionnaire's results as pure functions (no Django): answers and offers counted
per ward and period (month or quarter), the distribution per question and the share who
agree fully or partly – then suppressed for showing with the outcome dashboard's rules
(`hemma.insights.measures`): a cell of fewer than the threshold's answers is hidden whole,
and within a shown cell each question's distribution is suppressed as a row (a hidden
count cannot be worked out from the total)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from hemma.insights.measures import hidden, suppress_row

SCALE = (5, 4, 3, 2, 1, 0)  # the order shown: instämmer helt … vill inte svara
AGREE = (5, 4)  # "instämmer helt/delvis"
GRAINS = ("month", "quarter")
TOTAL = None  # the bucket of a ward's whole period


def bucket(month: date, grain: str) -> date:
    """The first day of the month, or of the quarter, that `month` falls in."""
    if grain == "quarter":
        return date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
    return month.replace(day=1)


def label(first: date | None, grain: str) -> str:
    if first is None:
        return ""
    if grain == "quarter":
        return f"{first.year} K{(first.month - 1) // 3 + 1}"
    return f"{first:%Y-%m}"


@dataclass
class Tally:
    """The plain counts of one ward and period."""

    offered: int = 0  # discharged episodes the questionnaire was offered to
    answers: int = 0
    # question → count per scale value (index = the value, 0 = vill inte svara)
    counts: dict[str, list[int]] = field(default_factory=dict)

    def add(self, questions: tuple[str, ...], values: tuple[int, ...]) -> None:
        self.answers += 1
        for question, value in zip(questions, values, strict=True):
            self.counts.setdefault(question, [0] * 6)[value] += 1


def tally(
    offered: Iterable[tuple[int, date, int]],
    answers: Iterable[tuple[int, date, tuple[int, ...]]],
    questions: tuple[str, ...],
    grain: str = "month",
) -> dict[tuple[int, date | None], Tally]:
    """Counts per (ward, period) and per (ward, TOTAL) for the whole range.

    `offered`: (ward id, month of discharge, discharged episodes); `answers`: (ward id, month
    of the episode's discharge, the values in the order of `questions`). An answer is
    counted in its episode's discharge month, so the response rate is answers / offered."""
    found: dict[tuple[int, date | None], Tally] = {}

    def at(ward: int, first: date | None) -> Tally:
        return found.setdefault((ward, first), Tally(counts={q: [0] * 6 for q in questions}))

    for ward, month, count in offered:
        for first in (bucket(month, grain), TOTAL):
            at(ward, first).offered += count
    for ward, month, values in answers:
        for first in (bucket(month, grain), TOTAL):
            at(ward, first).add(questions, values)
    return found


@dataclass
class QuestionResult:
    question: str
    distribution: list[tuple[int, int | None]]  # (scale value, count or None = hidden)
    agree_percent: int | None  # instämmer helt/delvis among those who took a stand


@dataclass
class Shown:
    offered: int | None
    answers: int | None
    rate_percent: int | None
    questions: list[QuestionResult]

    @property
    def hidden(self) -> bool:
        return self.answers is None


def _percent(part: int, whole: int, threshold: int) -> int | None:
    if whole == 0 or hidden(whole, threshold) or hidden(part, threshold):
        return None
    return round(part / whole * 100)


def shown(result: Tally, questions: tuple[str, ...], threshold: int) -> Shown:
    """What may be shown of one cell: nothing but the offer count below the threshold's
    answers; otherwise the counts with each question's distribution suppressed."""
    offered = None if hidden(result.offered, threshold) else result.offered
    if hidden(result.answers, threshold):
        return Shown(offered, None, None, [QuestionResult(q, [], None) for q in questions])
    rate = _percent(result.answers, result.offered, threshold) if result.offered else None
    rows = []
    for question in questions:
        counts = result.counts.get(question, [0] * 6)
        cells, _total = suppress_row([counts[v] for v in SCALE], threshold)
        took_stand = sum(counts[1:])
        agree = sum(counts[v] for v in AGREE)
        rows.append(
            QuestionResult(
                question,
                list(zip(SCALE, cells, strict=True)),
                _percent(agree, took_stand, threshold),
            )
        )
    return Shown(offered, result.answers, rate, rows)
