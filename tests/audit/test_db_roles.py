"""Least privilege for the access log: the role SQL, the command, and the database itself.

PostgreSQL: the app role may SELECT and INSERT the log but not rewrite, truncate or
unprotect it. SQLite has no roles; there a trigger refuses DELETE (migration 0003).
"""

import io
import os
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, ProgrammingError, connection, transaction
from psycopg import sql

from hemma.audit import db_roles
from hemma.audit.db_roles import BadRoleName, Relation, role_setup_sql, validate_role_name
from hemma.audit.models import AccessLogEntry

LOG = db_roles.ACCESS_LOG_TABLE
RELATIONS = [Relation("TABLE", LOG), Relation("TABLE", "patients_patient")]
POSTGRESQL_ONLY = pytest.mark.skipif(connection.vendor != "postgresql", reason="roles need it")
ALL_PRIVILEGES = {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}
SQLITE_ONLY = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite trigger")


def script(**options):
    return db_roles.render(role_setup_sql("hemma_owner", "hemma_app", RELATIONS, **options))


def table_privileges(text, app, tables):
    """Replay the script's GRANTs and REVOKEs to the app: what each table ends up with."""
    privileges = {table: set() for table in tables}
    pattern = re.compile(
        r'^(GRANT|REVOKE) ([A-Z, ]+) ON (ALL TABLES IN SCHEMA "public"|TABLE "public"\."(\w+)") '
        rf'(?:TO|FROM) "{app}";$'
    )
    for line in text.splitlines():
        if not (match := pattern.match(line)):
            continue
        verb, granted, _target, table = match.groups()
        words = ALL_PRIVILEGES if granted == "ALL" else set(granted.split(", "))
        for name in [table] if table else tables:
            if verb == "GRANT":
                privileges[name] |= words
            else:
                privileges[name] -= words
    return privileges


class TestTheSql:
    def test_the_app_may_only_read_and_append_to_the_log(self):
        privileges = table_privileges(script(), "hemma_app", [LOG, "patients_patient"])
        assert privileges[LOG] == {"SELECT", "INSERT"}
        assert privileges["patients_patient"] == {"SELECT", "INSERT", "UPDATE", "DELETE"}

    def test_the_administration_log_is_append_only_for_the_app_too(self):
        admin_log = "accounts_administrationlogentry"
        relations = [Relation("TABLE", LOG), Relation("TABLE", admin_log)]
        text = db_roles.render(role_setup_sql("hemma_owner", "hemma_app", relations))
        privileges = table_privileges(text, "hemma_app", [LOG, admin_log])
        assert privileges[admin_log] == {"SELECT", "INSERT"}

    def test_no_truncate_references_or_trigger_is_ever_granted_and_no_membership(self):
        grants = [line for line in script().splitlines() if line.startswith("GRANT")]
        assert not [line for line in grants if re.search(r"TRUNCATE|REFERENCES|TRIGGER", line)]
        assert not [line for line in grants if line.startswith('GRANT "hemma_owner" TO')]
        assert 'REVOKE "hemma_owner" FROM "hemma_app"' in script()

    def test_later_tables_get_default_privileges_without_truncate(self):
        defaults = [line for line in script().splitlines() if "DEFAULT PRIVILEGES" in line]
        assert len(defaults) == 2
        assert all('FOR ROLE "hemma_owner"' in line for line in defaults)
        assert "TRUNCATE" not in "".join(defaults)

    def test_before_the_first_migration_there_is_no_log_to_revoke_on(self):
        text = db_roles.render(role_setup_sql("hemma_owner", "hemma_app", []))
        assert LOG not in text

    def test_roles_are_created_idempotently_with_the_chosen_login(self):
        text = script(owner_login=True)
        assert "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hemma_owner')" in text
        assert 'CREATE ROLE "hemma_owner" LOGIN' in text
        assert 'ALTER ROLE "hemma_owner" LOGIN;' in text
        assert 'ALTER ROLE "hemma_owner" NOLOGIN;' in script()

    def test_ownership_moves_before_the_grants(self):
        lines = script(transfer_ownership=True).splitlines()
        first_grant = next(i for i, line in enumerate(lines) if line.startswith("GRANT"))
        alter = lines.index(f'ALTER TABLE "public"."{LOG}" OWNER TO "hemma_owner";')
        assert alter < first_grant
        assert any("ALTER ROUTINE" in line for line in lines[:first_grant])
        assert any("ALTER DATABASE" in line for line in lines[:first_grant])

    def test_only_known_kinds_of_relation_are_transferred(self):
        with pytest.raises(ValueError):
            db_roles.transfer_ownership_sql("hemma_owner", [Relation("TABLE; DROP", "x")])

    def test_the_password_goes_in_only_as_a_quoted_verifier(self):
        text = script(app_password_verifier="SCRAM-SHA-256$4096:it's")
        assert "ALTER ROLE \"hemma_app\" PASSWORD 'SCRAM-SHA-256$4096:it''s';" in text
        assert "PASSWORD" not in script()

    @pytest.mark.parametrize(
        "name",
        ["", "Hemma", "1app", "hemma-app", 'x"; DROP TABLE y; --', "a" * 64, "app\n", "pg_app"],
    )
    def test_a_bad_role_name_raises(self, name):
        with pytest.raises(BadRoleName):
            validate_role_name(name)
        with pytest.raises(BadRoleName):
            role_setup_sql("hemma_owner", name, RELATIONS)

    def test_good_names_are_quoted_and_must_differ(self):
        assert validate_role_name("_hemma_app_2") == "_hemma_app_2"
        assert validate_role_name("a" * 63) == "a" * 63
        with pytest.raises(BadRoleName):
            role_setup_sql("hemma", "hemma", RELATIONS)
        assert validate_role_name("publicx") == "publicx"
        with pytest.raises(BadRoleName):
            validate_role_name("public")


