"""The restore drill (issue 20): prove that a backup of Hemma's PostgreSQL database restores.

`hemma restore_drill` (docs/operations.md, "Backups and recovery"):

1. opens a REPEATABLE READ transaction on the running database and exports its snapshot;
2. `pg_dump -Fc --snapshot=…` dumps exactly that snapshot, so the figures below match the
   dump even while the app keeps writing (every patient read adds an access-log row);
3. reads the source's figures inside the same transaction;
4. creates a fresh, uniquely named database owned like the source, `pg_restore`s into it,
   reads the same figures there and compares them;
5. drops the drill database (unless `--keep`).

The figures: the row count of every table in schema public (each access-log month partition,
the default one and detached months included); for every access-log table the count, lowest
and highest id and an aggregate hash of its rows (below); the applied migrations; every
trigger with its enabled state and every function's definition (the append-only trigger is the
access log's integrity in the database: Hemma keeps no hash chain); the app role's privileges
on every table. On the restored copy only: the app role can actually read every table, every
access-log table attached to the log still has its append-only trigger enabled, and every
sequence would hand out an id above the highest one in use.

The access-log hash is the sum, as numeric, of the first 64 bits of md5 of each row's text
(which includes the id), computed in SQL with the same session settings on both sides. A
changed, missing or added row changes it. Unlike a hash of the rows concatenated in id order
it needs constant memory: a month of a national log (≈ 300 million rows) would not fit in one
PostgreSQL text value (1 GB).

The comparison (`compare`) is pure and tested without a database; the rest needs PostgreSQL
and the client tools (pg_dump, pg_restore) of the server's major version or newer.

Long module: the figures, their SQL, the comparison and the dump-and-restore run are one
procedure, read and changed together; split, each part would make sense only with the others.
"""

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from .db_roles import ACCESS_LOG_TABLE, SCHEMA, is_access_log_partition

APPEND_ONLY_TRIGGER = f"{ACCESS_LOG_TABLE}_append_only"
PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
# The same text for every row on both sides: row::text depends on these settings.
SESSION_SETTINGS = [
    "SET TIME ZONE 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 1",
    "SET bytea_output = 'hex'",
]
MAX_NAME = 63  # PostgreSQL's identifier length


class DrillError(Exception):
    """The drill could not run (a tool failed, a database could not be created)."""


