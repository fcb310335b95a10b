"""Importing inpatient stays (vårdtillfällen, every admission – not only hospital-at-home
episodes): Swedish or English headers, ";" or ",", a byte-order mark; bad lines named by
number and good ones kept; a re-import updates a stay instead of adding it again."""

from datetime import date

import pytest
from django.core.management import call_command

from hemma.insights import services
from hemma.insights.imports import BadFile, parse
from hemma.insights.models import AdmissionRecord, ImportBatch
from tests.conftest import make_staff

TODAY = date(2026, 11, 30)
SWEDISH = (
    "\ufeffpersonnummer;inskrivningsdatum;utskrivningsdatum;avdelning;vårdcentral;kommun;ålder;"
    "vård i hemmet\n"
    "19121212-1212;2026-03-01;2026-03-05;Infektion 30, Falu lasarett;VC Kvarnen;Falun;84;ja\n"
    "pseudo-2;2026-03-02;2026-03-02;Medicin 12;VC Britsarvet;Falun;91;\n"
)


def test_stays_with_swedish_headers_a_bom_and_the_hospital_at_home_flag():
    parsed = parse(SWEDISH, "admissions", today=TODAY)
    assert parsed.errors == []
    first, second = parsed.rows
    assert first.person == "19121212-1212" and first.ward == "Infektion 30, Falu lasarett"
    assert (first.admitted_on, first.discharged_on) == (date(2026, 3, 1), date(2026, 3, 5))
    assert (first.centre, first.municipality, first.age) == ("VC Kvarnen", "Falun", 84)
    assert first.hospital_at_home is True and second.hospital_at_home is False
    assert second.discharged_on == second.admitted_on  # a stay within one day is a stay


def test_english_headers_commas_and_no_flag_column():
    text = (
        "person,admitted_on,discharged_on,hospital,primary_care_centre,municipality,age\n"
        "p1,2026-01-10,2026-01-12,Falu lasarett,VC Kvarnen,Falun,80\n"
    )
    (row,) = parse(text, "admissions", today=TODAY).rows
    assert row.ward == "Falu lasarett" and row.hospital_at_home is False


HEADER = "person;inskriven;utskriven;avdelning;vårdcentral;kommun;ålder;vård i hemmet\n"
BAD = {
    "p;2026-03-05;2026-03-01;Avd;VC;Falun;80;nej": (
        "utskrivningsdatum 2026-03-01 är före inskrivningsdatum 2026-03-05."
    ),
    "p;1899-12-31;2026-03-01;Avd;VC;Falun;80;nej": (
        "inskrivningsdatum 1899-12-31 är inte ett möjligt datum."
    ),
    "p;2026-03-01;2035-01-01;Avd;VC;Falun;80;nej": (
        "utskrivningsdatum 2035-01-01 är inte ett möjligt datum."
    ),
    "p;2026-02-30;2026-03-01;Avd;VC;Falun;80;nej": (
        "inskrivningsdatum '2026-02-30' är inte ÅÅÅÅ-MM-DD."
    ),
    "p;2026-03-01;;Avd;VC;Falun;80;nej": "utskrivningsdatum '' är inte ÅÅÅÅ-MM-DD.",
    "p;2026-03-01;2026-03-02;Avd;VC;Falun;131;nej": "ålder 131 ligger utanför 0–130.",
    "p;2026-03-01;2026-03-02;Avd;VC;Falun;-1;nej": "ålder -1 ligger utanför 0–130.",
    "p;2026-03-01;2026-03-02;Avd;VC;Falun;åttio;nej": "ålder 'åttio' är inte ett heltal.",
    "p;2026-03-01;2026-03-02;;VC;Falun;80;nej": "avdelning saknas.",
    "p;2026-03-01;2026-03-02;Avd;;Falun;80;nej": "vårdcentral saknas.",
    "p;2026-03-01;2026-03-02;Avd;VC;;80;nej": "kommun saknas.",
    ";2026-03-01;2026-03-02;Avd;VC;Falun;80;nej": "person saknas.",
    "p;2026-03-01;2026-03-02;Avd;VC;Falun;80;kanske": (
        "sjukhusvård i hemmet 'kanske' är inte ja eller nej."
    ),
    "p;2026-03-01;2026-03-02": "3 kolumner, 8 väntades.",
}