@pytest.mark.django_db
class TestTheCommand:
    def test_it_prints_the_sql(self):
        out = io.StringIO()
        call_command("db_roles", stdout=out, stderr=io.StringIO())
        assert (
            f'REVOKE UPDATE, DELETE ON TABLE "public"."{LOG}" FROM "hemma_app";' in out.getvalue()
        )

    @SQLITE_ONLY
    def test_on_sqlite_apply_explains_that_roles_are_postgresql_s_and_succeeds(self):
        out, err = io.StringIO(), io.StringIO()
        call_command("db_roles", "--apply", stdout=out, stderr=err)
        assert "Roles are a PostgreSQL feature" in err.getvalue()
        assert 'CREATE ROLE "hemma_app" LOGIN' in out.getvalue()

    def test_a_bad_name_is_a_command_error(self):
        with pytest.raises(CommandError, match="bad role name"):
            call_command("db_roles", "--app", "Robert'); DROP", stdout=io.StringIO())

    def test_the_password_comes_from_the_environment_never_the_command_line(self, monkeypatch):
        monkeypatch.delenv("HEMMA_TEST_NO_SUCH_VARIABLE", raising=False)
        with pytest.raises(CommandError, match="not set"):
            call_command("db_roles", "--app-password-env", "HEMMA_TEST_NO_SUCH_VARIABLE")
        monkeypatch.setenv("HEMMA_TEST_PASSWORD", "correct horse")
        out = io.StringIO()
        call_command("db_roles", "--app-password-env", "HEMMA_TEST_PASSWORD", stdout=out)
        assert "correct horse" not in out.getvalue()


def log_entry(detail=""):
    return AccessLogEntry.objects.create(
        user_display="Test", action="search", purpose="care", outcome="granted", detail=detail
    )


@SQLITE_ONLY
class TestTheSqliteTrigger:
    @pytest.mark.django_db
    def test_a_raw_delete_is_refused(self):
        log_entry()
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {LOG}")
        assert AccessLogEntry.objects.count() == 1

    @pytest.mark.django_db(transaction=True)
    def test_django_s_test_flush_empties_the_log_and_keeps_the_trigger(self):
        """Needs tests/audit/sqlite_trigger.py, which tests/conftest.py registers."""
        log_entry()
        call_command("flush", interactive=False, verbosity=0)
        assert AccessLogEntry.objects.count() == 0
        log_entry()
        with pytest.raises(DatabaseError), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {LOG}")


OWNER, APP = f"hemma_owner_t{os.getpid()}", f"hemma_app_t{os.getpid()}"
REFUSED = [
    f"ALTER TABLE {LOG} DISABLE TRIGGER ALL",
    f"TRUNCATE {LOG}",
    f"UPDATE {LOG} SET detail = 'x'",
    f"DELETE FROM {LOG}",
    f"DROP TRIGGER audit_accesslogentry_append_only ON {LOG}",
]


@POSTGRESQL_ONLY
@pytest.mark.django_db
class TestThePostgresqlAppRole:
    """Roles are cluster-wide, but CREATE ROLE, GRANT and ALTER ... OWNER are transactional:
    the test's own transaction is rolled back at its end, which drops the test roles and
    gives every table back to its owner. (So this must not become transaction=True.)"""

    @pytest.fixture
    def as_app(self):
        call_command(
            "db_roles",
            "--apply",
            "--transfer-ownership",
            owner=OWNER,
            app=APP,
            stdout=io.StringIO(),
        )
        log_entry("before")
        set_role = sql.SQL("SET ROLE {}").format(sql.Identifier(APP))
        with connection.cursor() as cursor:
            cursor.execute(set_role.as_string(connection.connection))
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET ROLE")

    def test_the_setup_leaves_no_way_around_the_log(self):
        out = io.StringIO()
        call_command(
            "db_roles", "--apply", "--transfer-ownership", owner=OWNER, app=APP, stdout=out
        )
        assert "Applied" in out.getvalue()
        with connection.cursor() as cursor:
            assert db_roles.app_role_problems(cursor, OWNER, APP) == []
            cursor.execute("SELECT relowner::regrole::text FROM pg_class WHERE relname = %s", [LOG])
            assert cursor.fetchone() == (OWNER,)

    def test_a_superuser_as_the_app_role_is_reported(self):
        call_command("db_roles", "--apply", owner=OWNER, app=APP, stdout=io.StringIO())
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
            )
            user, superuser = cursor.fetchone()
            if not superuser:
                pytest.skip("the test database's user is not a superuser")
            assert db_roles.app_role_problems(cursor, OWNER, user) == [f"{user} is a superuser"]

    @pytest.mark.parametrize("statement", REFUSED)
    def test_the_app_cannot_rewrite_truncate_or_unprotect_the_log(self, as_app, statement):
        with (
            pytest.raises(ProgrammingError) as refused,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
        assert refused.value.__cause__.sqlstate == "42501"  # insufficient_privilege
        assert AccessLogEntry.objects.get().detail == "before"

    def test_the_app_can_append_and_read_the_log_and_write_other_tables(self, as_app):
        log_entry("after")
        assert sorted(AccessLogEntry.objects.values_list("detail", flat=True)) == [
            "after",
            "before",
        ]
        with connection.cursor() as cursor:
            cursor.execute("UPDATE auth_user SET last_login = last_login")
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == (APP,)
