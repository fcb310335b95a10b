"""Does a planned activity's free-text "when" ("Dagligen 08", "Mån, ons, fre",
"Måndag och torsdag", "Dag 1, 19") apply on a given day? Pure: no Django.

Written for the agreement's plain-Swedish times; anything it does not recognise as a
weekday or a day number applies every day, so nothing is hidden by mistake.
"""

import re
from datetime import date

WEEKDAYS = (
    ("måndag", "mån"),
    ("tisdag", "tis"),
    ("onsdag", "ons"),
    ("torsdag", "tor"),
    ("fredag", "fre"),
    ("lördag", "lör"),
    ("söndag", "sön"),
)
_WORD = re.compile(r"[a-zåäö]+")
_DAY_NUMBER = re.compile(r"\bdag (\d+)\b")


def weekdays_named(when: str) -> set[int]:
    """The weekdays (0 = Monday) a text names, full or abbreviated, singular or plural."""
    named = set()
    for word in _WORD.findall(when.casefold()):
        for number, (full, short) in enumerate(WEEKDAYS):
            if word in (full, short, full + "ar", short + "dagar"):
                named.add(number)
    return named


def applies_on(when: str, day: date, day_of_stay: int | None = None) -> bool:
    """True when the activity is due on `day` (day_of_stay: 1 on the first day at home)."""
    text = when.casefold()
    if "vardag" in text and day.weekday() >= 5:
        return False
    days = weekdays_named(text)
    if days:
        return day.weekday() in days
    match = _DAY_NUMBER.search(text)
    if match and day_of_stay is not None:
        return int(match.group(1)) == day_of_stay
    return True
