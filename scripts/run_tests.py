"""Run the whole suite on SQLite, then on PostgreSQL when it is reachable.

On a developer's machine a missing PostgreSQL or Chromium is skipped with a
visible notice; with CI=true it is a failure, never a skip.
"""

import os
import subprocess
import sys

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


# Pure code (no database): run once, on the SQLite pass.
DATABASE_FREE = ["tests/routing", "tests/clinical"]


def pytest(label: str, database_url: str | None, skip: list[str] = ()) -> int:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    print(f"\n===== Test suite on {label} =====", flush=True)
    if skip:
        print(f"(database-free tests already ran on SQLite: {', '.join(skip)})")
    ignore = [f"--ignore={path}" for path in skip]
    code = subprocess.call([sys.executable, "-m", "pytest", *ignore, *sys.argv[1:]], env=env)
    if code == NO_TESTS_COLLECTED:
        print(f"pytest collected no tests on {label}: that is a failure, not a pass.")
        return 1
    return code


def main() -> int:
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    code = pytest("SQLite", None)
    url = postgres_url()
    if url is None:
        if in_ci:
            print("CI=true: PostgreSQL is required. FAILING.")
            return 1
        print("\nNOTICE: PostgreSQL not reachable - the PostgreSQL run was SKIPPED.\n")
        return code
    return pytest("PostgreSQL", url, DATABASE_FREE) or code


if __name__ == "__main__":
    sys.exit(main())
