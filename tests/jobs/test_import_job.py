"""A large data-warehouse import as a job: the upload is queued with its file, the worker
reads it outside any transaction and stores it in short chunks, the page shows
"10 000 av 25 000 rader", and the file (personnummer) is not kept afterwards."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from hemma.errors import HemmaError, NotAllowed
from hemma.insights import imports
from hemma.insights import services as insights
from hemma.insights.models import EdVisitRecord, ImportBatch
from hemma.jobs import services as jobs
from hemma.jobs.models import Job, JobFile
from hemma.jobs.services import run_due_jobs
from tests.conftest import client_for, make_staff

pytestmark = pytest.mark.django_db
ROWS = 25_000
NBSP = "\xa0"  # Swedish thousands separator


@pytest.fixture
def manager(primary_care):
    return make_staff("vcchef", "physician", primary_care, role="manager")


def ed_visits(rows: int) -> str:
    start = date(2025, 1, 1)
    lines = ["person;datum;ålder;vårdcentral;kommun"]
    lines += [
        f"pseudo-{n};{start + timedelta(days=n % 365)};{65 + n % 30};Vårdcentral Kvarnen;Falun"
        for n in range(rows)
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_read_by_the_worker_with_progress(manager, primary_care, monkeypatch):
    reported, reading = [], {}
    progress = jobs.job_progress

    def recorded(job, text):
        reported.append(text)
        progress(job, text)

    parse = imports.parse

    def parsing(*args, **kwargs):
        reading["in_transaction"] = connection.in_atomic_block
        return parse(*args, **kwargs)

    monkeypatch.setattr(jobs, "job_progress", recorded)
    monkeypatch.setattr(imports, "parse", parsing)
    job = insights.import_request(
        staff=manager,
        unit=primary_care,
        kind="ed_visits",
        file_name="akut.csv",
        text=ed_visits(ROWS),
    )
    assert job.params["rows"] == ROWS and JobFile.objects.filter(job=job).exists()
    assert not EdVisitRecord.objects.exists()  # nothing happens in the request
    assert run_due_jobs() == 1
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert reading == {"in_transaction": False}
    assert f"Läser: 10{NBSP}000 av 25{NBSP}000 rader" in reported
    assert f"Sparar: 5{NBSP}000 av 25{NBSP}000 rader" in reported
    assert reported[-1] == f"Sparar: 25{NBSP}000 av 25{NBSP}000 rader"
    batch = ImportBatch.objects.get()
    assert job.result == {
        "batch": batch.pk,
        "imported": ROWS,
        "duplicates": 0,
        "errors": 0,
        "lines": ROWS + 1,
    }
    assert EdVisitRecord.objects.count() == ROWS
    assert not JobFile.objects.exists()


def test_a_wrong_file_or_a_non_manager_is_told_at_once(client, manager, coordinator, primary_care):
    with pytest.raises(HemmaError, match="Filen kan inte läsas: Rad 1: kolumnen för ålder saknas"):
        insights.import_request(
            staff=manager,
            unit=primary_care,
            kind="ed_visits",
            file_name="x.csv",
            text="person;datum\n1;2025-01-01\n",
        )
    with pytest.raises(NotAllowed):
        insights.import_request(
            staff=coordinator, unit=primary_care, kind="ed_visits", file_name="x", text=ed_visits(1)
        )
    assert not Job.objects.exists()


def test_the_import_page_polls_the_job_and_shows_a_failure_in_swedish(
    client, manager, primary_care, monkeypatch
):
    as_manager = client_for(client, manager)
    upload = SimpleUploadedFile("akut.csv", ed_visits(3).encode("utf-8-sig"))
    response = as_manager.post(
        reverse("insights:imports"), {"kind": "ed_visits", "file": upload}, follow=True
    )
    job = Job.objects.get()
    page = response.content.decode()
    assert f'hx-get="{reverse("jobs:status", args=[job.pk])}"' in page
    # the manager's role is withdrawn before the worker gets to it
    manager.memberships.update(role="member")
    run_due_jobs()
    page = as_manager.get(f"{reverse('insights:imports')}?job={job.pk}").content.decode()
    assert "Jobbet misslyckades:" in page
    assert "Bara chefer i organisationen läser in underlag." in page
    assert not JobFile.objects.exists() and not EdVisitRecord.objects.exists()
