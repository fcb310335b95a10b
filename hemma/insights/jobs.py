"""A data-warehouse import as a background job (`hemma.jobs`): the upload page queues it
with the file, the worker reads and stores it here, the page polls "12 000 av 100 000
rader"."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from hemma.errors import HemmaError
from hemma.jobs.selectors import job_file

from . import services


def _n(number: int) -> str:
    return number_format(number, force_grouping=True)


def run_import(job, progress) -> dict:
    upload = job_file(job)
    if upload is None:
        raise HemmaError(_("Filen finns inte längre. Läs in den igen."))
    total = job.params.get("rows", 0)

    def read(line: int) -> None:
        rows = {"done": _n(line - 1), "total": _n(total)}
        progress(_("Läser: %(done)s av %(total)s rader") % rows)

    def stored(done: int, of: int) -> None:
        rows = {"done": _n(done), "total": _n(of)}
        progress(_("Sparar: %(done)s av %(total)s rader") % rows)

    read(1)
    batch = services.import_file(
        staff=job.created_by,
        unit=job.unit,
        kind=job.params["kind"],
        file_name=upload.name,
        text=upload.text,
        progress=read,
        stored=stored,
    )
    return {
        "batch": batch.pk,
        "imported": batch.imported,
        "duplicates": batch.duplicates,
        "errors": len(batch.errors),
        "lines": batch.lines,
    }
