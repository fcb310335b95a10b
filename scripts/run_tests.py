"""Run the whole suite on SQLite and on PostgreSQL when it is reachable: the two passes at
once, each in its own process, when the machine has two cores or more (HEMMA_TEST_SERIAL=1
runs them one after the other). The SQLite pass is shown as it runs; the PostgreSQL pass's
output follows when it is done.

On a developer's machine a missing PostgreSQL or Chromium is skipped with a
visible notice; with CI=true it is a failure, never a skip.
"""

import os
import subprocess
import sys
import tempfile

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"
NO_TESTS_COLLECTED = 5


def postgres_url() -> str | None:
    url = os.environ.get("HEMMA_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    try:
        import psycopg

        dsn = url.replace("postgres://", "postgresql://", 1)
        with psycopg.connect(dsn, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except Exception as error:  # any failure means "not reachable"
        print(f"PostgreSQL at {url} is not reachable: {error}")
        return None
    return url


# Run once, on the SQLite pass: pure code (no database), and the pages in a real browser
# (layout, scripts, accessibility), whose database reads each app's own tests check on both
# databases. The PostgreSQL pass runs everything else.
ONCE = ["tests/routing", "tests/clinical", "tests/browser"]


def start(label: str, database_url: str | None, skip: list[str] = (), output=None):
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    print(f"\n===== Test suite on {label} =====", flush=True)
    if skip:
        print(f"(run once, on the SQLite pass: {', '.join(skip)})", flush=True)
    ignore = [f"--ignore={path}" for path in skip]
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", *ignore, *sys.argv[1:]],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
    )


def finished(label: str, process) -> int:
    code = process.wait()
    if code == NO_TESTS_COLLECTED:
        print(f"pytest collected no tests on {label}: that is a failure, not a pass.")
        return 1
    return code


def main() -> int:
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    url = postgres_url()
    if url is None:
        code = finished("SQLite", start("SQLite", None))
        if in_ci:
            print("CI=true: PostgreSQL is required. FAILING.")
            return 1
        print("\nNOTICE: PostgreSQL not reachable - the PostgreSQL run was SKIPPED.\n")
        return code
    if os.environ.get("HEMMA_TEST_SERIAL") == "1" or (os.cpu_count() or 1) < 2:
        code = finished("SQLite", start("SQLite", None))
        return finished("PostgreSQL", start("PostgreSQL", url, ONCE)) or code
    with tempfile.TemporaryFile(mode="w+") as postgres_output:
        postgres = start("PostgreSQL", url, ONCE, output=postgres_output)
        print("(its output follows the SQLite pass)", flush=True)
        code = finished("SQLite", start("SQLite", None))
        postgres_code = finished("PostgreSQL", postgres)
        postgres_output.seek(0)
        print("\n===== Test suite on PostgreSQL (ran at the same time) =====", flush=True)
        sys.stdout.write(postgres_output.read())
    return postgres_code or code


if __name__ == "__main__":
    sys.exit(main())
