"""Reading the data warehouse's CSV files: good rows kept, bad rows reported by line."""

from datetime import date

import pytest

from hemma.insights.imports import BadFile, parse

ED = """person;datum;ålder;vårdcentral;kommun
191212121212;2025-03-04;84;Vårdcentral Kvarnen;Falun
pseudo-17;2025-03-05;91;Vårdcentral Kvarnen;Falun
pseudo-18;2025-13-05;91;Vårdcentral Kvarnen;Falun
pseudo-19;2025-03-06;-1;Vårdcentral Kvarnen;Falun
pseudo-20;2025-03-06;80;;Falun
pseudo-21;2025-03-06
"""


def test_ed_visits_good_rows_kept_bad_rows_named():
    parsed = parse(ED, "ed_visits")
    assert [r.person for r in parsed.rows] == ["191212121212", "pseudo-17"]
    assert parsed.rows[0].visited_on == date(2025, 3, 4) and parsed.rows[0].age == 84
    assert parsed.errors == [
        "Rad 4: datumet '2025-13-05' är inte ÅÅÅÅ-MM-DD.",
        "Rad 5: ålder -1 ligger utanför 0–130.",
        "Rad 6: vårdcentral saknas.",
        "Rad 7: 2 kolumner, 5 väntades.",
    ]


def test_population_and_bed_days():
    population = parse(
        "vårdcentral,månad,åldersgrupp,antal\nKvarnen,2025-03,80+,420\nKvarnen,2025-3,80+,1\n"
        "Kvarnen,2025-03,äldre,5\n",
        "population",
    )
    assert population.rows[0].month == date(2025, 3, 1) and population.rows[0].count == 420
    assert population.errors == [
        "Rad 3: månaden '2025-3' är inte ÅÅÅÅ-MM.",
        "Rad 4: åldersgruppen 'äldre' är inte som 80+ eller 65-79.",
    ]
    beds = parse("\ufeffavdelning;månad;vårddygn\nInfektion 30;2025-03;640\n", "bed_days")
    assert beds.rows[0].bed_days == 640 and beds.errors == []


def test_a_file_without_the_columns_is_refused():
    with pytest.raises(BadFile, match="Rad 1: kolumnen för ålder saknas"):
        parse("person;datum\n1;2025-01-01\n", "ed_visits")
    with pytest.raises(BadFile, match="Filen är tom"):
        parse("", "population")
