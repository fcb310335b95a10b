"""Swedish identifiers, in pure Python (no Django): personnummer, samordningsnummer,
HSA-id, organisation number and phone numbers.

Personnummer (Skatteverket, SKV 704): YYMMDD-NNNC. The century is not part of the
10-digit form: "-" means the person is under 100 and "+" that they have turned 100,
so a 10-digit number is resolved against a reference day. C is a Luhn check digit
over the 9 digits YYMMDDNNN. The last N is odd for men and even for women.
A samordningsnummer (coordination number) is the same with 60 added to the day.
Hemma stores 12 digits with century ("YYYYMMDDNNNC") and shows "YYYYMMDD-NNNC".

HSA-id (Inera's catalogue): "SE" + the 10-digit organisation number + "-" + an
extension of letters and digits; at most 31 characters.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

SAMORDNINGSNUMMER_DAY_OFFSET = 60
HSA_ID_MAX_LENGTH = 31

_PERSONAL_NUMBER = re.compile(r"^(?P<century>\d{2})?(?P<date>\d{6})(?P<sep>[-+]?)(?P<tail>\d{4})$")
_HSA_ID = re.compile(r"^SE\d{10}-[A-Za-z0-9]+$")
_ORGANISATION_NUMBER = re.compile(r"^(\d{6})-?(\d{4})$")


class InvalidIdentifier(ValueError):
    """`code` is stable for callers that translate; `message` is plain English."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PersonalIdentity:
    number: str  # 12 digits, no separator
    kind: Literal["personnummer", "samordningsnummer"]
    birth_date: date
    sex: Literal["female", "male"]

    @property
    def formatted(self) -> str:
        return f"{self.number[:8]}-{self.number[8:]}"

    def age_on(self, day: date) -> int:
        had_birthday = (day.month, day.day) >= (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - (0 if had_birthday else 1)


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit for a string of digits (weights 2,1,2,1… from the left)."""
    total = 0
    for position, char in enumerate(digits):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


# Nobody alive is older: a birth year like 1800 is a typing error.
MAX_AGE_YEARS = 130


def parse_personal_identity(raw: str, *, today: date | None = None) -> PersonalIdentity:
    """Parse a personnummer or samordningsnummer in any usual form; raise InvalidIdentifier."""
    today = today or date.today()
    text = (raw or "").strip()
    if not text:
        raise InvalidIdentifier("empty", "No number given.")
    match = _PERSONAL_NUMBER.match(text)
    if match is None:
        raise InvalidIdentifier(
            "format", "Expected YYYYMMDD-NNNC, YYYYMMDDNNNC, YYMMDD-NNNC or YYMMDD+NNNC."
        )
    yymmdd, tail = match["date"], match["tail"]
    ten_digits = yymmdd + tail
    expected = luhn_check_digit(ten_digits[:9])
    year_2, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    kind: Literal["personnummer", "samordningsnummer"] = "personnummer"
    if day > SAMORDNINGSNUMMER_DAY_OFFSET:
        kind, day = "samordningsnummer", day - SAMORDNINGSNUMMER_DAY_OFFSET
    if match["century"] is not None:
        year = int(match["century"]) * 100 + year_2
        birth_date = _real_date(year, month, day)
    else:
        birth_date = _resolve_century(year_2, month, day, today, centenarian=match["sep"] == "+")
    if birth_date > today:
        raise InvalidIdentifier("future", "The birth date is in the future.")
    if today.year - birth_date.year > MAX_AGE_YEARS:
        raise InvalidIdentifier("too_old", f"Born more than {MAX_AGE_YEARS} years ago.")
    if int(tail[3]) != expected:
        raise InvalidIdentifier("checksum", f"The check digit is wrong (expected {expected}).")
    return PersonalIdentity(
        number=f"{birth_date.year:04d}{ten_digits[2:]}"
        if match["century"] is None
        else f"{match['century']}{ten_digits}",
        kind=kind,
        birth_date=birth_date,
        sex="male" if int(tail[2]) % 2 else "female",
    )


def _real_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidIdentifier("date", "The date part is not a real date.") from None


def _resolve_century(year_2: int, month: int, day: int, today: date, *, centenarian: bool) -> date:
    """The most recent birth date not in the future; 100 years earlier with "+"."""
    year = today.year - (today.year - year_2) % 100
    birth_date = _real_date_or_none(year, month, day)
    if birth_date is None or birth_date > today:
        year -= 100
        birth_date = _real_date(year, month, day)
    if centenarian:
        birth_date = _real_date(year - 100, month, day)
    return birth_date


def _real_date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        # Feb 29 may exist in the other century; month 13 exists in none.
        if month == 2 and day == 29:
            return None
        raise InvalidIdentifier("date", "The date part is not a real date.") from None


def describe_personal_identity(raw: str, *, today: date | None = None) -> dict:
    """A JSON-ready description, for `hemma pnr` and import cleaning."""
    try:
        identity = parse_personal_identity(raw, today=today)
    except InvalidIdentifier as error:
        return {"valid": False, "error": error.message, "code": error.code}
    return {
        "valid": True,
        "normalized": identity.formatted,
        "kind": identity.kind,
        "birth_date": identity.birth_date.isoformat(),
        "sex": identity.sex,
    }


def validate_hsa_id(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidIdentifier("empty", "No HSA-id given.")
    if len(text) > HSA_ID_MAX_LENGTH:
        raise InvalidIdentifier("length", f"An HSA-id has at most {HSA_ID_MAX_LENGTH} characters.")
    if not _HSA_ID.match(text):
        raise InvalidIdentifier(
            "format", "Expected SE + 10-digit organisation number + '-' + letters/digits."
        )
    return text


def is_valid_hsa_id(value: str) -> bool:
    try:
        validate_hsa_id(value)
    except InvalidIdentifier:
        return False
    return True


def validate_organisation_number(value: str) -> str:
    """Returns the display form NNNNNN-NNNN."""
    text = (value or "").strip()
    if not text:
        raise InvalidIdentifier("empty", "No organisation number given.")
    match = _ORGANISATION_NUMBER.match(text)
    if match is None:
        raise InvalidIdentifier("format", "Expected 10 digits, e.g. 232100-0180.")
    digits = match[1] + match[2]
    if luhn_check_digit(digits[:9]) != int(digits[9]):
        raise InvalidIdentifier("checksum", "The check digit is wrong.")
    return f"{digits[:6]}-{digits[6:]}"


def normalize_phone(value: str) -> str:
    """Drop spaces, dashes and brackets; keep an optional leading + and 3–15 digits."""
    text = re.sub(r"[\s\-()/]", "", (value or "").strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if not re.fullmatch(r"\+?\d{3,15}", text):
        raise InvalidIdentifier("format", "A phone number is 3–15 digits, optionally with +.")
    return text


MAX_ROW_ID = 2**63 - 1  # PostgreSQL's bigint and SQLite's integer


def row_id(text) -> int | None:
    """A row's id as typed in a URL, a form field or a reference: ASCII digits for a
    number from 1 to MAX_ROW_ID, else None (not found, never an error). str.isdigit()
    alone admits "²" (int() refuses it) and numbers no database column holds."""
    text = "" if text is None else str(text)
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ROW_ID)):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ROW_ID else None
