"""CSV files from the region's data warehouse, read and validated line by line: good rows
come back as dataclasses, bad rows as Swedish errors naming the line ("Rad 4: …", through
gettext like the HSA catalogue's); nothing is stored here (services.py does that,
idempotently). No Django apart from gettext.

- ED visits: person (personnummer or a pseudonym), date, age, primary care centre,
  municipality;
- listed population: primary care centre, month (YYYY-MM), age band ("80+", "65-79"), count
  (and optionally the centre's municipality);
- ward bed-days: ward, month, bed-days;
- admissions (inpatient stays, vårdtillfällen): person (as for ED visits), admitted on,
  discharged on, ward or hospital, primary care centre, municipality, age, and optionally
  whether the stay was a hospital-at-home episode (ja/nej, yes/no, 1/0, x).

Separator ";" or ",", a header line with the column names (Swedish or English), UTF-8
(a byte-order mark is fine)."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
AGE_BAND = re.compile(r"^(\d{1,3})(?:-(\d{1,3})|\+)$")


@dataclass(frozen=True)
class EdVisitRow:
    person: str
    visited_on: date
    age: int
    centre: str
    municipality: str


@dataclass(frozen=True)
class PopulationRow:
    centre: str
    month: date  # the first of the month
    age_band: str
    count: int
    municipality: str = ""


@dataclass(frozen=True)
class BedDaysRow:
    ward: str
    month: date
    bed_days: int


@dataclass(frozen=True)
class AdmissionRow:
    person: str
    admitted_on: date
    discharged_on: date
    ward: str
    centre: str
    municipality: str
    age: int
    hospital_at_home: bool = False


@dataclass
class Parsed:
    rows: list
    errors: list[str]  # "Rad N: …"
    lines: int


COLUMNS = {
    "ed_visits": {
        "person": ("person", "personnummer", "pseudonym", "patient"),
        "date": ("date", "datum", "besöksdatum"),
        "age": ("age", "ålder"),
        "centre": ("primary_care_centre", "vårdcentral", "listning"),
        "municipality": ("municipality", "kommun"),
    },
    "population": {
        "centre": ("primary_care_centre", "vårdcentral"),
        "month": ("month", "månad"),
        "age_band": ("age_band", "åldersgrupp"),
        "count": ("count", "antal", "listade"),
    },
    "bed_days": {
        "ward": ("ward", "avdelning"),
        "month": ("month", "månad"),
        "bed_days": ("bed_days", "vårddygn"),
    },
    "admissions": {
        "person": ("person", "personnummer", "pseudonym", "patient"),
        "admitted_on": ("admitted_on", "admitted", "inskrivningsdatum", "inskriven", "inlagd"),
        "discharged_on": (
            "discharged_on",
            "discharged",
            "utskrivningsdatum",
            "utskriven",
        ),
        "ward": ("ward", "hospital", "avdelning", "sjukhus", "vårdenhet"),
        "centre": ("primary_care_centre", "vårdcentral", "listning"),
        "municipality": ("municipality", "kommun"),
        "age": ("age", "ålder"),
    },
}


# What each column is called in an error message.
LABELS = {
    "person": gettext_lazy("person"),
    "date": gettext_lazy("datum"),
    "age": gettext_lazy("ålder"),
    "centre": gettext_lazy("vårdcentral"),
    "municipality": gettext_lazy("kommun"),
    "month": gettext_lazy("månad"),
    "age_band": gettext_lazy("åldersgrupp"),
    "count": gettext_lazy("antal"),
    "ward": gettext_lazy("avdelning"),
    "bed_days": gettext_lazy("vårddygn"),
    "admitted_on": gettext_lazy("inskrivningsdatum"),
    "discharged_on": gettext_lazy("utskrivningsdatum"),
    "hospital_at_home": gettext_lazy("sjukhusvård i hemmet"),
}


def _line(line: int, message: str) -> str:
    return _("Rad %(line)s: %(message)s") % {"line": line, "message": message}


class BadFile(ValueError):
    """The file as a whole cannot be read (no header, unknown columns); the message is
    Swedish and shown as it is."""


def _reader(text: str):
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    if not first:
        raise BadFile(_("Filen är tom."))
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return csv.reader(io.StringIO(text), delimiter=delimiter)


OPTIONAL = {
    "population": {"municipality": ("municipality", "kommun")},
    "admissions": {
        "hospital_at_home": (
            "hospital_at_home",
            "vård_i_hemmet",
            "vård i hemmet",
            "sjukhusvård_i_hemmet",
            "sjukhusvård i hemmet",
            "hemma",
        )
    },
}
EARLIEST = date(1900, 1, 1)
YES = {"ja", "j", "yes", "y", "1", "x", "true", "sant"}
NO = {"", "nej", "n", "no", "0", "false", "falskt"}


def _header(row: list[str], kind: str) -> dict[str, int]:
    names = [cell.strip().casefold() for cell in row]
    where = {}
    for key, aliases in OPTIONAL.get(kind, {}).items():
        found = [names.index(a) for a in aliases if a in names]
        if found:
            where[key] = found[0]
    for key, aliases in COLUMNS[kind].items():
        found = [names.index(a) for a in aliases if a in names]
        if not found:
            raise BadFile(
                _line(
                    1,
                    _("kolumnen för %(column)s saknas (en av: %(names)s).")
                    % {"column": LABELS[key], "names": ", ".join(aliases)},
                )
            )
        where[key] = found[0]
    return where


def _month(value: str) -> date:
    found = MONTH.match(value.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError(_("månaden %(value)r är inte ÅÅÅÅ-MM.") % {"value": value})
    return date(int(found.group(1)), int(found.group(2)), 1)


def _whole(value: str, what: str, low: int = 0, high: int = 10**9) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise ValueError(
            _("%(column)s %(value)r är inte ett heltal.") % {"column": LABELS[what], "value": value}
        ) from None
    if not low <= number <= high:
        raise ValueError(
            _("%(column)s %(number)s ligger utanför %(low)s–%(high)s.")
            % {"column": LABELS[what], "number": number, "low": low, "high": high}
        )
    return number


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(_("%(column)s saknas.") % {"column": LABELS[what]})
    return value


def _ed_visit(cells, where) -> EdVisitRow:
    raw_date = cells[where["date"]].strip()
    try:
        visited_on = date.fromisoformat(raw_date)
    except ValueError:
        raise ValueError(_("datumet %(value)r är inte ÅÅÅÅ-MM-DD.") % {"value": raw_date}) from None
    return EdVisitRow(
        person=_text(cells[where["person"]], "person"),
        visited_on=visited_on,
        age=_whole(cells[where["age"]], "age", 0, 130),
        centre=_text(cells[where["centre"]], "centre"),
        municipality=_text(cells[where["municipality"]], "municipality"),
    )


def _population(cells, where) -> PopulationRow:
    band = cells[where["age_band"]].strip().replace("–", "-")
    if not AGE_BAND.match(band):
        raise ValueError(
            _("åldersgruppen %(value)r är inte som 80+ eller 65-79.") % {"value": band}
        )
    municipality = cells[where["municipality"]].strip() if "municipality" in where else ""
    return PopulationRow(
        centre=_text(cells[where["centre"]], "centre"),
        month=_month(cells[where["month"]]),
        age_band=band,
        count=_whole(cells[where["count"]], "count"),
        municipality=municipality,
    )


def _bed_days(cells, where) -> BedDaysRow:
    return BedDaysRow(
        ward=_text(cells[where["ward"]], "ward"),
        month=_month(cells[where["month"]]),
        bed_days=_whole(cells[where["bed_days"]], "bed_days", 0, 100_000),
    )


def _day(value: str, what: str, today: date) -> date:
    """A date YYYY-MM-DD that can be true: not before 1900, not more than a year ahead."""
    raw = value.strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            _("%(column)s %(value)r är inte ÅÅÅÅ-MM-DD.") % {"column": LABELS[what], "value": raw}
        ) from None
    if day < EARLIEST or day > today + timedelta(days=366):
        raise ValueError(
            _("%(column)s %(value)s är inte ett möjligt datum.")
            % {"column": LABELS[what], "value": raw}
        )
    return day


def _flag(value: str) -> bool:
    answer = value.strip().casefold()
    if answer in YES:
        return True
    if answer in NO:
        return False
    raise ValueError(
        _("%(column)s %(value)r är inte ja eller nej.")
        % {"column": LABELS["hospital_at_home"], "value": value.strip()}
    )


def _admission(cells, where, today: date) -> AdmissionRow:
    admitted_on = _day(cells[where["admitted_on"]], "admitted_on", today)
    discharged_on = _day(cells[where["discharged_on"]], "discharged_on", today)
    if discharged_on < admitted_on:
        raise ValueError(
            _("utskrivningsdatum %(discharged)s är före inskrivningsdatum %(admitted)s.")
            % {"discharged": discharged_on, "admitted": admitted_on}
        )
    flag = where.get("hospital_at_home")
    return AdmissionRow(
        person=_text(cells[where["person"]], "person"),
        admitted_on=admitted_on,
        discharged_on=discharged_on,
        ward=_text(cells[where["ward"]], "ward"),
        centre=_text(cells[where["centre"]], "centre"),
        municipality=_text(cells[where["municipality"]], "municipality"),
        age=_whole(cells[where["age"]], "age", 0, 130),
        hospital_at_home=_flag(cells[flag]) if flag is not None and flag < len(cells) else False,
    )


READERS = {
    "ed_visits": _ed_visit,
    "population": _population,
    "bed_days": _bed_days,
    "admissions": _admission,
}


def parse(text: str, kind: str, progress=None, today: date | None = None) -> Parsed:
    """Every row of the file: good ones parsed, bad ones reported by line number. `today`
    bounds the dates of admissions (a date more than a year ahead is refused)."""
    today = today or date.today()
    read = READERS[kind]
    if kind == "admissions":

        def read(cells, where):
            return _admission(cells, where, today)

    reader = _reader(text)
    where = _header(next(reader), kind)
    width = max(where.values()) + 1
    rows, errors, line = [], [], 1
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < width:
            errors.append(
                _line(
                    line,
                    _("%(cells)s kolumner, %(width)s väntades.")
                    % {"cells": len(cells), "width": width},
                )
            )
            continue
        try:
            rows.append(read(cells, where))
        except ValueError as error:
            errors.append(_line(line, str(error)))
        if progress and (line - 1) % 10_000 == 0:  # every 10 000 rows
            progress(line)
    return Parsed(rows, errors, line)


def check_header(text: str, kind: str) -> None:
    """Only the header line: is this a file of that kind at all? (Quick, before queuing.)"""
    _header(next(_reader(text)), kind)


def age_band_includes(band: str, age: int) -> bool:
    low, high = AGE_BAND.match(band).groups()
    return int(low) <= age and (high is None or age <= int(high))
