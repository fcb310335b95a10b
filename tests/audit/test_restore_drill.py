"""The restore drill (issue 20, hemma/audit/restore_drill.py): a pg_dump of the running
database restored into a fresh one must match it table by table, access-log partition by
partition; a tampered copy must fail and be named.

The comparison is pure and runs everywhere. The drill itself needs PostgreSQL and the client
tools: pg_dump reads only committed rows, so those tests commit (transaction=True) and the
roles they create are dropped at their end."""

import functools
import importlib.util
import io
import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from hemma.audit import partitions, restore_drill
from hemma.audit.models import AccessLogEntry
from hemma.audit.restore_drill import Check, Figures, compare
from tests.conftest import IN_CI

POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the restore drill is PostgreSQL's"
)
LOG = "audit_accesslogentry"
NOVEMBER = f"{LOG}_2026_11"


def figures(**changes) -> Figures:
    values = {
        "row_counts": {LOG: 3, NOVEMBER: 2, f"{LOG}_default": 1, "patients_patient": 4},
        "access_log": {
            LOG: (3, 1, 3, "123"),
            NOVEMBER: (2, 1, 2, "100"),
            f"{LOG}_default": (1, 3, 3, "23"),
        },
        "migrations": [("audit", "0001_initial"), ("audit", "0004_partition_access_log")],
        "triggers": {(LOG, f"{LOG}_append_only", "O", "hemma_access_log_append_only")},
        "functions": {"hemma_access_log_append_only()": "abc"},
        "app_privileges": {LOG: ("INSERT", "SELECT"), "patients_patient": ("SELECT",)},
    }
    values.update(changes)
    return Figures(**values)


def failed(checks: list[Check]) -> list[str]:
    return [check.name for check in checks if not check.ok]


class TestTheComparison:
    def test_equal_figures_pass_every_check(self):
        checks = compare(figures(), figures())
        assert failed(checks) == []
        assert {"tables", "row counts", "access log", "migrations", "app role reads"} <= {
            check.name for check in checks
        }

    def test_a_missing_log_row_names_its_partition_twice(self):
        restored = figures(
            row_counts={LOG: 2, NOVEMBER: 1, f"{LOG}_default": 1, "patients_patient": 4},
            access_log={
                LOG: (2, 1, 3, "23"),
                NOVEMBER: (1, 2, 2, "0"),
                f"{LOG}_default": (1, 3, 3, "23"),
            },
        )
        assert failed(compare(figures(), restored)) == [
            f"rows {LOG}",
            f"rows {NOVEMBER}",
            f"access log {LOG}",
            f"access log {NOVEMBER}",
        ]

    def test_a_rewritten_row_is_caught_by_the_hash_alone(self):
        restored = figures(access_log={**figures().access_log, NOVEMBER: (2, 1, 2, "101")})
        assert failed(compare(figures(), restored)) == [f"access log {NOVEMBER}"]

    def test_a_missing_table_migration_trigger_or_function_fails(self):
        restored = figures(
            row_counts={LOG: 3, NOVEMBER: 2, f"{LOG}_default": 1},
            migrations=[("audit", "0001_initial")],
            triggers=set(),
            functions={},
        )
        assert failed(compare(figures(), restored)) == [
            "tables",
            "migrations",
            "triggers",
            "functions",
        ]

    def test_a_source_without_an_access_log_is_not_a_pass(self):
        assert "access log" in failed(compare(figures(access_log={}), figures(access_log={})))

    def test_restored_only_problems_fail(self):
        restored = figures(
            unprotected_log_tables=[NOVEMBER],
            sequence_problems=["audit_accesslog_id_seq (next 3, audit_accesslogentry.id up to 3)"],
            app_read_problems=["patients_patient (42501)"],
        )
        checks = compare(figures(), restored)
        assert failed(checks) == ["append-only trigger", "sequences", "app role reads"]
        assert NOVEMBER in next(c.detail for c in checks if c.name == "append-only trigger")

    def test_the_app_role_must_exist_and_keep_its_privileges(self):
        assert failed(compare(figures(app_privileges=None), figures())) == ["app role"]
        assert failed(compare(figures(), figures(app_privileges=None))) == ["app role"]
        wider = figures(app_privileges={LOG: ("DELETE", "INSERT", "SELECT")})
        assert "app role privileges" in failed(compare(figures(), wider))

    def test_the_report_says_failed_and_names_the_check(self):
        report = restore_drill.Report(
            "hemma", "hemma_drill_x", [Check("rows t", False, "source 2, restored 1")]
        )
        text = report.render()
        assert not report.ok
        assert "FAIL  rows t: source 2, restored 1" in text
        assert "FAILED: 1 of 1 checks" in text
        assert not restore_drill.Report("hemma", "x", []).ok  # nothing checked is no pass


