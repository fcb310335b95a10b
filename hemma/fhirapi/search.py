"""FHIR search parameters, parsed without Django: dates with prefixes, tokens, references,
_count and the paging cursor. A value Hemma cannot read is a SearchError naming the
parameter (answered 400 with an OperationOutcome), never a guess."""

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from hemma.clinical.identifiers import row_id

DEFAULT_COUNT = 50
MAX_COUNT = 200
_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
_SUPPORTED_PREFIXES = ("eq", "gt", "lt", "ge", "le")
_DATE = re.compile(r"^(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2}))?)?$")


class SearchError(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class DateRange:
    """A search date as the half-open range [start, end) it covers, with its prefix."""

    prefix: str
    start: datetime
    end: datetime

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """(lowest included, first excluded) instants the prefix selects."""
        return {
            "eq": (self.start, self.end),
            "ge": (self.start, None),
            "gt": (self.end, None),
            "lt": (None, self.start),
            "le": (None, self.end),
        }[self.prefix]


def _split_prefix(text: str) -> tuple[str, str]:
    if text[:2] in _PREFIXES and not text[:2].isdigit():
        return text[:2], text[2:]
    return "eq", text


def parse_date(parameter: str, text: str, zone: tzinfo) -> DateRange:
    """`ge2026-11-01`, `lt2026-11-30T10:00:00+01:00`, `2026-11`: a date without a time is
    a whole day (month, year) in Swedish time."""
    prefix, value = _split_prefix(text)
    if prefix not in _SUPPORTED_PREFIXES:
        raise SearchError(parameter, f"prefix {prefix!r} is not supported: use eq, gt, lt, ge, le")
    match = _DATE.match(value)
    if match:
        year, month, day = int(match["year"]), match["month"], match["day"]
        try:
            if day:
                first = date(year, int(month), int(day))
                after = first + timedelta(days=1)
            elif month:
                first = date(year, int(month), 1)
                after = date(year + (first.month == 12), first.month % 12 + 1, 1)
            else:
                first, after = date(year, 1, 1), date(year + 1, 1, 1)
        except (ValueError, OverflowError) as error:
            raise SearchError(parameter, f"{value!r} is not a date Hemma can search") from error
        return _within_range(
            parameter,
            DateRange(
                prefix, datetime.combine(first, time(), zone), datetime.combine(after, time(), zone)
            ),
        )
    if "T" not in value:
        raise SearchError(parameter, f"{value!r} is not a FHIR date or dateTime")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise SearchError(parameter, f"{value!r} is not a FHIR dateTime") from error
    if moment.tzinfo is None:
        raise SearchError(parameter, f"{value!r} needs a time zone (e.g. +01:00 or Z)")
    try:
        end = moment + timedelta(seconds=1)
    except OverflowError as error:
        raise SearchError(parameter, f"{value!r} is beyond the dates Hemma can search") from error
    return _within_range(parameter, DateRange(prefix, moment, end))


def _within_range(parameter: str, found: DateRange) -> DateRange:
    """Both ends must be instants the database can hold in UTC (years 1–9999)."""
    try:
        for moment in (found.start, found.end):
            moment.astimezone(UTC)
    except OverflowError as error:
        raise SearchError(parameter, "the date is beyond the dates Hemma can search") from error
    return found


def parse_token(parameter: str, text: str) -> tuple[str | None, str]:
    """`system|code` or `code` → (system or None, code)."""
    system, bar, code = text.rpartition("|")
    if not code:
        raise SearchError(parameter, "give a code: system|code or code")
    return (system if bar else None), code


def parse_reference(parameter: str, text: str, resource: str) -> uuid.UUID | int:
    """`Patient/<id>` or `<id>` (a UUID for Patient, a number for Encounter)."""
    value = text.removeprefix(f"{resource}/")
    if resource != "Patient":
        if (number := row_id(value)) is None:
            raise SearchError(parameter, f"{text!r} is not a {resource} id")
        return number
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise SearchError(parameter, f"{text!r} is not a {resource} id") from error


def parse_count(text: str | None) -> int:
    if text is None:
        return DEFAULT_COUNT
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= 10_000:
        raise SearchError("_count", f"_count must be a whole number 1–{MAX_COUNT}")
    return min(int(text), MAX_COUNT)


def encode_cursor(*parts) -> str:
    return base64.urlsafe_b64encode("|".join(str(p) for p in parts).encode()).decode()


def decode_cursor(text: str, size: int) -> list[str]:
    try:
        parts = base64.urlsafe_b64decode(text.encode()).decode().split("|")
    except (ValueError, UnicodeError) as error:
        raise SearchError(
            "_cursor", "the paging cursor is damaged: start the search again"
        ) from error
    if len(parts) != size:
        raise SearchError("_cursor", "the paging cursor is damaged: start the search again")
    return parts
