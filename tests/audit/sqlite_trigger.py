"""Django's test flush versus the access log's DELETE trigger on SQLite (migration 0003).

Transactional tests (transactional_db, live_server and so the browser tests) end with
Django's `flush`, which on SQLite empties every table with DELETE - and the trigger
refuses DELETE on the log, as it must in the product. So for the test session only,
Django's flush lifts the trigger, deletes, and puts back exactly the trigger it found
(from sqlite_master), all in one transaction: if the flush fails, the trigger stays.

Why here and not in the product: the product has no hook into Django's flush short of
a custom database backend in settings, and there `hemma flush` refusing to wipe the
log is the behaviour we want. Registered for the whole suite by tests/conftest.py:

    pytest_plugins = ["tests.audit.sqlite_trigger"]
"""

import pytest
from django.db import transaction

TRIGGER = "audit_accesslogentry_no_delete"


def execute_sql_flush_around_the_trigger(original):
    def execute_sql_flush(self, sql_list):
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [TRIGGER]
            )
            row = cursor.fetchone()
            if row:
                cursor.execute(f'DROP TRIGGER "{TRIGGER}"')
            original(self, sql_list)
            if row:
                cursor.execute(row[0])

    return execute_sql_flush


@pytest.fixture(autouse=True, scope="session")
def _flush_lifts_the_access_log_delete_trigger():
    # Imported here: this module is loaded as a plugin before pytest-django sets Django up.
    # (Through the backend's base: importing its operations module first is circular.)
    from django.db.backends.sqlite3.base import DatabaseWrapper

    operations = DatabaseWrapper.ops_class
    flush = execute_sql_flush_around_the_trigger(operations.execute_sql_flush)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "execute_sql_flush", flush)
        yield
