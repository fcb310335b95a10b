"""Register, list and deactivate FHIR system clients (run by the operator):

    hemma fhir_client add --client-id ehr-cosmic --name "Cosmic" --unit SE2321000180-INF30 \
        --jwks cosmic-public.jwks.json --scopes "system/Patient.read system/Observation.read"
    hemma fhir_client list
    hemma fhir_client deactivate ehr-cosmic
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hemma.accounts.models import Unit
from hemma.fhirapi.models import SystemClient
from hemma.fhirapi.services import system_client_deactivate, system_client_register


class Command(BaseCommand):
    help = "Register, list and deactivate FHIR system clients (SMART Backend Services)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="register a client with its public keys")
        add.add_argument("--client-id", required=True)
        add.add_argument("--name", required=True)
        add.add_argument("--unit", required=True, help="the HSA-id of the client's unit")
        add.add_argument("--jwks", required=True, help="a file with the public JWKS")
        add.add_argument("--scopes", required=True, help='e.g. "system/Observation.read"')
        add.add_argument(
            "--log-review",
            action="store_true",
            help="a log-review client: reads the access log (AuditEvent), no patient record",
        )
        actions.add_parser("list", help="the registered clients")
        deactivate = actions.add_parser("deactivate", help="refuse new tokens, end issued ones")
        deactivate.add_argument("client_id")

    def handle(self, *args, action, **options):
        if action == "add":
            self._add(**options)
        elif action == "list":
            for client in SystemClient.objects.select_related("unit").order_by("client_id"):
                state = "aktiv" if client.active else "avstängd"
                self.stdout.write(
                    f"{client.client_id}\t{client.unit.hsa_id}\t{state}\t{client.scopes}"
                )
        else:
            try:
                system_client_deactivate(client_id=options["client_id"])
            except SystemClient.DoesNotExist as error:
                raise CommandError(f"no client {options['client_id']!r}") from error
            self.stdout.write(f"{options['client_id']} is deactivated")

    def _add(self, *, client_id, name, unit, jwks, scopes, log_review=False, **_options):
        found = Unit.objects.filter(hsa_id=unit).first()
        if found is None:
            raise CommandError(f"no unit with HSA-id {unit!r}")
        try:
            keys = json.loads(Path(jwks).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read the JWKS {jwks!r}: {error}") from error
        try:
            client = system_client_register(
                client_id=client_id,
                name=name,
                unit=found,
                jwks=keys,
                scopes=scopes,
                log_review=log_review,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"registered {client.client_id} for {found.name} ({client.scopes})")
