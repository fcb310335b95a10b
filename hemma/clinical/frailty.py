"""Clinical Frailty Scale (CFS) version 2.0 and the frequent-attender rule. Pure Python.

CFS © 2005–2020 Rockwood, Version 2.0 (EN). Geriatric Medicine Research, Dalhousie
University, Halifax, Canada. Swedish level names as in the Swedish translation.
"""

from datetime import date, timedelta

CFS_LEVELS = {
    1: ("Very Fit", "Mycket vital"),
    2: ("Fit", "Vital"),
    3: ("Managing Well", "Klarar sig bra"),
    4: ("Living with Very Mild Frailty", "Lever med mycket lätt skörhet"),
    5: ("Living with Mild Frailty", "Lever med lätt skörhet"),
    6: ("Living with Moderate Frailty", "Lever med måttlig skörhet"),
    7: ("Living with Severe Frailty", "Lever med uttalad skörhet"),
    8: ("Living with Very Severe Frailty", "Lever med mycket uttalad skörhet"),
    9: ("Terminally Ill", "Livets slutskede"),
}
FRAIL_FROM = 5  # CFS 5 or more: living with frailty


def cfs_name(level: int, language: str = "sv") -> str:
    if level not in CFS_LEVELS:
        raise ValueError("CFS level must be 1–9")
    english, swedish = CFS_LEVELS[level]
    return swedish if language == "sv" else english


def is_frail(level: int) -> bool:
    return level >= FRAIL_FROM


def is_frequent_attender(
    visit_dates: list[date], today: date, window_days: int, threshold: int
) -> bool:
    """At least `threshold` ED visits or admissions within the last `window_days` days."""
    start = today - timedelta(days=window_days)
    return sum(1 for visit in visit_dates if start < visit <= today) >= threshold
