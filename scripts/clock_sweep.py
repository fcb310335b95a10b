"""Run the SQLite test suite with the clock moved to the moments where care's day turns:
the duty roster's slot changes (08:00, 16:00, 21:00), the planning day's 06:00, midnight at
a month's and a year's end, and the nights the clocks change. A test that assumes "now plus
a few minutes is still the same slot, day or month" fails here although it passes at the
hour CI happened to run it (stop 29's CI failed that way at 07:52).

Uses libfaketime (Debian: apt-get install faketime) through LD_PRELOAD, with an offset, so
that the clock runs on and every subprocess (gunicorn, the worker) sees the same time. Not
part of `make test` (each moment is a whole SQLite pass); run it before a release:

    .venv/bin/python scripts/clock_sweep.py                     # every moment below
    .venv/bin/python scripts/clock_sweep.py "2026-12-07 07:52"  # one local (Stockholm) time
    .venv/bin/python scripts/clock_sweep.py --tests tests/monitoring "2026-12-07 07:52"

Known artefacts of libfaketime, not of Hemma: the tests that start gunicorn
(tests/web/test_metrics_gunicorn.py, tests/web/test_sqlite_concurrency.py) can fail with
"Worker failed to boot" (the arbiter's heartbeat clock). First sweep (2026-12-01): no
failure at 06:00, 16:00 or midnight at the year's end; 7 at the night the clocks go back
(2027-10-31 02:45: lab entry, ending care, a temporary visit, a notice, a user admin log)
not yet examined.

The browser and routing tests are left out: Chromium under libfaketime is not what is
tested, and the routing tests are pure code without a clock.
"""

import argparse
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
SWEDEN = ZoneInfo("Europe/Stockholm")
# Each moment a few minutes before a turn, so that tests' "now + minutes/hours" cross it.
MOMENTS = {
    "the night slot ends, the day slot begins (Monday 08:00)": "2026-12-07 07:52",
    "the day slot ends (Tuesday 16:00)": "2026-12-08 15:52",
    "the evening slot ends (Wednesday 21:00)": "2026-12-09 20:52",
    "the planning day turns (06:00)": "2026-12-10 05:52",
    "midnight at the year's end (a new month and partition)": "2026-12-31 23:45",
    "the clocks go forward (02:00 → 03:00)": "2027-03-28 01:45",
    "the clocks go back (03:00 → 02:00)": "2027-10-31 02:45",
}


def offset_seconds(local: str) -> int:
    moment = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=SWEDEN)
    return int(moment.timestamp() - datetime.now().timestamp())


def run(label: str, local: str, tests: list[str]) -> int:
    print(f"\n===== {label}: {local} (Europe/Stockholm) =====", flush=True)
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # the database server's clock cannot be moved: SQLite
    # The offset form ("+N" seconds) keeps the clock running and every subprocess in step.
    # Not FAKETIME_DONT_FAKE_MONOTONIC: Python's sleep then fails with EINVAL. NO_FAKE_STAT:
    # gunicorn's worker heartbeat is a file's mtime; moved by the offset, the arbiter kills
    # every worker at boot.
    env |= {
        "FAKETIME": f"{offset_seconds(local):+d}",
        "NO_FAKE_STAT": "1",
        "LD_PRELOAD": str(LIBFAKETIME),
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        *tests,
        "--ignore=tests/browser",
        "--ignore=tests/routing",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    return subprocess.run(command, env=env).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("moments", nargs="*", help='local times "YYYY-MM-DD HH:MM"')
    parser.add_argument("--tests", nargs="*", default=["tests"], help="paths for pytest")
    args = parser.parse_args()
    if not LIBFAKETIME.exists():
        print(f"libfaketime not found at {LIBFAKETIME}: apt-get install faketime")
        return 2
    moments = {local: local for local in args.moments} or MOMENTS
    failed = [label for label, local in moments.items() if run(label, local, args.tests)]
    for label in failed:
        print(f"FAILED at {label}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
