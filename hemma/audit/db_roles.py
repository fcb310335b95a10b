"""PostgreSQL least privilege for Hemma, and for the access log above all.

The append-only trigger (migration 0002) only binds a role that does not own the
table: an owner may ALTER TABLE ... DISABLE TRIGGER, DROP TRIGGER, TRUNCATE or
replace the trigger function. So Hemma runs with two roles:

- the owner (hemma_owner) owns the database, the tables, sequences and functions;
  migrations run as it;
- the app (hemma_app), which the web server and workers log in as, may read and
  write every table except the access log, where it may only SELECT and INSERT. It
  owns nothing, is not a member of the owner and has no TRUNCATE, REFERENCES or
  TRIGGER privilege anywhere.

The SQL is built by pure functions (unit-tested without a database); the
`hemma db_roles` command prints or applies it. Every statement is idempotent, so the
command is re-run after each migration to cover the tables the migration created.
docs/operations-database.md is the operator's side of this.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from psycopg import sql

from .partitions import DEFAULT_PARTITION, ENSURE_FUNCTION, MONTH_PARTITION

ACCESS_LOG_TABLE = "audit_accesslogentry"
# Append-only tables: the app role reads and adds, never rewrites (the administration log
# of membership and role changes is evidence for log review too).
APPEND_ONLY_TABLES = (ACCESS_LOG_TABLE, "accounts_administrationlogentry")
SCHEMA = "public"
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Names PostgreSQL reserves (CREATE ROLE refuses them) or that mean something else in GRANT.
RESERVED_NAMES = {"public", "none", "current_role", "current_user", "session_user"}
# What `--transfer-ownership` hands to the owner, by pg_class.relkind.
RELATION_KINDS = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "S": "SEQUENCE",
}
LOG_PRIVILEGES_THE_APP_MUST_NOT_HAVE = ("UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


class BadRoleName(ValueError):
    pass


@dataclass(frozen=True)
class Relation:
    """A table, view or free-standing sequence in the schema; kind is the word ALTER takes."""

    kind: str
    name: str


def validate_role_name(name: str) -> str:
    # fullmatch, not match with `$`: `$` also matches before a trailing newline.
    if not isinstance(name, str) or not ROLE_NAME.fullmatch(name):
        raise BadRoleName(f"bad role name {name!r}: use a-z, 0-9 and _, at most 63 characters")
    if name.startswith("pg_") or name in RESERVED_NAMES:
        raise BadRoleName(f"bad role name {name!r}: reserved by PostgreSQL")
    return name


def validate_roles(owner: str, app: str) -> tuple[str, str]:
    owner, app = validate_role_name(owner), validate_role_name(app)
    if owner == app:
        raise BadRoleName("the owner and the app role must be two different roles")
    return owner, app


def role_setup_sql(
    owner: str,
    app: str,
    relations: Iterable[Relation],
    *,
    owner_login: bool = False,
    transfer_ownership: bool = False,
    app_password_verifier: str | None = None,
) -> list[sql.Composable]:
    """Every statement for the two roles, in order. `relations` are the schema's tables
    (and, for the transfer, views and sequences): see `schema_relations`.

    Ownership moves before the grants: GRANTs to a role that still owns a table would
    merge into the owner's own entry and leave with it."""
    owner, app = validate_roles(owner, app)
    relations = list(relations)
    statements = roles_sql(owner, app, owner_login=owner_login)
    if app_password_verifier is not None:
        statements.append(app_password_sql(app, app_password_verifier))
    if transfer_ownership:
        statements += transfer_ownership_sql(owner, relations)
    tables = {relation.name for relation in relations if relation.kind == "TABLE"}
    return statements + privileges_sql(owner, app, tables)


def roles_sql(owner: str, app: str, *, owner_login: bool) -> list[sql.Composable]:
    return [
        create_role_sql(owner, login=owner_login),
        create_role_sql(app, login=True),
        # Also on a re-run, so switching --owner-login on or off takes effect.
        sql.SQL("ALTER ROLE {} {}").format(sql.Identifier(owner), login_sql(owner_login)),
        sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(app)),
        revoke_membership_sql(owner, app),
    ]


def login_sql(login: bool) -> sql.SQL:
    return sql.SQL("LOGIN" if login else "NOLOGIN")


def create_role_sql(name: str, *, login: bool) -> sql.Composable:
    """CREATE ROLE has no IF NOT EXISTS; a DO block makes it re-runnable."""
    return sql.SQL(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {name}) "
        "THEN CREATE ROLE {role} {login}; END IF; END $$"
    ).format(name=sql.Literal(name), role=sql.Identifier(name), login=login_sql(login))


