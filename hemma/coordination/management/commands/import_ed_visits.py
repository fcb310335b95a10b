"""Import ED visits (akutbesök) from a CSV file: columns personnummer;datum.

hemma import_ed_visits visits.csv
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hemma.coordination.screening import ed_visits_import


class Command(BaseCommand):
    help = "Import ED visits (personnummer;datum) from a CSV file; bad lines are reported."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"no such file: {path}")
        report = ed_visits_import(file.read_text(encoding="utf-8-sig"), source=file.name)
        self.stdout.write(
            f"imported {report.created}, already there {report.duplicates}, "
            f"errors {len(report.errors)}"
        )
        for line, message in report.errors:
            self.stdout.write(f"  line {line}: {message}")