@dataclass
class Figures:
    """What is compared, read from one database."""

    row_counts: dict[str, int]
    access_log: dict[str, tuple]  # table -> (count, min id, max id, hash)
    migrations: list[tuple[str, str]]
    triggers: set[tuple[str, str, str, str]]  # (table, trigger, enabled, function)
    functions: dict[str, str]  # signature -> md5 of the definition
    app_privileges: dict[str, tuple[str, ...]] | None  # None: the app role does not exist
    # Read on the restored copy only (empty on the source):
    app_read_problems: list[str] = field(default_factory=list)
    unprotected_log_tables: list[str] = field(default_factory=list)
    sequence_problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    source: str
    restored: str
    checks: list[Check]
    notes: list[str] = field(default_factory=list)
    kept: bool = False
    cleanup: str = ""  # instead of the line about dropping the drill database

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def render(self) -> str:
        lines = [f"Restore drill: {self.source} -> {self.restored}"]
        lines += [f"  {note}" for note in self.notes]
        for check in self.checks:
            lines.append(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
        if self.cleanup:
            lines.append(f"  {self.cleanup}")
        elif self.kept:
            lines.append(f"  kept the drill database {self.restored} (--keep): drop it yourself")
        else:
            lines.append(f"  dropped the drill database {self.restored}")
        failed = len(self.failures)
        lines.append(
            "PASSED: the restored copy matches the source"
            if self.ok
            else f"FAILED: {failed} of {len(self.checks)} checks"
        )
        return "\n".join(lines)


# --- The comparison (pure) ----------------------------------------------------------------


def compare(source: Figures, restored: Figures) -> list[Check]:
    checks = _table_checks(source.row_counts, restored.row_counts)
    checks += _access_log_checks(source.access_log, restored.access_log)
    checks.append(_same("migrations", source.migrations, restored.migrations, "applied"))
    checks.append(_same("triggers", sorted(source.triggers), sorted(restored.triggers)))
    checks.append(
        _same("functions", sorted(source.functions.items()), sorted(restored.functions.items()))
    )
    checks.append(
        _problems(
            "append-only trigger",
            restored.unprotected_log_tables,
            "enabled on the access log and every attached partition",
            "missing or disabled on",
        )
    )
    checks.append(
        _problems("sequences", restored.sequence_problems, "every next id is above the highest")
    )
    checks += _app_role_checks(source.app_privileges, restored)
    return checks


def _table_checks(source: dict[str, int], restored: dict[str, int]) -> list[Check]:
    checks = []
    missing = sorted(set(source) - set(restored))
    extra = sorted(set(restored) - set(source))
    if missing or extra:
        checks.append(
            Check("tables", False, f"missing in the copy: {missing}; only in the copy: {extra}")
        )
    else:
        checks.append(Check("tables", True, f"the same {len(source)} tables"))
    differing = [t for t in sorted(set(source) & set(restored)) if source[t] != restored[t]]
    for table in differing:
        checks.append(
            Check(
                f"rows {table}",
                False,
                f"source {source[table]}, restored {restored[table]}",
            )
        )
    if not differing:
        total = sum(source.values())
        checks.append(Check("row counts", True, f"equal in every table ({total} rows in all)"))
    return checks


def _access_log_checks(source: dict[str, tuple], restored: dict[str, tuple]) -> list[Check]:
    if not source:
        return [Check("access log", False, f"no {ACCESS_LOG_TABLE} in the source")]
    checks = []
    for table in sorted(set(source) | set(restored)):
        before, after = source.get(table), restored.get(table)
        if before != after:
            checks.append(
                Check(
                    f"access log {table}",
                    False,
                    f"(count, min id, max id, hash) source {before}, restored {after}",
                )
            )
    if not checks:
        count = source.get(ACCESS_LOG_TABLE, (0,))[0]
        checks.append(
            Check(
                "access log",
                True,
                f"{count} rows in {len(source)} tables: counts, ids and row hashes equal",
            )
        )
    return checks


def _same(name: str, source, restored, word: str = "") -> Check:
    if source == restored:
        return Check(name, True, f"the same {len(source)}{' ' + word if word else ''}")
    missing = [item for item in source if item not in restored]
    extra = [item for item in restored if item not in source]
    return Check(
        name, False, f"missing in the copy: {missing[:10]}; only in the copy: {extra[:10]}"
    )


def _problems(name: str, problems: list[str], good: str, prefix: str = "") -> Check:
    if not problems:
        return Check(name, True, good)
    return Check(name, False, f"{prefix + ' ' if prefix else ''}{', '.join(problems[:10])}")


def _app_role_checks(source: dict | None, restored: Figures) -> list[Check]:
    if source is None or restored.app_privileges is None:
        where = "source" if source is None else "restored cluster"
        return [Check("app role", False, f"the app role does not exist on the {where}")]
    differing = sorted(
        table
        for table in set(source) | set(restored.app_privileges)
        if source.get(table) != restored.app_privileges.get(table)
    )
    checks = [
        Check(
            "app role privileges",
            not differing,
            f"differ on {differing[:10]}" if differing else f"the same on {len(source)} tables",
        )
    ]
    checks.append(
        _problems(
            "app role reads",
            restored.app_read_problems,
            "it can read every table it may read",
            "refused on",
        )
    )
    return checks


# --- Reading the figures ------------------------------------------------------------------

TABLES_QUERY = """
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.relname
"""
TRIGGERS_QUERY = """
SELECT c.relname, t.tgname, t.tgenabled::text, p.proname FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
WHERE c.relnamespace = %s::regnamespace AND NOT t.tgisinternal
"""
FUNCTIONS_QUERY = """
SELECT p.oid::regprocedure::text, md5(pg_get_functiondef(p.oid)) FROM pg_proc p
WHERE p.pronamespace = %s::regnamespace AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
"""
PRIVILEGES_QUERY = """
SELECT c.relname, array_agg(privilege ORDER BY privilege) FILTER (
    WHERE has_table_privilege(%(app)s, c.oid, privilege))
FROM pg_class c, unnest(%(privileges)s::text[]) AS privilege
WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
GROUP BY c.relname
"""
# Tables attached to the log (directly or through a sub-partition) without its trigger enabled.
UNPROTECTED_QUERY = """
WITH RECURSIVE log(oid) AS (
    SELECT %(log)s::regclass::oid
    UNION SELECT i.inhrelid FROM pg_inherits i JOIN log ON i.inhparent = log.oid)
SELECT c.relname FROM log JOIN pg_class c ON c.oid = log.oid
WHERE NOT EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = c.oid
                  AND t.tgname = %(trigger)s AND t.tgenabled IN ('O', 'A'))
ORDER BY c.relname
"""
# Sequences owned by a column (serial, identity, or OWNED BY like the access log's).
OWNED_SEQUENCES_QUERY = """
SELECT s.relname, t.relname, a.attname FROM pg_depend d
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.deptype IN ('a', 'i') AND s.relnamespace = %s::regnamespace
ORDER BY s.relname
"""


def _identifier(*names: str) -> sql.Identifier:
    return sql.Identifier(*names)


def tables(cursor) -> list[str]:
    cursor.execute(TABLES_QUERY, [SCHEMA])
    return [name for (name,) in cursor.fetchall()]


def access_log_tables(names: list[str]) -> list[str]:
    """The log, its partitions and detached months (still named like a month)."""
    return [name for name in names if name == ACCESS_LOG_TABLE or is_access_log_partition(name)]


def access_log_figures(cursor, table: str) -> tuple:
    cursor.execute(
        sql.SQL(
            "SELECT count(*), min(id), max(id), coalesce(sum(("
            "'x' || substr(md5(r::text), 1, 16))::bit(64)::bigint::numeric), 0)::text "
            "FROM {} AS r"
        ).format(_identifier(SCHEMA, table))
    )
    return tuple(cursor.fetchone())


def read_figures(cursor, app_role: str, *, restored: bool) -> Figures:
    """Every figure from one database, in the cursor's transaction."""
    for statement in SESSION_SETTINGS:
        cursor.execute(statement)
    names = tables(cursor)
    row_counts = {}
    for table in names:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(_identifier(SCHEMA, table)))
        row_counts[table] = cursor.fetchone()[0]
    access_log = {table: access_log_figures(cursor, table) for table in access_log_tables(names)}
    migrations = []
    if "django_migrations" in names:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [tuple(row) for row in cursor.fetchall()]
    cursor.execute(TRIGGERS_QUERY, [SCHEMA])
    triggers = {tuple(row) for row in cursor.fetchall()}
    cursor.execute(FUNCTIONS_QUERY, [SCHEMA])
    functions = dict(cursor.fetchall())
    figures = Figures(
        row_counts=row_counts,
        access_log=access_log,
        migrations=migrations,
        triggers=triggers,
        functions=functions,
        app_privileges=app_privileges(cursor, app_role),
    )
    if restored:
        figures.unprotected_log_tables = unprotected_log_tables(cursor)
        figures.sequence_problems = sequence_problems(cursor)
        if figures.app_privileges is not None:
            figures.app_read_problems = app_read_problems(cursor, app_role, figures.app_privileges)
    return figures