class TestTheTools:
    def test_the_drill_database_has_a_fresh_name_within_63_characters(self):
        now = datetime(2026, 11, 30, 14, 5, 6, tzinfo=UTC)
        name = restore_drill.drill_database_name("hemma", now)
        assert name.startswith("hemma_drill_20261130_140506_")
        assert name != restore_drill.drill_database_name("hemma", now)
        assert len(restore_drill.drill_database_name("x" * 80, now)) == 63

    def test_the_password_goes_to_the_environment_never_the_command_line(self):
        params = restore_drill.libpq_params(
            {"NAME": "hemma", "HOST": "db", "PORT": 5432, "USER": "postgres", "PASSWORD": "s3"}
        )
        assert params == {
            "dbname": "hemma",
            "host": "db",
            "port": "5432",
            "user": "postgres",
            "password": "s3",
        }
        env = restore_drill.tool_env(params)
        assert env["PGPASSWORD"] == "s3" and env["PGHOST"] == "db"
        assert env["PGDATABASE"] == "hemma"

    def test_a_missing_tool_is_a_drill_error(self, tmp_path):
        with pytest.raises(restore_drill.DrillError, match="pg_dump not found"):
            restore_drill.find_tool("pg_dump", str(tmp_path))

    @pytest.mark.django_db
    def test_on_sqlite_the_command_explains_it_needs_postgresql(self):
        if connection.vendor != "sqlite":
            pytest.skip("the SQLite pass")
        with pytest.raises(CommandError, match="needs PostgreSQL"):
            call_command("restore_drill", stdout=io.StringIO())


# --- On PostgreSQL: the real drill --------------------------------------------------------

OWNER, APP = f"hemma_owner_rd{os.getpid()}", f"hemma_app_rd{os.getpid()}"


def _month_partition(day) -> str:
    return f"{LOG}_{day:%Y_%m}"


def _entry(when, patient, detail):
    return AccessLogEntry.objects.create(
        occurred_at=when,
        user_display="Test Testsson",
        patient=patient,
        patient_display="Kim Testsson",
        action="view_patient",
        purpose="care",
        outcome="granted",
        detail=detail,
    )


@pytest.fixture
def drill_data(kim):
    """Committed rows: access-log entries in last month's and this month's partitions and
    one in the default partition, a patient, and the owner and app roles."""
    try:
        restore_drill.find_tool("pg_dump"), restore_drill.find_tool("pg_restore")
    except restore_drill.DrillError as error:
        message = f"the restore drill cannot run: {error}"
        if IN_CI:
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)
    call_command("db_roles", "--apply", owner=OWNER, app=APP, stdout=io.StringIO())
    now = datetime.now(UTC)
    last_month = (now.replace(day=1) - timedelta(days=1)).replace(day=15, hour=12)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {partitions.ENSURE_FUNCTION}(0, %s)", [last_month.date().replace(day=1)]
        )
    for number in range(2):
        _entry(last_month + timedelta(minutes=number), kim, f"last month {number}")
    for number in range(3):
        _entry(now - timedelta(seconds=number), kim, f"this month {number}")
    _entry(datetime(1990, 1, 1, tzinfo=UTC), None, "a clock far off")
    yield {"last": _month_partition(last_month), "this": _month_partition(now)}
    with connection.cursor() as cursor:
        for role in (APP, OWNER):
            cursor.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            cursor.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def drill(**options):
    return restore_drill.run_drill(connection.settings_dict, app_role=APP, **options)


def _databases(prefix: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "%"])
        return [name for (name,) in cursor.fetchall()]


def delete_oldest(table):
    """Tamper with the copy as a superuser would: past the append-only trigger."""

    def tamper(restored: psycopg.Connection):
        restored.execute("SET session_replication_role = replica")
        restored.execute(
            sql.SQL("DELETE FROM {table} WHERE id = (SELECT min(id) FROM {table})").format(
                table=sql.Identifier(table)
            )
        )

    return tamper


