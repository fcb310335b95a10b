"""gunicorn settings for Hemma: `gunicorn -c gunicorn.conf.py hemma.wsgi`.

Every value can be set from the environment; a command-line flag (e.g. --bind) wins over
this file. Several workers on one SQLite file are tested by
tests/web/test_sqlite_concurrency.py; bench/concurrency.py measures SQLite and PostgreSQL
(figures in bench/README.md).
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


proc_name = "hemma"
bind = os.environ.get("HEMMA_BIND", "127.0.0.1:8000")

# Processes × threads = requests served at once. The default is one process per core plus
# one, one thread each (gunicorn's sync worker): on 2 cores with 20 devices posting at
# once, threads gave fewer observations/s and a longer p99 on SQLite and PostgreSQL, and
# more processes did on SQLite, whose writers take turns (bench/README.md, "Figures:
# concurrent devices"); on PostgreSQL more workers may pay off. A slow client holds a sync
# worker unless the proxy buffers requests (nginx does by default); behind a proxy that
# does not, give each worker threads (HEMMA_WEB_THREADS=2 or more: gunicorn's gthread).
# With SQLite every process shares the file: WAL lets readers run beside the one writer,
# and the settings' IMMEDIATE transactions with a busy timeout make writers wait in turn
# instead of failing (hemma/settings.py, DATABASES).
workers = _int("HEMMA_WEB_WORKERS", _int("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))
threads = _int("HEMMA_WEB_THREADS", 1)

# Requests are short: planning runs as a background job, and the largest request, a FHIR
# Bundle of 1,000 observations, took 0.2-1.4 s on a busy 2-core machine. 60 s
# covers that plus the 20 s a SQLite writer may wait for the lock. A sync worker busy for
# longer is killed and its request answered 502 by the proxy; with threads only a stuck
# worker is, not one slow request, so set the proxy's read timeout to this value too.
timeout = _int("HEMMA_WEB_TIMEOUT", 60)
# On a restart or SIGTERM a worker finishes the requests it has, up to this long.
graceful_timeout = _int("HEMMA_WEB_GRACEFUL_TIMEOUT", timeout)
# Keep-alive connections from the proxy (threaded workers only; a sync worker closes).
keepalive = _int("HEMMA_WEB_KEEPALIVE", 5)

# Not preloaded: each worker imports the app itself, so nothing opened at import time (a
# database connection, a thread) is shared across fork, and a HUP reloads new code. The
# cost is memory: each worker holds its own copy of Django and the app.
preload_app = False

# Heartbeat files in memory, not on a disk that may stall (gunicorn's advice for containers).
SHM = "/dev/shm"  # noqa: S108 - gunicorn's own files, created with mkstemp
worker_tmp_dir = SHM if os.path.isdir(SHM) else None

# Access log without query strings or the referer: a search URL carries a name or a
# personnummer (?q=...), and that must not end up in a plain log file. Path, status, bytes
# and the time in milliseconds remain.
accesslog = os.environ.get("HEMMA_ACCESS_LOG", "-") or None
# The last field is the request id Hemma answers with (hemma/web/request_id.py).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("HEMMA_LOG_LEVEL", "info")

# Prometheus metrics (hemma/web/metrics.py): each worker process counts its own requests;
# in multiprocess mode prometheus_client writes them to files in PROMETHEUS_MULTIPROC_DIR
# and a scrape of any worker sums them all. Without the variable each gunicorn master makes
# a private directory in memory (SHM) for its workers and removes it on exit, so two
# instances on one host (hemma-web@8001, @8002) never mix their counts. A directory given
# by the operator is emptied at start: figures of an earlier run must not count again.
# Set before the workers start: the variable must be there when they import the client.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
        prefix="hemma-metrics-", dir=worker_tmp_dir
    )
    # Remembered in the environment: a reload (HUP) reads this file again.
    os.environ["HEMMA_METRICS_DIR_MADE"] = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    # A dead worker's counters stay in the sums (counters never go back); only its live
    # gauges, which Hemma does not use, would be dropped.
    # Never fail a shutdown over metrics: the directory may already be gone (on_exit).
    try:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
    except Exception as error:  # noqa: BLE001 - logged, shutdown goes on
        server.log.warning("metrics: worker %s not marked dead: %r", worker.pid, error)


def on_exit(server):
    made = os.environ.get("HEMMA_METRICS_DIR_MADE")
    if made and made == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        import shutil

        shutil.rmtree(made, ignore_errors=True)


def post_worker_init(worker):
    # Everything loaded so far (Django, the app, its modules) lives as long as the worker:
    # kept out of the cyclic garbage collector, whose full collections otherwise walk it
    # all. Measured on the patient log extract (bench/README.md, the access log at 10
    # million rows): full-collection pauses of 100-160 ms became about 15-55 ms.
    import gc

    gc.freeze()
