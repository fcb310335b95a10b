"""The access log's month partitions on PostgreSQL (hemma/audit/partitions.py).

    hemma access_log_partitions                      # list them, create next months' if missing
    hemma access_log_partitions --keep-years 5       # also show what retention would detach
    hemma access_log_partitions --keep-years 5 --detach   # detach them (as the owner role)

Detaching keeps the month as a table of its own for archiving (pg_dump -t …) and a DBA's
DROP; no row is deleted by Hemma. The worker creates partitions ahead on its own.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hemma.audit import partitions


class Command(BaseCommand):
    help = "List and create the access log's month partitions; detach those past retention."

    def add_arguments(self, parser):
        parser.add_argument(
            "--months-ahead", type=int, default=partitions.MONTHS_AHEAD, help="Create ahead."
        )
        parser.add_argument(
            "--keep-years",
            type=int,
            help="Retention: the current month and this many whole years before it are kept.",
        )
        parser.add_argument(
            "--detach", action="store_true", help="Detach the months past retention."
        )

    def handle(self, *args, months_ahead, keep_years, detach, **options):
        if not partitions.is_postgresql():
            self.stdout.write("SQLite keeps the access log in one table: nothing to do.")
            return
        if not 0 <= months_ahead <= 24:
            raise CommandError("--months-ahead must be 0-24.")
        if detach and keep_years is None:
            raise CommandError("--detach needs --keep-years.")
        if keep_years is not None and keep_years < 5:
            # Patientdatalagen and HSLF-FS 2016:40: the log is kept at least five years.
            raise CommandError("--keep-years must be at least 5 (the access log's minimum).")
        created = partitions.ensure_partitions(months_ahead)
        attached = partitions.attached_partitions()
        self.stdout.write(f"created {created}; attached: {len(attached)} partitions")
        for name in attached:
            self.stdout.write(f"  {name}")
        if keep_years is None:
            return
        cutoff = partitions.retention_cutoff(partitions.now_utc_date(), keep_years)
        old = partitions.partitions_to_detach(attached, cutoff)
        verb = "detached" if detach else "would detach (add --detach)"
        self.stdout.write(f"kept from {cutoff:%Y-%m}; {verb}: {', '.join(old) or 'none'}")
        if detach:
            with transaction.atomic():
                for name in old:
                    partitions.detach(name)
