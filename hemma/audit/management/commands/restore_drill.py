"""The restore drill: back up the running database, restore it into a fresh one and compare
(hemma/audit/restore_drill.py, docs/operations.md "Backups and recovery").

    hemma restore_drill                          # dump, restore, compare, drop the copy
    hemma restore_drill --keep                   # keep the restored copy to look at
    hemma restore_drill --app-role hemma_app --pg-bin /usr/lib/postgresql/15/bin

Run it as a PostgreSQL superuser (DATABASE_URL=postgres://postgres@db/hemma): it creates a
database and restores objects owned by the owner role. Exits 1 on any mismatch.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from hemma.audit import restore_drill
from hemma.audit.db_roles import BadRoleName, validate_role_name


class Command(BaseCommand):
    help = "Dump the database, restore it into a new one, compare them and drop the copy."

    def add_arguments(self, parser):
        parser.add_argument("--keep", action="store_true", help="Keep the restored database.")
        parser.add_argument(
            "--app-role", default="hemma_app", help="The role the app logs in as (must read)."
        )
        parser.add_argument(
            "--pg-bin", help="Directory of pg_dump and pg_restore (default: HEMMA_PG_BIN, PATH)."
        )
        parser.add_argument(
            "--maintenance-db", default="postgres", help="Where CREATE DATABASE is run."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, keep, app_role, pg_bin, maintenance_db, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(
                f"The restore drill needs PostgreSQL; this database is {connection.vendor} "
                "(back up a SQLite file with `sqlite3 FILE '.backup COPY'`)."
            )
        try:
            validate_role_name(app_role)
        except BadRoleName as error:
            raise CommandError(str(error)) from error
        try:
            report = restore_drill.run_drill(
                connection.settings_dict,
                app_role=app_role,
                keep=keep,
                pg_bin=pg_bin,
                maintenance_db=maintenance_db,
            )
        except restore_drill.DrillError as error:
            raise CommandError(f"Restore drill FAILED: {error}") from error
        self.stdout.write(report.render())
        if not report.ok:
            names = ", ".join(check.name for check in report.failures)
            raise CommandError(f"Restore drill FAILED: {names}")
