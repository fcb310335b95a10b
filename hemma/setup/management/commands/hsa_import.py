"""hemma hsa_import FILE --by USERNAME

Reads an HSA catalogue file (organisations, units and staff; docs/setup.md) with the same
rules as the upload page: bad lines are printed with their line number and skipped, good
rows kept, a second run updates and never duplicates. --by is the acting user: the
operator (a superuser without a staff profile, who alone adds organisations) for the first
file of a new installation, else an administrator of the organisations in the file."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from hemma.errors import HemmaError
from hemma.setup import services
from hemma.setup.hsa_import import MAX_BYTES


class Command(BaseCommand):
    help = "Import organisations, units and staff from an HSA catalogue CSV file."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--by", required=True, help="username of the operator or an administrator"
        )

    def handle(self, *args, path, by, **options):
        user = get_user_model().objects.filter(username=by, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {by!r}")
        try:
            with path.open("rb") as file:
                data = file.read(MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error}") from None
        try:
            result = services.hsa_import_file(by=user, data=data)
        except HemmaError as error:
            raise CommandError(error.message) from None
        for what in result.created:
            self.stdout.write(f"ny: {what}")
        for what in result.updated:
            self.stdout.write(f"ändrad: {what}")
        for error in result.errors:
            self.stdout.write(str(error))
        self.stdout.write(
            f"{result.rows} rader: {len(result.created)} nya, {len(result.updated)} ändrade, "
            f"{result.unchanged} oförändrade, {len(result.errors)} felaktiga"
        )
