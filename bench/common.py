"""What every benchmark script shares: a throw-away database and percentiles.

The database is SQLite in var/bench.sqlite3, or DATABASE_URL (e.g. PostgreSQL)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hemma.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")


def fresh_database(*, keep: bool = False) -> dict:
    """Set Django up for in-process requests on an empty, migrated database (with `keep`, a
    PostgreSQL database keeps its rows: a large fill is measured again later)."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        Path(database["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    if not database["ENGINE"].endswith("sqlite3") and not keep:
        call_command("flush", interactive=False, verbosity=0)
    return database


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)

    def at(p):
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    return f"p50 {at(50):.1f} ms  p95 {at(95):.1f} ms  p99 {at(99):.1f} ms"
