"""The HSA catalogue file, parsed without a database: the format, line errors with their
numbers, and hostile files refused as a whole with a clear Swedish message."""

import pytest

from hemma.accounts.models import Membership, Organisation, Staff, Unit
from hemma.setup import hsa_import
from hemma.setup.hsa_import import MAX_BYTES, MAX_ROWS, BadFile, parse, parse_text

from .conftest import csv_bytes, person_line, unit_line


def test_the_codes_are_the_models_choices():
    assert set(hsa_import.ORGANISATION_KINDS.values()) == set(Organisation.Kind.values)
    assert set(hsa_import.UNIT_KINDS.values()) == set(Unit.Kind.values)
    # The system client is an integration's profile, never imported.
    assert set(hsa_import.PROFESSIONS.values()) == set(Staff.Profession.values) - {"system"}
    assert set(hsa_import.ROLES.values()) == set(Membership.Role.values)


def test_the_example_file_parses(example):
    parsed = parse(example)
    assert parsed.errors == []
    assert len(parsed.organisations) == 2 and len(parsed.units) == 5 and len(parsed.people) == 6
    ward = next(u for u in parsed.units if u.kind == "ward")
    assert ward.beds == 22 and ward.organisation == "SE2321000032-EXRG"
    ada = parsed.people[0]
    assert ada.profession == "administrator" and ada.units == (
        "SE2321000032-EXIT",
        "SE2321000032-EX32",
    )
    assert parsed.people[2].role == "manager" and parsed.people[3].role == "member"


def test_labels_codes_and_abbreviations_are_accepted_and_comma_is_sniffed():
    text = (
        "Typ,HSA-id,Förnamn,Efternamn,Yrke,Enhet,Roll\n"
        "person,SE2321000180-P1,Anna,A,Sjuksköterska,SE2321000180-INF,chef\n"
        "person,SE2321000180-P2,Bo,B,nurse,SE2321000180-INF,log_reviewer\n"
        "PERSON,SE2321000180-P3,Cia,C,usk,SE2321000180-INF,\n"
    )
    parsed = parse_text(text)
    assert parsed.errors == []
    assert [(p.profession, p.role) for p in parsed.people] == [
        ("nurse", "manager"),
        ("nurse", "log_reviewer"),
        ("assistant_nurse", "member"),
    ]


def test_bad_lines_are_reported_by_number_and_good_rows_kept():
    data = csv_bytes(
        unit_line("SE2321000180-A1", "Avd 1", "SE2321000180-TEST", "Vårdavdelning", beds="20"),
        unit_line("SE2321000180-A2", "Avd 2", "SE2321000180-TEST", "Vårdavdelning"),
        "",
        unit_line("SE2321000180-VC", "VC", "SE2321000180-TEST", "Vårdcentral", beds="3"),
        unit_line("not-an-hsa-id", "X", "SE2321000180-TEST", "Vårdcentral"),
        person_line("SE2321000180-P1", "Anna", "A", "Trollkarl", "SE2321000180-A1"),
        person_line("SE2321000180-P2", "Bo", "", "ssk", "SE2321000180-A1"),
        person_line("SE2321000180-P3", "Cia", "C", "ssk", ""),
        "okänd;SE2321000180-Q;;;;;;;;;;;;;;",
        unit_line("SE2321000180-A1", "Dubblett", "SE2321000180-TEST", "Vårdcentral"),
        "organisation;SE2321000180-TEST;Region;232100-0181;region;;;;;;;;;;;",
    )
    parsed = parse(data)
    assert [u.hsa_id for u in parsed.units] == ["SE2321000180-A1"]
    messages = [str(error) for error in parsed.errors]
    assert messages == [
        "Rad 3: ange antal vårdplatser för avdelningen (1–500).",
        "Rad 5: bara vårdavdelningar har vårdplatser.",
        messages[3 - 1],
        "Rad 7: okänt värde 'Trollkarl' i kolumnen yrke.",
        "Rad 8: kolumnen efternamn är tom.",
        "Rad 9: ange personens enhet (HSA-id, flera åtskilda med |).",
        "Rad 10: okänd typ 'okänd' (organisation, enhet eller person).",
        "Rad 11: HSA-id SE2321000180-A1 finns redan på rad 2 i filen.",
        "Rad 12: organisationsnumret 232100-0181 har fel kontrollsiffra.",
    ]
    assert messages[2].startswith("Rad 6: ogiltigt HSA-id not-an-hsa-id")
    assert parsed.rows == 10  # the blank line is not a row


def test_a_quoted_field_over_two_lines_keeps_the_line_numbers():
    data = csv_bytes(
        'enhet;SE2321000180-A1;"Avd\n1";;;SE2321000180-TEST;Vårdcentral;;;;;;;;;',
        unit_line("SE2321000180-A2", "Avd 2", "SE2321000180-TEST", "Hemlig"),
    )
    assert [str(e) for e in parse(data).errors] == [
        "Rad 4: okänt värde 'Hemlig' i kolumnen enhetstyp."
    ]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "Filen är tom."),
        (b"\xef\xbb\xbf  \n\n", "Filen är tom."),
        ("typ;hsa-id\nenhet;Sjöbo\n".encode("latin-1"), "Filen är inte UTF-8 (rad 2)"),
        ("typ;hsa-id".encode("utf-16"), "UTF-16"),
        # A lone surrogate, as some tools write it (CESU-8): not UTF-8.
        (b"typ;hsa-id\nperson;SE2321000180-\xed\xa0\x80\n", "Filen är inte UTF-8 (rad 2)"),
        (b"typ;hsa-id\n\x00\x00", "NUL-tecken (rad 2)"),
        (b"typ;namn\n", "saknar kolumnen hsa-id"),
        ("typ;hsa-id;favoritfärg\n".encode(), "okända kolumner: favoritfärg"),
        (b"typ;hsa-id;HSA-id\n", "kolumnen HSA-id finns två gånger"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(data, message):
    with pytest.raises(BadFile) as error:
        parse(data)
    assert message in error.value.message


def test_a_lone_surrogate_in_text_is_refused():
    with pytest.raises(BadFile, match="ogiltiga tecken"):
        parse_text("typ;hsa-id\nperson;SE2321000180-\ud800\n")


def test_size_and_row_limits():
    with pytest.raises(BadFile, match="för stor"):
        parse(b"typ;hsa-id\n" + b"x" * MAX_BYTES)
    rows = [unit_line(f"SE2321000180-U{i}", f"U{i}", "X", "Annan") for i in range(MAX_ROWS + 1)]
    with pytest.raises(BadFile, match="fler än 5000 rader"):
        parse(csv_bytes(*rows))
    assert parse(csv_bytes(*rows[:MAX_ROWS])).rows == MAX_ROWS


def test_hostile_cells_are_line_errors():
    data = csv_bytes(
        unit_line("SE2321000180-A1", "A" * 201, "SE2321000180-TEST", "Annan"),
        unit_line("SE2321000180-A2", "Avd\x07", "SE2321000180-TEST", "Annan"),
        unit_line("SE2321000180-A3", "=HYPERLINK(1)", "SE2321000180-TEST", "Annan") + ";extra",
    )
    assert [str(e) for e in parse(data).errors] == [
        "Rad 2: ett fält är längre än 200 tecken.",
        "Rad 3: raden innehåller styrtecken.",
        "Rad 4: raden har 17 fält men rubrikraden 16.",
    ]


def test_a_huge_field_is_refused_not_crashed():
    data = b"typ;hsa-id\nenhet;" + b'"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(BadFile, match="rad"):
        parse(data)
