"""Workers for tests: job functions that real `hemma monitor` subprocesses import by name,
and a worker thread for the browser tests."""

import threading
import time
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connection, connections

from hemma.jobs.services import run_due_jobs


def hang(job, progress):
    """A job that reports it started and then works for a long time (it gets killed)."""
    progress("Arbetar…")
    time.sleep(120)
    return {"finished": "too late"}


def finish(job, progress):
    progress("Nästan klar…")
    return {"finished": job.attempts}


@contextmanager
def worker_thread(every: float = 0.3):
    """The worker running next to a live server during a browser test: a thread that runs
    the due jobs (the loop of `hemma monitor`, without its monitoring passes).

    PostgreSQL: the thread has its own connection. SQLite's test database lives in memory,
    so the thread shares the test's connection, as the live server's threads do."""
    main = connections[DEFAULT_DB_ALIAS]
    shared = main if main.vendor == "sqlite" and main.is_in_memory_db() else None
    stop = threading.Event()
    errors = []

    def work():
        if shared is not None:
            connections[DEFAULT_DB_ALIAS] = shared
        try:
            while not stop.is_set():
                run_due_jobs(stop=stop.is_set)
                stop.wait(every)
        except Exception as error:  # pragma: no cover - reported to the test
            errors.append(error)
        finally:
            if shared is None:
                connection.close()

    if shared is not None:
        shared.inc_thread_sharing()
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(120)
        if shared is not None:
            shared.dec_thread_sharing()
    assert not errors, errors
