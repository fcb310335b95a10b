"""Liveness and readiness (issue 20): `/healthz` answers without the database, `/readyz`
answers 503 while the database is unreachable and 200 again once it is back.

The outage is real: gunicorn reaches PostgreSQL through a TCP forwarder that the test
stops (open connections cut, new ones refused) and starts again on the same port."""

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_liveness_and_readiness_answer_without_a_session(client, db):
    live, ready = client.get("/healthz"), client.get("/readyz")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert ready["Cache-Control"] == "no-store"


def test_liveness_does_not_touch_the_database(client):
    # No database fixture: pytest-django makes any query here an error.
    assert client.get("/healthz").status_code == 200


def test_readiness_is_503_when_the_database_fails(client, db, monkeypatch):
    from django.db import OperationalError

    from hemma.web import views

    class Unreachable:
        closed = False

        def cursor(self):
            raise OperationalError("could not connect to server at 10.0.0.5")

        def close(self):
            self.closed = True

    unreachable = Unreachable()
    monkeypatch.setattr(views, "connection", unreachable)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    # Nothing about the database's address or the error reaches an anonymous caller.
    assert answer.json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    assert unreachable.closed  # the next check connects afresh


class Forwarder:
    """127.0.0.1:<port> → PostgreSQL, byte for byte; stop() cuts every connection."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, 0
        self.listener, self.sockets, self.lock = None, [], threading.Lock()

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self):
        # shutdown() wakes the accept() blocked in the other thread; close() alone would
        # leave the kernel's listening socket accepting.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # stopped
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)


def _get(port: int, path: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port, path, status, process, log, seconds=30):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            last = _get(port, path)
            if last[0] == status:
                return last
        except OSError as error:
            last = error
        time.sleep(0.2)
    raise AssertionError(f"{path} did not answer {status} (last: {last})\n{log.read_text()}")


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="PostgreSQL pass only: the outage is a cut network connection to the server",
)
@pytest.mark.django_db(transaction=True)
def test_readiness_follows_a_real_database_outage(tmp_path):
    database = connection.settings_dict  # the migrated test database of this run
    forwarder = Forwarder((database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)))
    forwarder.start()
    user = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        DATABASE_URL=f"postgres://{user}@127.0.0.1:{forwarder.port}/{database['NAME']}",
        HEMMA_WEB_WORKERS="1",
        # A persistent connection, as in production: the cut must be noticed and healed.
        CONN_MAX_AGE="600",
    )
    port, log = _free_port(), tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [BIN / "gunicorn", "-c", "gunicorn.conf.py", "hemma.wsgi", f"--bind=127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(port, "/readyz", 200, process, log)
        forwarder.stop()  # the database goes away, with the app's open connection
        status, body = _get(port, "/readyz")
        assert (status, body["checks"]["database"]) == (503, "unavailable")
        assert _get(port, "/healthz") == (200, {"status": "ok"})  # alive, only not ready
        assert _get(port, "/readyz")[0] == 503  # refused connections: still not ready
        forwarder.start()  # back on the same port
        status, body = _wait_for(port, "/readyz", 200, process, log, seconds=10)
        assert body == {"status": "ok", "checks": {"database": "ok"}}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        forwarder.stop()


def test_readiness_is_503_while_migrations_are_pending(client, db, monkeypatch):
    """An instance started before the migrate step gets no traffic."""
    from django.db.migrations.executor import MigrationExecutor

    from hemma.web import views

    monkeypatch.setattr(views, "_migrated", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [object()])
    answer = client.get("/readyz")
    assert (answer.status_code, answer.json()["checks"]) == (
        503,
        {"database": "migrations pending"},
    )
    monkeypatch.undo()
    assert client.get("/readyz").status_code == 200