def revoke_membership_sql(owner: str, app: str) -> sql.Composable:
    """A member of the owner could SET ROLE to it and so own the log. (Only when the
    membership exists: a plain REVOKE of a missing one warns on every run.)"""
    return sql.SQL(
        "DO $$ BEGIN IF EXISTS (SELECT FROM pg_auth_members m "
        "JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
        "WHERE r.rolname = {owner_name} AND u.rolname = {app_name}) "
        "THEN REVOKE {owner} FROM {app}; END IF; END $$"
    ).format(
        owner_name=sql.Literal(owner),
        app_name=sql.Literal(app),
        owner=sql.Identifier(owner),
        app=sql.Identifier(app),
    )


def app_password_sql(app: str, verifier: str) -> sql.Composable:
    """`verifier` is a SCRAM verifier made on the client (`password_verifier`), so the
    clear-text password never reaches the server's statement log."""
    return sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(app), sql.Literal(verifier))


def transfer_ownership_sql(owner: str, relations: Iterable[Relation]) -> list[sql.Composable]:
    """For an existing installation whose tables belong to the role the app logs in as.

    The database too, because since PostgreSQL 15 its owner owns schema public and a
    schema's owner may drop any table in it. The functions too, because whoever owns
    the trigger function can replace its body with one that does nothing."""
    owner = validate_role_name(owner)
    role = sql.Identifier(owner)
    statements = [
        sql.SQL(
            "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I OWNER TO %I', "
            "current_database(), {}); END $$"
        ).format(sql.Literal(owner))
    ]
    for relation in relations:
        if relation.kind not in RELATION_KINDS.values():
            raise ValueError(f"cannot transfer a {relation.kind!r}")
        statements.append(
            sql.SQL("ALTER {} {} OWNER TO {}").format(
                sql.SQL(relation.kind), sql.Identifier(SCHEMA, relation.name), role
            )
        )
    statements.append(transfer_routines_sql(owner))
    return statements


def transfer_routines_sql(owner: str) -> sql.Composable:
    """Routines are named by their argument types too; the server spells each one
    (oid::regprocedure) so no signature is pasted together here. Functions that belong
    to an extension stay with the extension."""
    return sql.SQL(
        "DO $$ DECLARE routine regprocedure; BEGIN FOR routine IN "
        "SELECT p.oid FROM pg_proc p WHERE p.pronamespace = {schema}::regnamespace "
        "AND p.prokind IN ('f', 'p') AND NOT EXISTS (SELECT FROM pg_depend d "
        "WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') "
        "LOOP EXECUTE format('ALTER ROUTINE %s OWNER TO %I', routine, {owner}); "
        "END LOOP; END $$"
    ).format(schema=sql.Literal(SCHEMA), owner=sql.Literal(owner))


def privileges_sql(owner: str, app: str, tables: Iterable[str]) -> list[sql.Composable]:
    owner, app = validate_roles(owner, app)
    values = {"owner": sql.Identifier(owner), "app": sql.Identifier(app)}
    values["schema"] = sql.Identifier(SCHEMA)
    statements = [sql.SQL(template).format(**values) for template in PRIVILEGE_TEMPLATES]
    # The tables exist only after the migrations: re-running after them adds these.
    existing = set(tables)
    append_only = [t for t in APPEND_ONLY_TABLES if t in existing]
    # On PostgreSQL the access log is partitioned by month: each partition is a table the
    # app could otherwise write to directly (hemma/audit/partitions.py).
    append_only += sorted(t for t in existing if is_access_log_partition(t))
    for table in append_only:
        statements.append(
            sql.SQL("REVOKE UPDATE, DELETE ON TABLE {} FROM {}").format(
                sql.Identifier(SCHEMA, table), values["app"]
            )
        )
    if any(is_access_log_partition(t) for t in existing):
        # The worker creates next months' partitions through this SECURITY DEFINER function.
        statements.append(
            sql.SQL("GRANT EXECUTE ON FUNCTION {}(integer, date) TO {}").format(
                sql.Identifier(SCHEMA, ENSURE_FUNCTION), values["app"]
            )
        )
    return statements


def is_access_log_partition(table: str) -> bool:
    return table == DEFAULT_PARTITION or MONTH_PARTITION.match(table) is not None


