"""Set-up made once for a test module (the demo takes long to load), kept in one
transaction that is rolled back after the module's tests; each test runs in a savepoint
inside it (pytest-django's `db`)."""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rolled_back_after_the_module(django_db_blocker):
    """Enter before the set-up (which runs under `django_db_blocker.unblock()`), yield
    from the fixture inside it; whatever the set-up or the tests did is rolled back."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
