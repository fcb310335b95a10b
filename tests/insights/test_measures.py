"""The rolling ED measure on a hand-checked data set, and small-number suppression that never
leaks a count below the threshold (property-based)."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from hemma.insights.measures import months_back, rolling_rate_per_1000, suppress_row


def test_months_back_crosses_the_new_year():
    assert months_back(date(2025, 2, 1), 3) == [
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]


def test_rolling_three_months_per_1000_listed_aged_80_plus_by_hand():
    # Vårdcentral Kvarnen: 400, 410, 420 listed 80+ (mean 410); 9, 12 and 6 ED visits
    listed = {date(2025, 1, 1): 400, date(2025, 2, 1): 410, date(2025, 3, 1): 420}
    visits = {date(2025, 1, 1): 9, date(2025, 2, 1): 12, date(2025, 3, 1): 6, date(2024, 12, 1): 50}
    # (9 + 12 + 6) / 410 × 1000 = 65.85…; December is outside the window
    assert round(rolling_rate_per_1000(visits, listed, date(2025, 3, 1)), 2) == 65.85
    # a month without a population figure: the mean of the months that have one
    assert (
        round(rolling_rate_per_1000(visits, {date(2025, 3, 1): 420}, date(2025, 3, 1)), 2) == 64.29
    )
    assert rolling_rate_per_1000(visits, {}, date(2025, 3, 1)) is None


def test_suppression_examples():
    assert suppress_row([10, 3, 12]) == ([None, None, 12], 25)  # 3 hidden, 10 too (secondary)
    assert suppress_row([0, 3, 0]) == ([0, None, 0], None)  # only the total could reveal it
    assert suppress_row([7, 8]) == ([7, 8], 15)
    assert suppress_row([1, 1]) == ([None, None], None)


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=8), st.integers(2, 11))
def test_suppression_never_leaks_a_small_count(counts, threshold):
    shown, total = suppress_row(counts, threshold)
    for value in shown:
        assert value is None or value == 0 or value >= threshold
    assert total is None or total == 0 or total >= threshold
    hidden_cells = [i for i, value in enumerate(shown) if value is None]
    if total is not None and hidden_cells:
        # the hidden cells cannot be told apart: at least two, so total − visible is their sum
        assert len(hidden_cells) >= 2
    small = [i for i, c in enumerate(counts) if 0 < c < threshold]
    assert set(small) <= set(hidden_cells)


def test_bed_days_count_midnights_at_home_also_across_the_clock_change():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from hemma.insights.measures import bed_days, home_intervals

    tz = ZoneInfo("Europe/Stockholm")
    # home 24 Oct 14:00 → 27 Oct 10:00 2026 (the clocks go back on the 25th): 3 nights
    home = datetime(2026, 10, 24, 14, tzinfo=tz), datetime(2026, 10, 27, 10, tzinfo=tz)
    assert bed_days([home], date(2026, 10, 1), date(2026, 10, 31), tz) == 3
    # a period boundary in the middle: October 1–25 holds the nights of the 25th only…
    assert bed_days([home], date(2026, 10, 1), date(2026, 10, 25), tz) == 1
    # …and a period starting the 26th the other two
    assert bed_days([home], date(2026, 10, 26), date(2026, 11, 30), tz) == 2
    # the spring change (29 March 2026, 23-hour day) also counts one night per midnight
    spring = datetime(2026, 3, 28, 12, tzinfo=tz), datetime(2026, 3, 30, 12, tzinfo=tz)
    assert bed_days([spring], date(2026, 3, 1), date(2026, 3, 31), tz) == 2
    # home, back to the ward, home again: the nights on the ward do not count
    now = datetime(2026, 11, 10, 12, tzinfo=tz)
    timeline = [
        ("candidate", datetime(2026, 11, 1, 9, tzinfo=tz)),
        ("at_home", datetime(2026, 11, 2, 15, tzinfo=tz)),
        ("readmitted", datetime(2026, 11, 4, 20, tzinfo=tz)),
        ("at_home", datetime(2026, 11, 6, 11, tzinfo=tz)),
        ("discharged", datetime(2026, 11, 8, 9, tzinfo=tz)),
    ]
    intervals = home_intervals(timeline, now)
    assert len(intervals) == 2
    assert bed_days(intervals, date(2026, 11, 1), date(2026, 11, 30), tz) == 2 + 2


def test_readmission_within_30_days_and_percentiles():
    from datetime import datetime, timedelta

    from hemma.insights.measures import percentile, readmitted_within

    out = datetime(2026, 1, 31, 12)
    assert readmitted_within(out, [out + timedelta(days=30)])
    assert not readmitted_within(
        out, [out + timedelta(days=30, minutes=1), out - timedelta(days=1)]
    )
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3 and percentile([5, 1, 3, 2, 4], 0.9) == 5
    assert percentile([], 0.5) is None