PRIVILEGE_TEMPLATES = [
    "GRANT USAGE, CREATE ON SCHEMA {schema} TO {owner}",
    # PostgreSQL 15's default, spelled out for older servers: a role that may create
    # functions in the schema could plant one that a migration then calls.
    "REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC, {app}",
    "GRANT USAGE ON SCHEMA {schema} TO {app}",
    # From nothing on every run, so privileges granted by hand (TRUNCATE...) disappear.
    "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {app}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app}",
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {app}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {app}",
    # Tables a later migration creates; the log's UPDATE and DELETE are taken back by the
    # next run of the command (default privileges cannot name one table).
    "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
    "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
    "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
    "GRANT USAGE, SELECT ON SEQUENCES TO {app}",
]


def render(statements: Sequence[sql.Composable], context=None) -> str:
    """The statements as a psql script. `context` is a psycopg connection, or None."""
    return "".join(f"{statement.as_string(context)};\n" for statement in statements)


# --- With a PostgreSQL connection -------------------------------------------------------

RELATIONS_QUERY = """
SELECT c.relkind, c.relname FROM pg_class c
WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  -- Sequences of serial and identity columns follow their table; extensions keep theirs.
  -- (Only sequences: a partition depends on its parent ('a') and a partitioned table on
  -- itself ('i'), and both must be listed.)
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND (d.deptype = 'e'
                      OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
ORDER BY c.relname
"""


def schema_relations(cursor) -> list[Relation]:
    cursor.execute(RELATIONS_QUERY, [SCHEMA])
    return [Relation(RELATION_KINDS[kind], name) for kind, name in cursor.fetchall()]


def password_verifier(pg_connection, app: str, password: str) -> str:
    """A SCRAM verifier made by libpq on the client, in the server's password_encryption."""
    return pg_connection.pgconn.encrypt_password(password.encode(), app.encode()).decode()


def apply(connection, statements: Sequence[sql.Composable]) -> None:
    """Run all statements in one transaction: a half-applied setup is never left behind."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.as_string(connection.connection))


SUPERUSER = "is a superuser"
PROBLEMS_QUERY = """
SELECT %(superuser)s FROM pg_roles WHERE rolname = %(app)s AND rolsuper
UNION ALL SELECT 'is a member of ' || %(owner)s WHERE pg_has_role(%(app)s, %(owner)s, 'MEMBER')
UNION ALL SELECT 'owns the database' FROM pg_database
  WHERE datname = current_database() AND pg_has_role(%(app)s, datdba, 'MEMBER')
UNION ALL SELECT 'owns schema ' || nspname FROM pg_namespace
  WHERE nspname = %(schema)s AND pg_has_role(%(app)s, nspowner, 'MEMBER')
UNION ALL SELECT 'may create objects in schema ' || %(schema)s
  WHERE has_schema_privilege(%(app)s, %(schema)s, 'CREATE')
UNION ALL SELECT 'owns ' || count(*) || ' tables, views or sequences, e.g. ' || min(c.relname)
  FROM pg_class c WHERE c.relnamespace = %(schema)s::regnamespace
    AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND pg_has_role(%(app)s, c.relowner, 'MEMBER')
  HAVING count(*) > 0
UNION ALL SELECT 'owns ' || count(*) || ' functions, e.g. ' || min(p.oid::regprocedure::text)
  FROM pg_proc p WHERE p.pronamespace = %(schema)s::regnamespace
    AND pg_has_role(%(app)s, p.proowner, 'MEMBER')
  HAVING count(*) > 0
UNION ALL SELECT 'has ' || privilege || ' on the access log'
    || CASE WHEN c.relname = %(log)s THEN '' ELSE ' (partition ' || c.relname || ')' END
  FROM pg_class c, unnest(%(privileges)s::text[]) AS privilege
  WHERE c.relnamespace = %(schema)s::regnamespace
    AND (c.relname = %(log)s OR c.oid IN (
      SELECT i.inhrelid FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = %(log)s AND p.relnamespace = %(schema)s::regnamespace))
    AND has_table_privilege(%(app)s, c.oid, privilege)
"""


def app_role_problems(cursor, owner: str, app: str) -> list[str]:
    """What would let the app role rewrite the access log after all; [] is the goal.
    Asked of PostgreSQL itself, so memberships and grants to PUBLIC count too."""
    owner, app = validate_roles(owner, app)
    cursor.execute(
        PROBLEMS_QUERY,
        {
            "app": app,
            "owner": owner,
            "superuser": SUPERUSER,
            "schema": SCHEMA,
            "log": ACCESS_LOG_TABLE,
            "privileges": list(LOG_PRIVILEGES_THE_APP_MUST_NOT_HAVE),
        },
    )
    problems = [problem for (problem,) in cursor.fetchall()]
    if SUPERUSER in problems:  # which makes every other line true, and noise
        problems = [SUPERUSER]
    return [f"{app} {problem}" for problem in problems]
