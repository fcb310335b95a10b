"""/metrics under gunicorn with several worker processes (gunicorn.conf.py): every scrape,
whichever worker answers it, reports the requests of all workers (prometheus_client's
multiprocess mode), and the worker process (`hemma monitor`, another process) is seen
through the database. On a fresh SQLite file of its own, so it runs on the SQLite pass only.
"""

import http.client
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from tests.web.test_sqlite_concurrency import free_port, hemma

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TOKEN = "g" * 40

pytestmark = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="SQLite only: a database file of its own for gunicorn's processes",
)


def get(port, path, token=None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "hemma_http_requests_total" and sample.labels == {
                "view": "healthz",
                "method": "GET",
                "status": "2xx",
            }:
                return sample.value
    return 0.0


def start(env, tmp_path):
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed by the caller
    process = subprocess.Popen(
        [BIN / "gunicorn", "-c", "gunicorn.conf.py", "hemma.wsgi", f"--bind=127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
        try:
            if get(port, "/readyz")[0] in (200, 503):
                return process, port, log
        except OSError:
            pass
        assert time.monotonic() < deadline, "gunicorn did not start"
        time.sleep(0.2)


def stop(process, log):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@pytest.fixture
def env(tmp_path):
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'hemma.sqlite3'}",
        HEMMA_WEB_WORKERS="3",
        HEMMA_WEB_THREADS="1",
        HEMMA_METRICS_TOKEN=TOKEN,
    )
    return env


def served_by_several_workers(port, directory: Path) -> int:
    """Requests /healthz in parallel until counter files of at least two worker processes
    exist (the kernel hands connections to whichever worker accepts); returns how many."""
    sent = 0
    with ThreadPoolExecutor(6) as pool:
        while True:
            statuses = list(pool.map(lambda _: get(port, "/healthz")[0], range(12)))
            assert statuses == [200] * 12
            sent += 12
            pids = {p.name for p in directory.glob("counter_*.db")}
            if len(pids) >= 2 or sent >= 240:
                break
    assert len(pids) >= 2, f"only one worker answered {sent} requests"
    return sent


def test_every_scrape_sums_all_workers_and_sees_the_worker(env, tmp_path):
    directory = tmp_path / "prometheus"
    env["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    directory.mkdir()
    (directory / "counter_99999.db").write_bytes(b"stale")  # of an earlier run: removed
    hemma(env, "migrate", "--noinput")
    process, port, log = start(env, tmp_path)
    try:
        assert not (directory / "counter_99999.db").exists()
        sent = served_by_several_workers(port, directory)
        for _ in range(6):  # scrapes answered by different workers agree
            status, text = get(port, "/metrics", TOKEN)
            assert status == 200 and healthz_count(text) == sent
        assert get(port, "/metrics")[0] == 401
        assert "hemma_worker_last_pass_timestamp_seconds" not in text
        hemma(env, "monitor", "--once")  # the worker: another process, through the database
        status, text = get(port, "/metrics", TOKEN)
        assert "hemma_worker_last_pass_timestamp_seconds " in text
        assert "hemma_database_up 1.0" in text
    finally:
        stop(process, log)


def test_without_a_directory_gunicorn_makes_its_own_and_removes_it(env, tmp_path):
    """No PROMETHEUS_MULTIPROC_DIR: gunicorn.conf.py makes a private one for this master
    (no migrations here: the counters need no database) and removes it on exit."""
    parent = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path("/tmp")
    process, port, log = start(env, tmp_path)
    try:
        assert get(port, "/healthz")[0] == 200
        [made] = [  # other test runs on this machine may have theirs: this master's only
            directory
            for directory in parent.glob("hemma-metrics-*")
            if any((directory / f"counter_{pid}.db").exists() for pid in children(process.pid))
        ]
        sent = served_by_several_workers(port, made) + 1
        status, text = get(port, "/metrics", TOKEN)
        assert status == 200 and healthz_count(text) == sent
        assert "hemma_database_up 0.0" in text  # no tables: counted figures only
    finally:
        stop(process, log)
    assert not made.exists()


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found
