"""hemma import_insights --kind ed_visits|population|bed_days|admissions --by USERNAME FILE

Reads a CSV file from the region's data warehouse into the outcome dashboard (the same
rules as the upload page): bad rows are printed with their line number, good rows kept,
re-importing the same file adds nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hemma.accounts.models import Staff
from hemma.errors import HemmaError
from hemma.insights import services
from hemma.insights.models import ImportBatch


class Command(BaseCommand):
    help = (
        "Import ED visits, listed population, ward bed-days or inpatient stays (CSV) for the "
        "dashboard."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--kind", required=True, choices=ImportBatch.Kind.values)
        parser.add_argument("--by", required=True, help="username of a manager in the organisation")
        parser.add_argument(
            "--organisation", help="name (default: the manager's first organisation)"
        )

    def handle(self, *args, path, kind, by, organisation, **options):
        staff = Staff.objects.filter(user__username=by).first()
        if staff is None:
            raise CommandError(f"no staff member {by!r}")
        # The manager acts for one of their units in the organisation (its organisation is
        # where the rows go).
        units = staff.units.select_related("organisation").order_by("organisation__name", "name")
        chosen = next(
            (u for u in units if not organisation or u.organisation.name == organisation), None
        )
        if chosen is None:
            raise CommandError(f"{by} does not work in {organisation!r}")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}") from None

        def progress(line):
            self.stderr.write(f"… line {line}")

        try:
            batch = services.import_file(
                staff=staff,
                unit=chosen,
                kind=kind,
                file_name=path.name,
                text=text,
                progress=progress,
            )
        except HemmaError as error:
            raise CommandError(error.message) from None
        for error in batch.errors:
            self.stdout.write(error)
        self.stdout.write(
            f"{batch.imported} new, {batch.duplicates} already there, {len(batch.errors)} bad "
            f"rows of {batch.lines - 1}"
        )
