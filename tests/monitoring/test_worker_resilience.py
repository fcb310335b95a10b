"""`hemma monitor` survives the database going away: the failed pass is logged, the
connection dropped, and the loop carries on with a back-off until the database answers."""

import pytest
from django.db import OperationalError, connection

from hemma.monitoring.management.commands import monitor

pytestmark = pytest.mark.django_db(transaction=True)


class Stop(Exception):
    pass


def run_passes(monkeypatch, passes: int, first_pass=None):
    """Run the worker loop for `passes` passes with the sleeps recorded, not slept."""
    calls = {"escalate": 0}
    real_escalate = monitor.alerts_escalate
    pauses = []

    def escalate():
        calls["escalate"] += 1
        if calls["escalate"] == 1 and first_pass is not None:
            first_pass()
        return real_escalate()

    def sleep(self, seconds):
        pauses.append(seconds)
        return calls["escalate"] >= passes

    monkeypatch.setattr(monitor, "alerts_escalate", escalate)
    monkeypatch.setattr(monitor.Command, "_sleep", sleep)
    monkeypatch.setattr(monitor.signal, "signal", lambda *args: None)  # keep pytest's
    monitor.Command().handle(interval=30)
    return calls["escalate"], pauses


def test_a_database_error_is_logged_and_the_loop_goes_on_with_a_back_off(monkeypatch, caplog):
    def database_gone():
        raise OperationalError("server closed the connection unexpectedly")

    passes, pauses = run_passes(monkeypatch, 2, database_gone)
    assert passes == 2
    assert pauses == [60, 30]  # back-off after the failure, the usual interval after success
    assert "monitor pass failed (database)" in caplog.text


def test_the_back_off_doubles_and_stops_at_five_minutes():
    assert [monitor._pause(30, n) for n in range(5)] == [30, 60, 120, 240, 300]
    assert monitor._pause(30, 50) == 300


def test_once_still_fails_loudly_for_cron(monkeypatch):
    def broken():
        raise OperationalError("down")

    monkeypatch.setattr(monitor, "alerts_escalate", broken)
    with pytest.raises(OperationalError):
        monitor.Command().handle(once=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="kills a PostgreSQL backend")
def test_a_killed_postgresql_connection_is_replaced(monkeypatch):
    """A real fault: the worker's backend is terminated (as a restart does) mid-loop."""
    import psycopg

    def kill_my_backend():
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        settings = connection.settings_dict
        with psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"] or 5432,
            user=settings["USER"],
            dbname=settings["NAME"],
            autocommit=True,
        ) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])

    passes, pauses = run_passes(monkeypatch, 2, kill_my_backend)
    assert passes == 2 and pauses[0] == 60
    with connection.cursor() as cursor:  # and the next connection works
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
