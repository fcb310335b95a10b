"""Point-in-time recovery drill on a throwaway PostgreSQL cluster (issue 20).

Runs the procedure of docs/operations.md ("Backups and recovery") end to end with Hemma's
database in it, without touching the running server's configuration:

1. `initdb` a cluster in a temporary directory (Unix socket only, no TCP port) with WAL
   archiving set up as the docs say (archive_mode, archive_command copying to an archive
   directory);
2. copy the roles (`pg_dumpall --roles-only`) and the Hemma database (`pg_dump -Fc`,
   `pg_restore`) from the running server into it;
3. take a base backup (`pg_basebackup -Fp -X stream --manifest-checksums=SHA256`) and check
   it with `pg_verifybackup`;
4. write access-log rows, read every figure of the restore drill (row counts per table and
   per access-log partition, ids and row hashes, migrations, triggers, app role), note the
   time T; then write more rows and switch WAL so they are archived too;
5. stop the cluster, remove the archived WAL from before the base backup
   (`pg_archivecleanup`, the retention step), copy the base backup to a new data directory,
   set `restore_command`, `recovery_target_time = T` and `recovery_target_action = 'pause'`,
   create `recovery.signal` and start it;
6. once recovery has paused at T, compare the recovered database with the figures at T
   (hemma/audit/restore_drill.py): the rows written after T must be gone, everything before
   T there; then `pg_wal_replay_resume()` must promote it.

Needs the server binaries (`--pg-bin`, default /usr/lib/postgresql/15/bin); as root the
cluster runs as the `postgres` OS user (PostgreSQL refuses to run as root).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hemma .venv/bin/python scripts/pitr_drill.py

Exits 0 when the recovered copy matches, 1 otherwise.
"""

import argparse
import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BIN = "/usr/lib/postgresql/15/bin"
AFTER_T = "pitr drill: after the target"
# pg_get_wal_replay_pause_state() raises once recovery has ended.
PAUSED = (
    "CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() = 'paused' ELSE false END"
)


class Cluster:
    """A throwaway cluster in `base`, run as `os_user` (when this runs as root)."""

    def __init__(self, base: Path, bin_dir: str, os_user: str | None):
        self.base, self.bin_dir, self.os_user = base, bin_dir, os_user
        self.archive = base / "wal-archive"
        self.socket = base

    def run(self, tool: str, *args: str, input_text: str | None = None) -> str:
        command = [str(Path(self.bin_dir) / tool), *args]
        if self.os_user:
            command = ["runuser", "-u", self.os_user, "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, input=input_text, check=False, cwd=self.base
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def initdb(self, data: Path) -> None:
        self.run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nlisten_addresses = ''\nunix_socket_directories = '{self.socket}'\n"
                "port = 5432\nwal_level = replica\narchive_mode = on\n"
                f"archive_command = 'test ! -f {self.archive}/%f && cp %p {self.archive}/%f'\n"
                "fsync = off\n"  # a throwaway cluster: speed over durability
            )

    def start(self, data: Path, log: str) -> None:
        self.run("pg_ctl", "-D", str(data), "-l", str(self.base / log), "-w", "-t", "120", "start")

    def stop(self, data: Path) -> None:
        self.run("pg_ctl", "-D", str(data), "-w", "-m", "fast", "stop")

    def params(self, dbname: str) -> dict[str, str]:
        return {"host": str(self.socket), "port": "5432", "user": "postgres", "dbname": dbname}


