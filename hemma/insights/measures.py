"""Measures for the outcome dashboard, as pure functions: the seed's population measure
(ED visits per 1000 listed patients aged 80+, rolling three months) and small-number
suppression for every aggregate shown. Pure Python."""

from datetime import date
from statistics import fmean

DEFAULT_THRESHOLD = 5  # cells counting fewer patients than this are hidden


def months_back(month: date, count: int) -> list[date]:
    """`month` and the count − 1 months before it (first of each month), oldest first."""
    months, year, number = [], month.year, month.month
    for _ in range(count):
        months.append(date(year, number, 1))
        number -= 1
        if number == 0:
            year, number = year - 1, 12
    return months[::-1]


def rolling_rate_per_1000(
    visits_by_month: dict[date, int], listed_by_month: dict[date, int], month: date, window: int = 3
) -> float | None:
    """ED visits in the window (this month and the two before) per 1000 listed, using the
    mean listed population over the months of the window that have a figure. None when
    nobody is listed."""
    months = months_back(month, window)
    listed = [listed_by_month[m] for m in months if m in listed_by_month]
    if not listed or fmean(listed) == 0:
        return None
    visits = sum(visits_by_month.get(m, 0) for m in months)
    return visits / fmean(listed) * 1000


def hidden(count: int | None, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """A count of 1 … threshold − 1 identifies too few people to show; 0 is shown."""
    return count is not None and 0 < count < threshold


def suppress_row(
    counts: list[int], threshold: int = DEFAULT_THRESHOLD
) -> tuple[list[int | None], int | None]:
    """The cells and total of a row as they may be shown (None = hidden).

    Primary suppression hides small cells; secondary suppression makes sure a hidden cell
    cannot be worked out from the total minus the visible cells: when exactly one cell is
    hidden, the next smallest non-zero cell is hidden too, and if there is none the total is.
    """
    shown: list[int | None] = [None if hidden(c, threshold) else c for c in counts]
    total: int | None = sum(counts)
    if hidden(total, threshold):
        total = None
    missing = [i for i, c in enumerate(shown) if c is None]
    if total is not None and len(missing) == 1:
        candidates = [i for i, c in enumerate(shown) if c]
        if candidates:
            shown[min(candidates, key=lambda i: counts[i])] = None
        else:
            total = None
    return shown, total
