"""The HSA catalogue file (docs/setup.md): organisations, units and staff in one CSV file.

Pure parsing, nothing stored here (services.hsa_import does that): good rows come back as
dataclasses, bad rows as LineError (line number and a Swedish message). A file that cannot
be read at all (too large, not UTF-8, no header, unknown columns) raises BadFile.

The file: UTF-8 (a byte-order mark is fine), a header row, ";" or "," between the fields
(sniffed from the header row), one row per organisation, unit or person, told apart by
the column `typ` (organisation | enhet | person). Columns a row type does not use may be
left empty. A person works in one or more units (unit HSA-ids separated by "|").

Long module: the format's tables (row types, columns and the names each accepts) and the
rule for each column are the file format, read together when the format changes.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from hemma.clinical import identifiers

MAX_BYTES = 2 * 1024 * 1024  # a region's whole catalogue of a few thousand people fits
MAX_ROWS = 5000
MAX_CELL = 200
UNIT_SEPARATOR = "|"

ORGANISATION, UNIT, PERSON = "organisation", "unit", "person"


def _norm(text: str) -> str:
    """Case, spaces, hyphens and underscores do not matter in names and codes."""
    return re.sub(r"[\s_\-]+", "_", text.strip().casefold())


def _aliases(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """{alias: code} from {code: aliases}; the code itself is an alias."""
    return {_norm(alias): code for code, names in table.items() for alias in (code, *names)}


ROW_TYPES = _aliases(
    {
        ORGANISATION: ("organization", "vårdgivare"),
        UNIT: ("enhet", "vårdenhet"),
        PERSON: ("personal", "staff"),
    }
)
# The codes are accounts.models' choices (tests/setup/test_hsa_parse.py checks it); the
# aliases are their Swedish labels and the usual abbreviations.
ORGANISATION_KINDS = _aliases(
    {"region": (), "municipality": ("kommun",), "private": ("privat", "privat vårdgivare")}
)
UNIT_KINDS = _aliases(
    {
        "ward": ("vårdavdelning", "avdelning"),
        "primary_care": ("vårdcentral", "vc"),
        "home_health_care": ("hemsjukvård", "hemsjukvården", "hsv"),
        "home_care": ("hemtjänst", "hemtjänsten"),
        "mobile_team": ("sjukhusets mobila team", "mobilt team", "mobila teamet"),
        "stroke_team": ("strokteam", "strokteamet"),
        "ambulance": ("ambulans", "ambulanssjukvård"),
        "other": ("annan",),
    }
)
PROFESSIONS = _aliases(
    {
        "physician": ("läkare", "läk"),
        "nurse": ("sjuksköterska", "ssk"),
        "assistant_nurse": ("undersköterska", "usk"),
        "physiotherapist": ("fysioterapeut", "sjukgymnast", "ft"),
        "occupational_therapist": ("arbetsterapeut", "at"),
        "speech_therapist": ("logoped",),
        "care_coordinator": ("vårdkoordinator",),
        "discharge_coordinator": ("utskrivningssamordnare",),
        "needs_assessor": ("biståndshandläggare",),
        "administrator": ("administratör",),
    }
)
ROLES = _aliases(
    {"member": ("medarbetare",), "manager": ("chef",), "log_reviewer": ("logggranskare",)}
)

# {column: accepted header names}; the first is the one docs/setup.md uses.
COLUMNS = {
    "type": ("typ", "type"),
    "hsa_id": ("hsa-id", "hsaid", "hsa"),
    "name": ("namn", "name"),
    "organisation_number": ("organisationsnummer", "orgnr", "organisation_number"),
    "organisation_kind": ("organisationstyp", "organisation_kind"),
    "organisation": ("organisation", "organization", "vårdgivare"),
    "unit_kind": ("enhetstyp", "unit_kind"),
    "beds": ("vårdplatser", "beds"),
    "phone": ("telefon", "phone"),
    "given_name": ("förnamn", "given_name", "first_name"),
    "family_name": ("efternamn", "family_name", "last_name"),
    "profession": ("yrke", "profession"),
    "units": ("enhet", "enheter", "unit", "units"),
    "role": ("roll", "role"),
    "username": ("användarnamn", "username"),
    "email": ("e-post", "epost", "email"),
}
REQUIRED_COLUMNS = ("type", "hsa_id")
HEADER_NAMES = {_norm(alias): key for key, names in COLUMNS.items() for alias in names}
USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class BadFile(ValueError):
    """The file as a whole cannot be read; `message` is Swedish and shown as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, order=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("Rad %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class OrganisationRow:
    line: int
    hsa_id: str
    name: str
    organisation_number: str  # the display form NNNNNN-NNNN
    kind: str


@dataclass(frozen=True)
class UnitRow:
    line: int
    hsa_id: str
    name: str
    organisation: str  # the organisation's HSA-id or organisation number
    kind: str
    beds: int | None
    phone: str


@dataclass(frozen=True)
class PersonRow:
    line: int
    hsa_id: str
    given_name: str
    family_name: str
    profession: str
    units: tuple[str, ...]
    role: str
    username: str
    email: str


@dataclass
class Parsed:
    organisations: list[OrganisationRow] = field(default_factory=list)
    units: list[UnitRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    rows: int = 0  # data rows read (blank rows not counted)


class _RowError(ValueError):
    pass


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), within the size limit, no NUL."""
    if len(data) > MAX_BYTES:
        raise BadFile(
            _("Filen är för stor (högst %(mb)s MB). Dela upp den i flera filer.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadFile(_("Filen är sparad som UTF-16. Spara den som CSV UTF-8."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BadFile(
            _("Filen är inte UTF-8 (rad %(line)s). Spara den som CSV UTF-8.") % {"line": line}
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise BadFile(
            _("Filen innehåller NUL-tecken (rad %(line)s) och är inte en textfil.") % {"line": line}
        )
    return text


def parse(data: bytes) -> Parsed:
    return parse_text(decode(data))


def parse_text(text: str) -> Parsed:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        line = text[: error.start].count("\n") + 1
        raise BadFile(
            _("Filen innehåller ogiltiga tecken (rad %(line)s). Spara den som CSV UTF-8.")
            % {"line": line}
        ) from None
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise BadFile(_("Filen är tom."))
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    parsed = Parsed()
    seen: dict[str, int] = {}
    try:
        where = _header(next(reader))
        line = reader.line_num + 1
        for cells in reader:
            row_line, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            parsed.rows += 1
            if parsed.rows > MAX_ROWS:
                raise BadFile(
                    _("Filen har fler än %(max)s rader. Dela upp den i flera filer.")
                    % {"max": MAX_ROWS}
                )
            try:
                row = _row(cells, where, row_line, len(where["_width"]))
            except _RowError as error:
                parsed.errors.append(LineError(row_line, str(error)))
                continue
            if row.hsa_id in seen:
                parsed.errors.append(
                    LineError(
                        row_line,
                        _("HSA-id %(hsa_id)s finns redan på rad %(line)s i filen.")
                        % {"hsa_id": row.hsa_id, "line": seen[row.hsa_id]},
                    )
                )
                continue
            seen[row.hsa_id] = row_line
            {OrganisationRow: parsed.organisations, UnitRow: parsed.units}.get(
                type(row), parsed.people
            ).append(row)
    except csv.Error as error:
        raise BadFile(
            _("Filen kan inte läsas som CSV (rad %(line)s): %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None
    return parsed


def _header(cells: list[str]) -> dict:
    where: dict = {"_width": cells}
    unknown = []
    for index, cell in enumerate(cells):
        name = _norm(cell)
        if not name:
            continue
        key = HEADER_NAMES.get(name)
        if key is None:
            unknown.append(cell.strip())
        elif key in where:
            raise BadFile(_("Rad 1: kolumnen %(name)s finns två gånger.") % {"name": cell.strip()})
        else:
            where[key] = index
    if unknown:
        raise BadFile(
            _("Rad 1: okända kolumner: %(unknown)s. Kända kolumner: %(known)s.")
            % {
                "unknown": ", ".join(unknown[:10]),
                "known": ", ".join(names[0] for names in COLUMNS.values()),
            }
        )
    missing = [COLUMNS[key][0] for key in REQUIRED_COLUMNS if key not in where]
    if missing:
        raise BadFile(
            _("Rad 1: rubrikraden saknar kolumnen %(columns)s.") % {"columns": ", ".join(missing)}
        )
    return where


def _row(cells: list[str], where: dict, line: int, width: int):
    if len(cells) > width:
        raise _RowError(
            _("raden har %(cells)s fält men rubrikraden %(width)s.")
            % {"cells": len(cells), "width": width}
        )
    for cell in cells:
        if len(cell) > MAX_CELL:
            raise _RowError(_("ett fält är längre än %(max)s tecken.") % {"max": MAX_CELL})
        if CONTROL.search(cell):
            raise _RowError(_("raden innehåller styrtecken."))

    def get(key: str) -> str:
        index = where.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    raw_type = get("type")
    row_type = ROW_TYPES.get(_norm(raw_type))
    if row_type is None:
        raise _RowError(
            _("okänd typ %(type)s (organisation, enhet eller person).")
            % {"type": repr(raw_type) if raw_type else _("(tom)")}
        )
    hsa_id = _hsa_id(get("hsa_id"))
    if row_type == ORGANISATION:
        return OrganisationRow(
            line=line,
            hsa_id=hsa_id,
            name=_required(get("name"), COLUMNS["name"][0]),
            organisation_number=_organisation_number(get("organisation_number")),
            kind=_choice(get("organisation_kind"), ORGANISATION_KINDS, "organisationstyp"),
        )
    if row_type == UNIT:
        kind = _choice(get("unit_kind"), UNIT_KINDS, "enhetstyp")
        return UnitRow(
            line=line,
            hsa_id=hsa_id,
            name=_required(get("name"), "namn"),
            organisation=_required(get("organisation"), "organisation"),
            kind=kind,
            beds=_beds(get("beds"), kind),
            phone=_phone(get("phone")),
        )
    return _person(get, line, hsa_id)


def _person(get, line: int, hsa_id: str) -> PersonRow:
    units = tuple(u.strip() for u in get("units").split(UNIT_SEPARATOR) if u.strip())
    if not units:
        raise _RowError(_("ange personens enhet (HSA-id, flera åtskilda med |)."))
    for unit in units:
        _hsa_id(unit)
    username = get("username")
    if username and not USERNAME.match(username):
        raise _RowError(
            _("användarnamnet %(username)s får bara innehålla bokstäver, siffror och @ . + - _.")
            % {"username": username}
        )
    email = get("email")
    if email and not EMAIL.match(email):
        raise _RowError(_("e-postadressen %(email)s är ogiltig.") % {"email": email})
    role = get("role")
    return PersonRow(
        line=line,
        hsa_id=hsa_id,
        given_name=_required(get("given_name"), "förnamn", 150),
        family_name=_required(get("family_name"), "efternamn", 150),
        profession=_choice(get("profession"), PROFESSIONS, "yrke"),
        units=units,
        role=_choice(role, ROLES, "roll") if role else "member",
        username=username,
        email=email,
    )


def _required(value: str, column: str, max_length: int = MAX_CELL) -> str:
    if not value:
        raise _RowError(_("kolumnen %(column)s är tom.") % {"column": column})
    if len(value) > max_length:
        raise _RowError(
            _("%(column)s får vara högst %(max)s tecken.") % {"column": column, "max": max_length}
        )
    return value


def _hsa_id(value: str) -> str:
    try:
        return identifiers.validate_hsa_id(value)
    except identifiers.InvalidIdentifier as error:
        if error.code == "empty":
            raise _RowError(_("HSA-id saknas.")) from None
        raise _RowError(
            _(
                "ogiltigt HSA-id %(value)s (SE + 10 siffror + - + bokstäver/siffror, "
                "högst 31 tecken)."
            )
            % {"value": value}
        ) from None


def _organisation_number(value: str) -> str:
    try:
        return identifiers.validate_organisation_number(value)
    except identifiers.InvalidIdentifier as error:
        if error.code == "empty":
            raise _RowError(_("organisationsnummer saknas.")) from None
        if error.code == "checksum":
            raise _RowError(
                _("organisationsnumret %(value)s har fel kontrollsiffra.") % {"value": value}
            ) from None
        raise _RowError(
            _("ogiltigt organisationsnummer %(value)s (10 siffror, t.ex. 232100-0180).")
            % {"value": value}
        ) from None


def _choice(value: str, table: dict[str, str], column: str) -> str:
    code = table.get(_norm(value)) if value else None
    if code is None:
        if not value:
            raise _RowError(_("kolumnen %(column)s är tom.") % {"column": column})
        raise _RowError(
            _("okänt värde %(value)s i kolumnen %(column)s.")
            % {"value": repr(value), "column": column}
        )
    return code


def _beds(value: str, kind: str) -> int | None:
    if kind != "ward":
        if value:
            raise _RowError(_("bara vårdavdelningar har vårdplatser."))
        return None
    if not value:
        raise _RowError(_("ange antal vårdplatser för avdelningen (1–500)."))
    if not value.isdigit() or not 1 <= int(value) <= 500:
        raise _RowError(
            _("antal vårdplatser %(value)s är inte ett heltal 1–500.") % {"value": value}
        )
    return int(value)


def _phone(value: str) -> str:
    if not value:
        return ""
    if len(value) > 30:
        raise _RowError(_("telefonnumret får vara högst 30 tecken."))
    try:
        identifiers.normalize_phone(value)
    except identifiers.InvalidIdentifier:
        raise _RowError(
            _("ogiltigt telefonnummer %(value)s (3–15 siffror, t.ex. 023-49 00 00).")
            % {"value": value}
        ) from None
    return value
