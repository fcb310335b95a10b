"""Set up Hemma's PostgreSQL roles: an owner that migrations run as, and an app role that
cannot rewrite the access log (hemma/audit/db_roles.py, docs/operations-database.md).

    hemma db_roles                                   # print the SQL
    hemma db_roles --apply                           # run it (again after each migration)
    hemma db_roles --apply --transfer-ownership      # convert an existing installation
    HEMMA_APP_PASSWORD=... hemma db_roles --apply --app-password-env HEMMA_APP_PASSWORD
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from hemma.audit import db_roles

NOT_POSTGRESQL = (
    "Roles are a PostgreSQL feature: this database is {vendor}, so nothing was applied. "
    "This is the SQL Hemma would run on PostgreSQL:"
)
NOT_LEAST_PRIVILEGE = (
    "Applied, but the app role is not least privilege yet (an installation that ran as "
    "it needs --transfer-ownership; a superuser or member of the owner must not be the "
    "app role):\n"
)


class Command(BaseCommand):
    help = "Print, or --apply, the SQL for Hemma's PostgreSQL owner and app roles."

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="hemma_owner", help="Owns everything.")
        parser.add_argument("--app", default="hemma_app", help="The role the app logs in as.")
        parser.add_argument(
            "--owner-login", action="store_true", help="Let the owner log in (default NOLOGIN)."
        )
        parser.add_argument(
            "--app-password-env",
            metavar="VAR",
            help="Set the app role's password from this environment variable.",
        )
        parser.add_argument(
            "--transfer-ownership",
            action="store_true",
            help="Give the database and everything in schema public to the owner.",
        )
        parser.add_argument("--apply", action="store_true", help="Run the SQL (PostgreSQL).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        try:
            owner, app = db_roles.validate_roles(options["owner"], options["app"])
        except db_roles.BadRoleName as error:
            raise CommandError(str(error)) from error
        password = self._password(options["app_password_env"])
        if connection.vendor != "postgresql":
            self._print_for_postgresql(connection, owner, app, options)
            return
        with connection.cursor() as cursor:
            relations = db_roles.schema_relations(cursor)
        if not options["apply"]:
            self._print(connection, owner, app, relations, options, with_password=bool(password))
            return
        verifier = password and db_roles.password_verifier(connection.connection, app, password)
        db_roles.apply(connection, self._statements(owner, app, relations, options, verifier))
        self._report(connection, owner, app)

    def _password(self, variable):
        """Never from the command line, where ps and the shell history would show it."""
        if not variable:
            return None
        password = os.environ.get(variable)
        if not password:
            raise CommandError(f"--app-password-env {variable}: that variable is not set")
        return password

    def _statements(self, owner, app, relations, options, verifier=None):
        return db_roles.role_setup_sql(
            owner,
            app,
            relations,
            owner_login=options["owner_login"],
            transfer_ownership=options["transfer_ownership"],
            app_password_verifier=verifier,
        )

    def _print_for_postgresql(self, connection, owner, app, options):
        self.stderr.write(NOT_POSTGRESQL.format(vendor=connection.vendor))
        tables = connection.introspection.django_table_names(include_views=False)
        relations = [db_roles.Relation("TABLE", table) for table in sorted(tables)]
        self._print(connection, owner, app, relations, options, with_password=False)

    def _print(self, connection, owner, app, relations, options, *, with_password):
        context = connection.connection if connection.vendor == "postgresql" else None
        statements = self._statements(owner, app, relations, options)
        self.stdout.write(db_roles.render(statements, context), ending="")
        if with_password:
            self.stdout.write(f"-- The password of {app} is set with --apply; never printed.")

    def _report(self, connection, owner, app):
        with connection.cursor() as cursor:
            problems = db_roles.app_role_problems(cursor, owner, app)
        if problems:
            raise CommandError(NOT_LEAST_PRIVILEGE + "\n".join(problems))
        self.stdout.write(
            self.style.SUCCESS(f"Applied: {owner} owns, {app} may not rewrite the log.")
        )
