"""Imports: managers only, bad rows reported with line numbers, good rows kept, re-import
adds nothing, the person stored only as a pseudonym; the management command and the page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from hemma.errors import NotAllowed
from hemma.insights import services
from hemma.insights.models import EdVisitRecord, ImportBatch, ListedPopulation, WardBedDays
from hemma.jobs.models import JobFile
from hemma.jobs.services import run_due_jobs
from tests.conftest import client_for, make_staff

pytestmark = pytest.mark.django_db
ED = (
    "person;datum;ålder;vårdcentral;kommun\n"
    "19121212-1212;2025-03-04;84;Vårdcentral Kvarnen;Falun\n"
    "pseudo-17;2025-03-05;91;Vårdcentral Kvarnen;Falun\n"
    "pseudo-18;2025-03-05;x;Vårdcentral Kvarnen;Falun\n"
)


@pytest.fixture
def manager(primary_care):
    return make_staff("vcchef", "physician", primary_care, role="manager")


def test_import_keeps_good_rows_reports_bad_ones_and_is_idempotent(manager, primary_care):
    batch = services.import_file(
        staff=manager, unit=primary_care, kind="ed_visits", file_name="akut.csv", text=ED
    )
    assert (batch.imported, batch.duplicates) == (2, 0)
    assert batch.errors == ["Rad 4: ålder 'x' är inte ett heltal."]
    again = services.import_file(
        staff=manager, unit=primary_care, kind="ed_visits", file_name="akut.csv", text=ED
    )
    assert (again.imported, again.duplicates) == (0, 2)
    assert EdVisitRecord.objects.count() == 2
    stored = list(EdVisitRecord.objects.values_list("person_key", flat=True))
    assert "191212121212" not in "".join(stored) and all(len(key) == 64 for key in stored)
    # the same person written differently is the same pseudonym
    assert services.pseudonym("19121212-1212") == services.pseudonym("191212121212")


def test_a_newer_population_figure_replaces_the_old(manager, primary_care):
    text = "vårdcentral;månad;åldersgrupp;antal;kommun\nKvarnen;2025-03;80+;420;Falun\n"
    services.import_file(
        staff=manager, unit=primary_care, kind="population", file_name="a", text=text
    )
    services.import_file(
        staff=manager,
        unit=primary_care,
        kind="population",
        file_name="b",
        text=text.replace("420", "425"),
    )
    row = ListedPopulation.objects.get()
    assert row.count == 425 and row.municipality == "Falun"
    services.import_file(
        staff=manager,
        unit=primary_care,
        kind="bed_days",
        file_name="c",
        text="avdelning;månad;vårddygn\nInfektion 30;2025-03;640\n",
    )
    assert WardBedDays.objects.get().bed_days == 640


def test_only_managers_import(coordinator, primary_care):
    with pytest.raises(NotAllowed):
        services.import_file(
            staff=coordinator,
            unit=primary_care,
            kind="ed_visits",
            file_name="akut.csv",
            text=ED,
        )
    assert not ImportBatch.objects.exists()


def test_the_command_prints_bad_lines(manager, tmp_path, capsys):
    path = tmp_path / "akut.csv"
    path.write_text(ED, encoding="utf-8")
    call_command("import_insights", str(path), kind="ed_visits", by="vcchef")
    out = capsys.readouterr().out
    assert "Rad 4: ålder 'x' är inte ett heltal." in out and "2 new, 0 already there, 1 bad" in out


def test_the_upload_page(client, manager, coordinator):
    as_manager = client_for(client, manager)
    upload = SimpleUploadedFile("akut.csv", ED.encode("utf-8-sig"), content_type="text/csv")
    response = as_manager.post(
        reverse("insights:imports"), {"kind": "ed_visits", "file": upload}, follow=True
    )
    # the worker reads the file (a job); the page polls its progress
    page = response.content.decode()
    assert "Filen är mottagen och läses in" in page and 'hx-trigger="every 2s"' in page
    assert run_due_jobs() == 1
    page = as_manager.get(response.redirect_chain[-1][0]).content.decode()
    assert "2 nya rader, 0 fanns redan, 1 felaktiga." in page and "Rad 4: ålder" in page
    assert not JobFile.objects.exists()  # the upload (with personnummer) is not kept
    latin = SimpleUploadedFile("akut.csv", "person;ålder\n".encode("latin-1"))
    response = as_manager.post(
        reverse("insights:imports"), {"kind": "ed_visits", "file": latin}, follow=True
    )
    assert "Filen är inte UTF-8" in response.content.decode()
    broken = SimpleUploadedFile("x.csv", b"person;datum\n1;2025-01-01\n")
    response = as_manager.post(
        reverse("insights:imports"), {"kind": "ed_visits", "file": broken}, follow=True
    )
    assert "Filen kan inte läsas: Rad 1: kolumnen för ålder saknas" in response.content.decode()
    client.logout()
    page = client_for(client, coordinator).get(reverse("insights:imports")).content.decode()
    assert "Bara chefer i organisationen läser in underlag." in page