def tamper_with_everything(data):
    """Five independent changes to the copy, each in a table of its own, made as a superuser
    would (past the append-only trigger)."""

    def tamper(restored: psycopg.Connection):
        restored.execute("SET session_replication_role = replica")
        delete_oldest(data["last"])(restored)
        restored.execute(  # the same count: only the hash can tell
            sql.SQL("UPDATE {} SET detail = 'rewritten' WHERE detail = 'this month 1'").format(
                sql.Identifier(data["this"])
            )
        )
        restored.execute("DELETE FROM django_migrations WHERE app = 'audit'")
        restored.execute(
            sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(
                sql.Identifier(f"{LOG}_default"), sql.Identifier(restore_drill.APPEND_ONLY_TRIGGER)
            )
        )
        restored.execute(
            sql.SQL("REVOKE SELECT ON {} FROM {}").format(
                sql.Identifier("patients_patient"), sql.Identifier(APP)
            )
        )
        # Table privileges intact, but no way into the schema: only reading shows it.
        restored.execute(
            sql.SQL("REVOKE USAGE ON SCHEMA public FROM PUBLIC, {}").format(sql.Identifier(APP))
        )

    return tamper


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
class TestTheDrill:
    """Each drill takes seconds (tens on a loaded machine): few, each checking much."""

    def test_a_faithful_copy_passes_though_rows_are_written_meanwhile(
        self, drill_data, monkeypatch
    ):
        """The source's figures come from the dump's own snapshot, not from after it."""
        real_run = restore_drill._run

        def run_then_write(command, env):
            seconds = real_run(command, env)
            if command[0].endswith("pg_dump"):
                params = restore_drill.libpq_params(connection.settings_dict)
                with psycopg.connect(**params, autocommit=True) as other:
                    other.execute(
                        f"INSERT INTO {LOG} (occurred_at, user_display, staff_hsa_id, "
                        "unit_display, patient_display, action, detail, purpose, outcome) "
                        "VALUES (now(), 'Test', '', '', '', 'search', 'meanwhile', 'care', "
                        "'granted')"
                    )
            return seconds

        monkeypatch.setattr(restore_drill, "_run", run_then_write)
        report = drill()
        assert report.ok, report.render()
        details = {check.name: check.detail for check in report.checks}
        assert details["access log"].startswith("6 rows in ")  # as at the dump
        assert AccessLogEntry.objects.count() == 7  # the row written after the snapshot
        assert _databases(report.restored) == []
        assert "PASSED" in report.render()

    def test_the_command_prints_the_report_and_keeps_the_copy_on_request(self, drill_data):
        out = io.StringIO()
        call_command("restore_drill", "--app-role", APP, "--keep", stdout=out)
        text = out.getvalue()
        assert "PASSED" in text
        restored = text.splitlines()[0].split(" -> ")[1]
        assert _databases(restored) == [restored]
        restore_drill.drop_database(
            restore_drill.libpq_params(connection.settings_dict, "postgres"), restored
        )

    def test_the_command_exits_non_zero_on_a_tampered_copy(self, drill_data, monkeypatch):
        tampered = functools.partial(
            restore_drill.run_drill, before_checks=delete_oldest(drill_data["this"])
        )
        monkeypatch.setattr(restore_drill, "run_drill", tampered)
        out = io.StringIO()
        with pytest.raises(CommandError, match=f"rows {drill_data['this']}"):
            call_command("restore_drill", "--app-role", APP, stdout=out)
        assert f"FAIL  access log {drill_data['this']}" in out.getvalue()
        assert "dropped the drill database" in out.getvalue()

    def test_every_change_to_the_copy_fails_and_is_named(self, drill_data):
        report = drill(before_checks=tamper_with_everything(drill_data))
        assert not report.ok
        failures = {check.name: check.detail for check in report.failures}
        last, this = drill_data["last"], drill_data["this"]
        # The deleted row: its partition's count and figures, and the parent's.
        assert {f"rows {last}", f"access log {last}", f"rows {LOG}", f"access log {LOG}"} <= set(
            failures
        )
        # The rewritten row: the same count, another hash.
        assert f"access log {this}" in failures and f"rows {this}" not in failures
        assert "audit" in failures["migrations"]
        assert f"{LOG}_default" in failures["append-only trigger"]
        assert "triggers" in failures
        assert "patients_patient" in failures["app role privileges"]
        assert f"{LOG} (42501)" in failures["app role reads"]
        assert _databases(report.restored) == []

    def test_a_missing_app_role_is_seen(self):
        with connection.cursor() as cursor:
            assert restore_drill.app_privileges(cursor, "hemma_no_such_role") is None
            cursor.execute("SELECT current_user")
            assert restore_drill.app_privileges(cursor, cursor.fetchone()[0])


# --- The point-in-time recovery drill (scripts/pitr_drill.py) ------------------------------


def _pitr_module():
    spec = importlib.util.spec_from_file_location(
        "pitr_drill", Path(__file__).resolve().parents[2] / "scripts" / "pitr_drill.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def pitr():
    module = _pitr_module()
    bin_dir = os.environ.get("HEMMA_PG_SERVER_BIN", module.DEFAULT_BIN)
    missing = [tool for tool in ("initdb", "pg_ctl") if not (Path(bin_dir) / tool).exists()]
    if missing or (os.geteuid() == 0 and shutil.which("runuser") is None):
        message = f"the PITR drill cannot run: no {missing or 'runuser'} in {bin_dir}"
        if IN_CI:
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)
    return functools.partial(module.drill, bin_dir=bin_dir, app_role=APP)


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
class TestThePointInTimeRecoveryDrill:
    def test_the_copy_recovered_to_the_target_time_matches_it(self, drill_data, pitr):
        report = pitr(connection.settings_dict)
        assert report.ok, report.render()
        assert "backup successfully verified" in report.notes
        assert any("recovery stopping before commit" in note for note in report.notes)
        cleanup = next(note for note in report.notes if note.startswith("pg_archivecleanup"))
        assert int(re.search(r": (\d+) archived files removed", cleanup)[1]) >= 1
        assert "paused at the target, then promoted" in {check.name for check in report.checks}

    def test_recovery_past_the_target_is_caught(self, drill_data, pitr):
        def no_target(data: Path):
            conf = data / "postgresql.conf"
            lines = conf.read_text().splitlines()
            conf.write_text("\n".join(x for x in lines if "recovery_target_time" not in x))

        report = pitr(connection.settings_dict, before_recovery=no_target)
        names = [check.name for check in report.failures]
        assert "rows written after the target" in names
        assert f"rows {drill_data['this']}" in names
