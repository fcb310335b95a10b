"""The access log partitioned by month on PostgreSQL (issue 20, hemma/audit/partitions.py):
partitions created ahead, rows in the right month, retention by detaching whole months, and
the app role kept to SELECT and INSERT on every partition. SQLite keeps one table."""

import io
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import ProgrammingError, connection, transaction
from psycopg import sql

from hemma.audit import partitions
from hemma.audit.models import AccessLogEntry

POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitioning is PostgreSQL's"
)
PARENT = partitions.PARENT


def test_a_month_partition_is_named_by_its_month():
    assert partitions.month_of(f"{PARENT}_2026_11") == date(2026, 11, 1)
    assert partitions.month_of(f"{PARENT}_2026_13") is None
    assert partitions.month_of(partitions.DEFAULT_PARTITION) is None
    assert partitions.month_of("patients_patient") is None


def test_retention_keeps_the_current_month_and_whole_years_before_it():
    assert partitions.retention_cutoff(date(2026, 11, 30), 5) == date(2021, 11, 1)
    names = [f"{PARENT}_{m}" for m in ("2021_12", "2021_10", "2021_11", "2020_01")]
    names.append(partitions.DEFAULT_PARTITION)
    assert partitions.partitions_to_detach(names, date(2021, 11, 1)) == [
        f"{PARENT}_2020_01",
        f"{PARENT}_2021_10",
    ]


def test_on_sqlite_the_command_says_there_is_nothing_to_do(db):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite pass")
    out = io.StringIO()
    call_command("access_log_partitions", stdout=out)
    assert "one table" in out.getvalue()
    assert partitions.ensure_partitions() == 0


def _entry(when, detail=""):
    return AccessLogEntry.objects.create(
        occurred_at=when,
        user_display="Test",
        action="search",
        purpose="care",
        outcome="granted",
        detail=detail,
    )


def _partition_of(entry) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text FROM {PARENT} WHERE id = %s",  # noqa: S608
            [entry.pk],
        )
        return cursor.fetchone()[0]


def _month_name(day: date) -> str:
    return f"{PARENT}_{day:%Y_%m}"


@POSTGRESQL_ONLY
@pytest.mark.django_db
class TestPartitions:
    def test_the_migration_made_the_log_partitioned_with_months_ahead(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [PARENT])
            assert cursor.fetchone() == ("p",)
        attached = partitions.attached_partitions()
        this_month = datetime.now(UTC).date().replace(day=1)
        assert _month_name(this_month) in attached
        assert partitions.DEFAULT_PARTITION in attached
        assert len([n for n in attached if partitions.month_of(n)]) >= 4  # this + 3 ahead

    def test_an_entry_lands_in_its_month_and_an_absurd_date_in_the_default(self):
        now = datetime.now(UTC)
        assert _partition_of(_entry(now)) == _month_name(now.date())
        assert _partition_of(_entry(datetime(1990, 1, 1, tzinfo=UTC))) == (
            partitions.DEFAULT_PARTITION
        )
        assert AccessLogEntry.objects.count() == 2  # both read through the parent

    def test_the_worker_creates_months_ahead_once_an_hour_and_idempotently(self, monkeypatch):
        monkeypatch.setattr(partitions, "MONTHS_AHEAD", 6)
        monkeypatch.setattr(partitions, "_last_ensured", None)
        before = set(partitions.attached_partitions())
        clock = iter([1000.0, 1500.0, 1000.0 + 3601])
        assert partitions.ensure_partitions_hourly(clock=lambda: next(clock)) == 0  # default 3
        assert partitions.ensure_partitions(6) == 3
        assert partitions.ensure_partitions(6) == 0
        assert partitions.ensure_partitions_hourly(clock=lambda: next(clock)) == 0  # throttled
        assert len(set(partitions.attached_partitions()) - before) == 3

    def test_a_month_whose_rows_wait_in_the_default_partition_is_skipped_not_failed(self):
        _entry(datetime(2019, 5, 3, tzinfo=UTC), "early")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {partitions.ENSURE_FUNCTION}(0, '2019-04-01')")
        attached = partitions.attached_partitions()
        assert f"{PARENT}_2019_04" in attached and f"{PARENT}_2019_06" in attached
        assert f"{PARENT}_2019_05" not in attached
        assert AccessLogEntry.objects.get().detail == "early"

    def test_retention_detaches_whole_old_months_and_keeps_their_rows(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {partitions.ENSURE_FUNCTION}(0, '2019-01-01')")
        old = _entry(datetime(2019, 2, 10, tzinfo=UTC), "old")
        _entry(datetime.now(UTC), "new")
        with pytest.raises(CommandError, match="at least 5"):
            call_command("access_log_partitions", "--keep-years", "4", "--detach")
        out = io.StringIO()
        call_command("access_log_partitions", "--keep-years", "5", stdout=out)
        assert f"would detach (add --detach): {PARENT}_2019_01, {PARENT}_2019_02" in out.getvalue()
        assert AccessLogEntry.objects.count() == 2  # a dry run changes nothing
        call_command("access_log_partitions", "--keep-years", "5", "--detach", stdout=out)
        assert list(AccessLogEntry.objects.values_list("detail", flat=True)) == ["new"]
        assert f"{PARENT}_2019_02" not in partitions.attached_partitions()
        with connection.cursor() as cursor:  # the month is kept as a table for archiving
            cursor.execute(f'SELECT id, detail FROM "{PARENT}_2019_02"')  # noqa: S608
            assert cursor.fetchall() == [(old.pk, "old")]

    def test_the_app_role_creates_partitions_but_cannot_rewrite_or_detach_them(self):
        owner, app = "hemma_owner_part", "hemma_app_part"
        call_command(
            "db_roles",
            "--apply",
            "--transfer-ownership",
            owner=owner,
            app=app,
            stdout=io.StringIO(),
        )
        _entry(datetime.now(UTC), "kept")
        this_month = _month_name(datetime.now(UTC).date())
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("SET ROLE {}").format(sql.Identifier(app)).as_string(connection.connection)
            )
            try:
                cursor.execute(f"SELECT {partitions.ENSURE_FUNCTION}(8)")
                assert cursor.fetchone()[0] == 5  # 3 ahead existed; 4 to 8 are new
                newest = sorted(n for n in partitions.attached_partitions() if "_20" in n)[-1]
                for statement in [
                    f"UPDATE {this_month} SET detail = 'x'",
                    f"DELETE FROM {partitions.DEFAULT_PARTITION}",
                    f"DELETE FROM {newest}",
                    f"TRUNCATE {this_month}",
                    f"ALTER TABLE {PARENT} DETACH PARTITION {this_month}",
                    f"DROP TABLE {newest}",
                ]:
                    with pytest.raises(ProgrammingError) as refused, transaction.atomic():
                        cursor.execute(statement)
                    assert refused.value.__cause__.sqlstate == "42501", statement
                cursor.execute(
                    "SELECT relowner::regrole::text FROM pg_class WHERE relname = %s", [newest]
                )
                assert cursor.fetchone() == (owner,)
            finally:
                cursor.execute("RESET ROLE")
        assert AccessLogEntry.objects.get().detail == "kept"
