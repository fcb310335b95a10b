"""Refuse DELETE on the access log in SQLite too (PostgreSQL got it in 0002).

0002 left DELETE to the model and queryset on SQLite because Django's test flush
(transactional tests, the browser tests' live server) empties every table with
DELETE. The trigger is strict here; the test suite lifts it only around Django's own
flush (tests/audit/sqlite_trigger.py), so `hemma flush` on a SQLite installation
is refused, as it should be. On PostgreSQL this migration does nothing: there the
app role has no DELETE privilege on the log at all (docs/operations-database.md).
"""

from django.db import migrations

SQLITE_FORWARD = """
CREATE TRIGGER audit_accesslogentry_no_delete
BEFORE DELETE ON audit_accesslogentry
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only (DELETE refused)');
END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS audit_accesslogentry_no_delete;"


# RunPython rather than RunSQL: RunSQL would run on every vendor, and this SQL is SQLite's.
def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [migrations.RunPython(forward, reverse)]