def app_privileges(cursor, app_role: str) -> dict[str, tuple[str, ...]] | None:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
    if cursor.fetchone() is None:
        return None
    cursor.execute(
        PRIVILEGES_QUERY, {"app": app_role, "privileges": list(PRIVILEGES), "schema": SCHEMA}
    )
    return {table: tuple(granted or ()) for table, granted in cursor.fetchall()}


def app_read_problems(cursor, app_role: str, privileges: dict[str, tuple[str, ...]]) -> list[str]:
    """Read one row of every table the app role may SELECT, as the app role."""
    problems = []
    cursor.execute(sql.SQL("SET ROLE {}").format(_identifier(app_role)))
    try:
        for table, granted in sorted(privileges.items()):
            if "SELECT" not in granted:
                continue
            cursor.execute("SAVEPOINT app_read")
            try:
                cursor.execute(sql.SQL("SELECT FROM {} LIMIT 1").format(_identifier(SCHEMA, table)))
                cursor.execute("RELEASE SAVEPOINT app_read")
            except psycopg.Error as error:
                cursor.execute("ROLLBACK TO SAVEPOINT app_read")
                problems.append(f"{table} ({error.sqlstate})")
        if not any("SELECT" in granted for granted in privileges.values()):
            problems.append("it may read no table at all")
    finally:
        cursor.execute("RESET ROLE")
    return problems


def unprotected_log_tables(cursor) -> list[str]:
    cursor.execute("SELECT to_regclass(%s)", [f"{SCHEMA}.{ACCESS_LOG_TABLE}"])
    if cursor.fetchone()[0] is None:
        return [f"{ACCESS_LOG_TABLE} (no such table)"]
    cursor.execute(
        UNPROTECTED_QUERY,
        {"log": f"{SCHEMA}.{ACCESS_LOG_TABLE}", "trigger": APPEND_ONLY_TRIGGER},
    )
    return [name for (name,) in cursor.fetchall()]


def sequence_problems(cursor) -> list[str]:
    """A sequence whose next value is not above the highest id in use would make the first
    insert after a restore fail (or, without a unique key, reuse an id)."""
    cursor.execute(OWNED_SEQUENCES_QUERY, [SCHEMA])
    problems = []
    for sequence, table, column in cursor.fetchall():
        cursor.execute(
            sql.SQL(
                "SELECT s.last_value + CASE WHEN s.is_called THEN 1 ELSE 0 END, "
                "(SELECT max({column}) FROM {table}) FROM {sequence} AS s"
            ).format(
                column=_identifier(column),
                table=_identifier(SCHEMA, table),
                sequence=_identifier(SCHEMA, sequence),
            )
        )
        next_value, highest = cursor.fetchone()
        if highest is not None and next_value <= highest:
            problems.append(f"{sequence} (next {next_value}, {table}.{column} up to {highest})")
    return problems


