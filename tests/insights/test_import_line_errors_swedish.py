"""Every bad line of an import is reported in Swedish, naming its line ("Rad 4: …"): the
data warehouse's files (admissions among them) and the HSA catalogue alike. Hostile cells
(a lone surrogate, control characters) are named, never a crash."""

from datetime import date

import pytest

from hemma.insights.imports import BadFile, parse
from hemma.setup.hsa_import import parse_text

TODAY = date(2026, 3, 10)
HEADER = "person;inskriven;utskriven;avdelning;vårdcentral;kommun;ålder;vård i hemmet\n"
GOOD = "q;2026-03-01;2026-03-02;Avd;VC;Falun;80;nej\n"
ENGLISH = ("line ", "is not", "is empty", "is outside", "expected", "column")


def _errors(*lines):
    return parse(HEADER + GOOD + "".join(lines), "admissions", today=TODAY).errors


def test_admission_line_errors_are_swedish_and_numbered():
    errors = _errors(
        "p;2026-03-05;2026-03-01;Avd;VC;Falun;80;nej\n",
        ";2026-03-01;2026-03-02;Avd;VC;Falun;80;nej\n",
        "p;2026-03-01;2026-03-02;Avd;VC;Falun;80;kanske\n",
    )
    assert errors == [
        "Rad 3: utskrivningsdatum 2026-03-01 är före inskrivningsdatum 2026-03-05.",
        "Rad 4: person saknas.",
        "Rad 5: sjukhusvård i hemmet 'kanske' är inte ja eller nej.",
    ]
    errors = _errors("p;2026-13-01;2026-03-02;Avd;VC;Falun;80;nej\n", "p;2026-03-01\n")
    assert errors == [
        "Rad 3: inskrivningsdatum '2026-13-01' är inte ÅÅÅÅ-MM-DD.",
        "Rad 4: 2 kolumner, 8 väntades.",
    ]
    assert not any(word in error for error in errors for word in ENGLISH)


def test_hostile_cells_are_named_not_a_crash():
    errors = _errors(
        "p;\ud800;2026-03-02;Avd;VC;Falun;80;nej\n",
        "p;2026-03-01;2026-03-02;Avd;VC;Falun;\x01;nej\n",
        "p;9999-12-31;2026-03-02;Avd;VC;Falun;80;nej\n",
    )
    assert errors[0].startswith("Rad 3: inskrivningsdatum '\\ud800' är inte ÅÅÅÅ-MM-DD")
    assert errors[1] == "Rad 4: ålder '\\x01' är inte ett heltal."
    assert errors[2] == "Rad 5: inskrivningsdatum 9999-12-31 är inte ett möjligt datum."


def test_a_file_without_a_column_names_it_in_swedish():
    with pytest.raises(BadFile) as refused:
        parse("person;inskriven\n", "admissions")
    assert str(refused.value).startswith("Rad 1: kolumnen för utskrivningsdatum saknas (en av:")
    with pytest.raises(BadFile, match="^Filen är tom.$"):
        parse("\n", "ed_visits")


def test_the_hsa_catalogue_names_its_bad_lines_in_swedish():
    parsed = parse_text(
        "typ;hsa-id;förnamn;efternamn;yrke;enhet\n"
        "person;SE2321000180-P1;Anna;A;sjuksköterska;SE2321000180-INF\n"
        "person;;Bo;B;sjuksköterska;SE2321000180-INF\n"
        "person;SE2321000180-P3;Cia;C;trollkarl;SE2321000180-INF\n"
    )
    errors = [str(error) for error in parsed.errors]
    assert errors[0] == "Rad 3: HSA-id saknas."
    assert errors[1].startswith("Rad 4: okänt värde")
    assert not any(word in error for error in errors for word in ENGLISH)