@pytest.mark.parametrize(("line", "error"), BAD.items())
def test_each_bad_line_is_named_by_its_number_and_the_good_ones_kept(line, error):
    good = "q;2026-03-01;2026-03-02;Avd;VC;Falun;80;nej"
    parsed = parse(HEADER + f"{good}\n{line}\n{good}\n", "admissions", today=TODAY)
    assert parsed.errors == [f"Rad 3: {error}"]
    assert len(parsed.rows) == 2


def test_a_file_without_the_discharge_column_is_refused():
    with pytest.raises(BadFile, match="Rad 1: kolumnen för utskrivningsdatum saknas"):
        parse("person;inskriven;avdelning;vårdcentral;kommun;ålder\n", "admissions")


@pytest.fixture
def manager(primary_care):
    return make_staff("vcchef", "physician", primary_care, role="manager")


def _import(manager, unit, text, name="vardtillfallen.csv"):
    return services.import_file(
        staff=manager, unit=unit, kind="admissions", file_name=name, text=text
    )


@pytest.mark.django_db
def test_a_reimport_updates_stays_instead_of_duplicating_them(manager, primary_care):
    text = HEADER + (
        "19121212-1212;2026-03-01;2026-03-05;Infektion 30;VC Kvarnen;Falun;84;nej\n"
        "pseudo-2;2026-03-02;2026-03-04;Medicin 12;VC Britsarvet;Falun;91;ja\n"
        "pseudo-3;2026-03-09;2026-03-01;Medicin 12;VC Britsarvet;Falun;91;ja\n"
    )
    batch = _import(manager, primary_care, text)
    assert batch.kind == ImportBatch.Kind.ADMISSIONS
    assert (batch.imported, batch.duplicates) == (2, 0)
    assert batch.errors == [
        "Rad 4: utskrivningsdatum 2026-03-01 är före inskrivningsdatum 2026-03-09."
    ]
    stored = AdmissionRecord.objects.get(ward="Infektion 30")
    assert stored.organisation == primary_care.organisation
    assert stored.person_key == services.pseudonym("191212121212")  # the number is not kept
    # The next extract of the same period: one stay ended later and changed centre, the
    # same person written without the hyphen, and a line given twice.
    newer = HEADER + (
        "191212121212;2026-03-01;2026-03-08;Infektion 30;VC Tjärna Ängar;Borlänge;84;ja\n"
        "pseudo-2;2026-03-02;2026-03-04;Medicin 12;VC Britsarvet;Falun;91;ja\n"
        "pseudo-4;2026-03-20;2026-03-22;Medicin 12;VC Britsarvet;Falun;77;nej\n"
        "pseudo-4;2026-03-20;2026-03-23;Medicin 12;VC Britsarvet;Falun;77;nej\n"
    )
    again = _import(manager, primary_care, newer, "vardtillfallen-2.csv")
    assert (again.imported, again.duplicates, again.errors) == (1, 3, [])
    assert AdmissionRecord.objects.count() == 3
    stored.refresh_from_db()
    assert stored.discharged_on == date(2026, 3, 8) and stored.hospital_at_home
    assert (stored.centre, stored.municipality) == ("VC Tjärna Ängar", "Borlänge")
    assert AdmissionRecord.objects.get(age=77).discharged_on == date(2026, 3, 23)  # the last line


@pytest.mark.django_db
def test_the_command_reads_stays(manager, primary_care, tmp_path, capsys):
    path = tmp_path / "vardtillfallen.csv"
    path.write_text(SWEDISH, encoding="utf-8")
    call_command("import_insights", str(path), kind="admissions", by="vcchef")
    assert "2 new, 0 already there, 0 bad rows of 2" in capsys.readouterr().out
    assert AdmissionRecord.objects.filter(hospital_at_home=True).count() == 1


def test_the_sample_file_in_the_docs_reads_without_errors():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "vardtillfallen-exempel.csv").read_text()
    parsed = parse(text, "admissions", today=TODAY)
    assert parsed.errors == [] and len(parsed.rows) == 6