# --- Running it ---------------------------------------------------------------------------


def libpq_params(settings_dict: dict, dbname: str | None = None) -> dict[str, str]:
    """Connection parameters from a Django database setting (NAME, USER, …)."""
    params = {
        "dbname": dbname or settings_dict["NAME"],
        "host": settings_dict.get("HOST") or "",
        "port": str(settings_dict.get("PORT") or ""),
        "user": settings_dict.get("USER") or "",
        "password": settings_dict.get("PASSWORD") or "",
    }
    return {key: value for key, value in params.items() if value}


def tool_env(params: dict[str, str]) -> dict[str, str]:
    """The parameters as libpq environment variables, so no password is on a command line."""
    names = {"dbname": "PGDATABASE", "host": "PGHOST", "port": "PGPORT", "user": "PGUSER"}
    env = dict(os.environ)
    env.update({names[key]: value for key, value in params.items() if key in names})
    if "password" in params:
        env["PGPASSWORD"] = params["password"]
    return env


def find_tool(name: str, bin_dir: str | None = None) -> str:
    """pg_dump / pg_restore: from `bin_dir` (or HEMMA_PG_BIN), else from PATH."""
    bin_dir = bin_dir or os.environ.get("HEMMA_PG_BIN")
    path = str(Path(bin_dir) / name) if bin_dir else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise DrillError(f"{name} not found (install postgresql-client or pass --pg-bin)")
    return path


def drill_database_name(source: str, now: datetime | None = None) -> str:
    """`<source>_drill_YYYYmmdd_HHMMSS_<hex>`, cut to PostgreSQL's 63 characters."""
    stamp = f"_drill_{(now or datetime.now(UTC)):%Y%m%d_%H%M%S}_{secrets.token_hex(3)}"
    return source[: MAX_NAME - len(stamp)] + stamp


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        tool = Path(command[0]).name
        raise DrillError(f"{tool} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return time.monotonic() - started


def _connect(params: dict[str, str], **options) -> psycopg.Connection:
    return psycopg.connect(**params, **options)


def run_drill(
    settings_dict: dict,
    *,
    app_role: str = "hemma_app",
    keep: bool = False,
    pg_bin: str | None = None,
    maintenance_db: str = "postgres",
    before_checks: Callable[[psycopg.Connection], None] | None = None,
) -> Report:
    """Dump, restore into a new database, compare, drop. `before_checks` (for tests) gets a
    connection to the restored copy before its figures are read."""
    pg_dump, pg_restore = find_tool("pg_dump", pg_bin), find_tool("pg_restore", pg_bin)
    source_params = libpq_params(settings_dict)
    source_name = source_params["dbname"]
    name = drill_database_name(source_name)
    notes = []
    with tempfile.TemporaryDirectory(prefix="hemma-drill-") as workdir:
        dump = Path(workdir) / "hemma.dump"
        with _connect(source_params, autocommit=True) as source, source.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute(
                "SELECT pg_export_snapshot(), pg_get_userbyid(d.datdba) "
                "FROM pg_database d WHERE d.datname = current_database()"
            )
            snapshot, owner = cursor.fetchone()
            seconds = _run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"],
                tool_env(source_params),
            )
            notes.append(
                f"pg_dump -Fc: {dump.stat().st_size / 1e6:.1f} MB in {seconds:.1f} s "
                f"(snapshot {snapshot})"
            )
            source_figures = read_figures(cursor, app_role, restored=False)
            cursor.execute("COMMIT")
        maintenance = libpq_params(settings_dict, maintenance_db)
        with _connect(maintenance, autocommit=True) as admin:
            admin.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(
                    _identifier(name), _identifier(owner)
                )
            )
        try:
            restored_params = {**source_params, "dbname": name}
            seconds = _run(
                [pg_restore, "--exit-on-error", f"--dbname={name}", str(dump)],
                tool_env(restored_params),
            )
            notes.append(f"pg_restore into {name} in {seconds:.1f} s")
            with _connect(restored_params) as restored:
                if before_checks is not None:
                    before_checks(restored)
                    restored.commit()
                with restored.cursor() as cursor:
                    restored_figures = read_figures(cursor, app_role, restored=True)
                restored.rollback()
        finally:
            if not keep:
                drop_database(maintenance, name)
    return Report(
        source=source_name,
        restored=name,
        checks=compare(source_figures, restored_figures),
        notes=notes,
        kept=keep,
    )


def drop_database(maintenance: dict[str, str], name: str) -> None:
    with _connect(maintenance, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(_identifier(name)))
