"""The access log on PostgreSQL, partitioned by month (issue 20).

Every read of every patient is logged and kept at least five years, so the log is the one
table that grows without bound (≈ 10 million rows a day at national scale,
docs/operations.md). On PostgreSQL it is range-partitioned on `occurred_at` by UTC month:

- `audit_accesslogentry` is the partitioned parent; the app reads and inserts through it.
  Its indexes (patient, user, unit, time) are created on the parent, so every partition
  gets its own. The primary key is (id, occurred_at): a key on a partitioned table must
  contain the partition key. The ids come from a sequence owned by the id column.
- `audit_accesslogentry_YYYY_MM` holds one month; `audit_accesslogentry_default` catches
  a row no month partition takes (a worker that has not run for months, a clock far off),
  so that a missing partition never loses a log entry or fails a patient read.
- `hemma_access_log_ensure_partitions(months_ahead)` creates the month partitions from this
  month to `months_ahead` ahead. It is SECURITY DEFINER: it runs as its owner (the owner
  role after `hemma db_roles`), so the worker, logged in as the app role that may not
  create tables, can call it; each partition it creates is stripped of every privilege
  but SELECT and INSERT for roles other than the owner.
- Retention detaches whole months (`hemma access_log_partitions --detach-before`, run as the
  owner): the detached table stays in the database for archiving (pg_dump -t) and dropping
  by a DBA. Rows are never deleted one by one, and the append-only trigger stays on every
  partition (a row trigger on the parent is cloned to each).

SQLite keeps the one table. The SQL below is plain text, run by migration 0004 and by the
worker; tests/audit/test_partitions.py checks it on PostgreSQL.
"""

import re
import time
from datetime import UTC, date, datetime

from django.db import connection

PARENT = "audit_accesslogentry"
DEFAULT_PARTITION = f"{PARENT}_default"
MONTH_PARTITION = re.compile(rf"^{PARENT}_(\d{{4}})_(\d{{2}})$")
ENSURE_FUNCTION = "hemma_access_log_ensure_partitions"
MONTHS_AHEAD = 3

# Built from this module's constants only. The function itself quotes with %I / %L.
ENSURE_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {ENSURE_FUNCTION}(months_ahead integer, from_month date DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    month date := date_trunc('month', coalesce(from_month, (now() AT TIME ZONE 'UTC')::date));
    last_month date := date_trunc('month', (now() AT TIME ZONE 'UTC')::date)
        + make_interval(months => months_ahead);
    partition text;
    grantee text;
    created integer := 0;
BEGIN
    IF months_ahead < 0 OR months_ahead > 24 THEN
        RAISE EXCEPTION 'months_ahead must be 0-24, not %', months_ahead;
    END IF;
    WHILE month <= last_month LOOP
        partition := format('{PARENT}_%s', to_char(month, 'YYYY_MM'));
        IF to_regclass(partition) IS NULL THEN
            IF EXISTS (SELECT FROM {DEFAULT_PARTITION}
                       WHERE occurred_at >= (month::timestamp AT TIME ZONE 'UTC')
                         AND occurred_at < ((month + interval '1 month') AT TIME ZONE 'UTC'))
            THEN
                -- PostgreSQL refuses a partition whose rows sit in the default one; they
                -- stay there (still read through the parent) and the month is skipped.
                RAISE WARNING 'access log: rows for % are in the default partition', month;
            ELSE
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF {PARENT} FOR VALUES FROM (%L) TO (%L)',
                    partition,
                    to_char(month, 'YYYY-MM-DD') || ' 00:00:00+00',
                    to_char(month + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
                -- Default privileges gave other roles UPDATE and DELETE on the new table.
                FOR grantee IN
                    SELECT DISTINCT g.grantee::text FROM information_schema.role_table_grants g
                    WHERE g.table_schema = 'public' AND g.table_name = partition
                      AND g.grantee <> current_user
                LOOP
                    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER '
                                   'ON TABLE %I FROM %I', partition, grantee);
                END LOOP;
                created := created + 1;
            END IF;
        END IF;
        month := month + interval '1 month';
    END LOOP;
    RETURN created;
END;
$$;
REVOKE ALL ON FUNCTION {ENSURE_FUNCTION}(integer, date) FROM PUBLIC;
"""  # noqa: S608


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def ensure_partitions(months_ahead: int = MONTHS_AHEAD) -> int:
    """Create the month partitions up to `months_ahead` ahead (the worker calls this); the
    number created. A no-op on SQLite."""
    if not is_postgresql():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {ENSURE_FUNCTION}(%s)", [months_ahead])
        return cursor.fetchone()[0]


_last_ensured: float | None = None
ENSURE_EVERY_SECONDS = 3600


def ensure_partitions_hourly(clock=time.monotonic) -> int:
    """The worker's pass: create partitions ahead at most once an hour per process (months
    are created three ahead, so a worker down for a while loses nothing)."""
    global _last_ensured
    now = clock()
    if _last_ensured is not None and now - _last_ensured < ENSURE_EVERY_SECONDS:
        return 0
    created = ensure_partitions()
    _last_ensured = now
    return created


def month_of(partition: str) -> date | None:
    """The first day of the month a partition holds, or None for other tables."""
    match = MONTH_PARTITION.match(partition)
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1) if 1 <= month <= 12 else None


def partitions_to_detach(partitions: list[str], before: date) -> list[str]:
    """The month partitions that end on or before `before` (the first month kept), oldest
    first. Pure: the retention command's choice, tested without a database."""
    months = [(month, name) for name in partitions if (month := month_of(name)) is not None]
    return [name for month, name in sorted(months) if _next_month(month) <= before]


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def retention_cutoff(today: date, keep_years: int) -> date:
    """The first month kept: the current month and the `keep_years` whole years before it."""
    return date(today.year - keep_years, today.month, 1)


def attached_partitions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [PARENT],
        )
        return [name for (name,) in cursor.fetchall()]


def detach(partition: str) -> None:
    """Detach one month (it stays as a table of its own for archiving). Needs the owner."""
    if month_of(partition) is None:
        raise ValueError(f"not a month partition of the access log: {partition!r}")
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE {PARENT} DETACH PARTITION "{partition}"')


def now_utc_date() -> date:
    return datetime.now(UTC).date()