def _chown(path: Path, os_user: str | None) -> None:
    if os_user:
        entry = pwd.getpwnam(os_user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _copy_database(cluster: Cluster, source: dict[str, str], name: str, env: dict) -> None:
    """Roles first (they own the tables and hold the app's grants), then the database."""
    roles = subprocess.run(
        [str(Path(cluster.bin_dir) / "pg_dumpall"), "--roles-only", "--no-role-passwords"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cluster.run("psql", "-h", str(cluster.socket), "-U", "postgres", "-q", "-d", "postgres",
                input_text=roles)  # fmt: skip
    cluster.run("createdb", "-h", str(cluster.socket), "-U", "postgres", name)
    dump = subprocess.run(
        [str(Path(cluster.bin_dir) / "pg_dump"), "--format=custom"],
        env=env,
        capture_output=True,
        check=True,
    ).stdout
    dump_file = cluster.base / "source.dump"
    dump_file.write_bytes(dump)
    _chown(dump_file, cluster.os_user)
    cluster.run(
        "pg_restore", "-h", str(cluster.socket), "-U", "postgres", "--exit-on-error",
        "-d", name, str(dump_file),
    )  # fmt: skip


def _write_log_rows(connection, detail: str, count: int, when: datetime) -> None:
    with connection.cursor() as cursor:
        for number in range(count):
            cursor.execute(
                "INSERT INTO audit_accesslogentry (occurred_at, user_display, staff_hsa_id, "
                "unit_display, patient_display, action, detail, purpose, outcome) "
                "VALUES (%s, 'PITR drill', '', '', '', 'search', %s, 'care', 'granted')",
                [when + timedelta(seconds=number), f"{detail} {number}"],
            )
    connection.commit()


def start_wal_file(backup: Path) -> str:
    """The first WAL file a base backup needs, from its backup_label."""
    for line in (backup / "backup_label").read_text().splitlines():
        if line.startswith("START WAL LOCATION:"):
            return line.rsplit("(file ", 1)[1].rstrip(")")
    raise RuntimeError(f"no START WAL LOCATION in {backup}/backup_label")


def _wait(connection, condition: str, seconds: float = 60) -> bool:
    """Poll `SELECT condition` (this module's constants only) until it holds, or the
    server has left recovery (when it cannot pause any more)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        holds, recovering = connection.execute(
            f"SELECT {condition}, pg_is_in_recovery()"  # noqa: S608
        ).fetchone()
        if holds or not recovering:
            return bool(holds)
        time.sleep(0.2)
    return False


def drill(
    settings_dict: dict,
    *,
    bin_dir: str,
    app_role: str,
    keep: bool = False,
    before_recovery: Callable[[Path], None] | None = None,
):
    """The report of the recovered copy against the figures at the target time.
    `before_recovery` (for tests) gets the recovered data directory before it starts."""
    import psycopg

    from hemma.audit import restore_drill

    os_user = "postgres" if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="hemma-pitr-"))
    _chown(base, os_user)
    cluster = Cluster(base, bin_dir, os_user)
    source = restore_drill.libpq_params(settings_dict)
    name = source["dbname"]
    primary, recovered = base / "primary", base / "recovered"
    notes = []
    try:
        cluster.initdb(primary)
        cluster.archive.mkdir()
        _chown(cluster.archive, os_user)
        cluster.start(primary, "primary.log")
        started = time.monotonic()
        _copy_database(cluster, source, name, restore_drill.tool_env(source))
        notes.append(
            f"copied {name} into the throwaway cluster in {time.monotonic() - started:.1f} s"
        )
        backup = base / "base-backup"
        cluster.run(
            "pg_basebackup", "-h", str(cluster.socket), "-U", "postgres", "-D", str(backup),
            "-Fp", "-X", "stream", "--checkpoint=fast", "--manifest-checksums=SHA256",
        )  # fmt: skip
        notes.append(cluster.run("pg_verifybackup", str(backup)).strip())
        now = datetime.now(UTC)
        with psycopg.connect(**cluster.params(name)) as connection:
            _write_log_rows(connection, "pitr drill: before the target", 3, now)
            with connection.cursor() as cursor:
                at_target = restore_drill.read_figures(cursor, app_role, restored=False)
                connection.commit()
                time.sleep(1.1)
                cursor.execute("SELECT clock_timestamp()")
                target = cursor.fetchone()[0]
                time.sleep(1.1)
            _write_log_rows(connection, AFTER_T, 4, now)
            connection.execute("SELECT pg_switch_wal()")
        cluster.stop(primary)  # archives the last segment on the way down
        # Retention as the docs say: the WAL before the base backup goes. Recovery below
        # then shows that what is left is enough.
        start_wal = start_wal_file(backup)
        before = len(list(cluster.archive.iterdir()))
        cluster.run("pg_archivecleanup", str(cluster.archive), start_wal)
        removed = before - len(list(cluster.archive.iterdir()))
        notes.append(f"pg_archivecleanup from {start_wal}: {removed} archived files removed")
        shutil.copytree(backup, recovered)
        with (recovered / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nrestore_command = 'cp {cluster.archive}/%f %p'\n"
                f"recovery_target_time = '{target.isoformat()}'\n"
                "recovery_target_action = 'pause'\n"
            )
        (recovered / "recovery.signal").touch()
        if before_recovery is not None:
            before_recovery(recovered)
        for path in [recovered, *recovered.rglob("*")]:
            _chown(path, os_user)
        recovered.chmod(0o700)
        cluster.start(recovered, "recovered.log")
        with psycopg.connect(**cluster.params(name), autocommit=True) as connection:
            paused = _wait(connection, PAUSED)
            with connection.transaction(), connection.cursor() as cursor:
                figures = restore_drill.read_figures(cursor, app_role, restored=True)
                cursor.execute(
                    "SELECT count(*) FROM audit_accesslogentry WHERE detail LIKE %s",
                    [AFTER_T + "%"],
                )
                after = cursor.fetchone()[0]
            if paused:  # looked, and right: end recovery (docs, step 5)
                connection.execute("SELECT pg_wal_replay_resume()")
            promoted = _wait(connection, "NOT pg_is_in_recovery()")
        log = (base / "recovered.log").read_text()
        stop = [line for line in log.splitlines() if "recovery stopping" in line]
        notes.append(f"recovery_target_time {target.isoformat()}")
        notes += [line.split("LOG:", 1)[-1].strip() for line in stop]
        checks = restore_drill.compare(at_target, figures)
        checks.append(
            restore_drill.Check(
                "rows written after the target",
                after == 0,
                "none in the recovered copy" if after == 0 else f"{after} still there",
            )
        )
        checks.append(
            restore_drill.Check(
                "paused at the target, then promoted",
                paused and promoted,
                f"paused: {paused}, promoted after pg_wal_replay_resume(): {promoted}",
            )
        )
        cluster.stop(recovered)
        return restore_drill.Report(
            source=f"{name} at {target:%Y-%m-%d %H:%M:%S}",
            restored="a copy recovered to that time",
            checks=checks,
            notes=notes,
            kept=keep,
            cleanup=f"kept the clusters in {base} (--keep)" if keep else "removed the clusters",
        )
    finally:
        for data in (primary, recovered):
            if (data / "postmaster.pid").exists():
                with contextlib.suppress(RuntimeError):
                    cluster.stop(data)
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-bin", default=os.environ.get("HEMMA_PG_SERVER_BIN", DEFAULT_BIN))
    parser.add_argument("--app-role", default="hemma_app")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary directory.")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hemma.settings")
    import django
    from django.conf import settings

    django.setup()
    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        print("The PITR drill needs PostgreSQL (DATABASE_URL=postgres://…).")
        return 1
    try:
        report = drill(database, bin_dir=args.pg_bin, app_role=args.app_role, keep=args.keep)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"PITR drill FAILED: {error}")
        return 1
    print(report.render())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
