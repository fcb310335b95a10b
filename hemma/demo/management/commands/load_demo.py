from django.core.management.base import BaseCommand

from hemma.demo.data import DEMO_PASSWORD
from hemma.demo.services import demo_load


class Command(BaseCommand):
    help = "Load (or refresh) the demo region: organisations, units, staff and fictive patients."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, quiet=False, **options):
        logins = demo_load()
        if quiet:
            return
        self.stdout.write(self.style.SUCCESS("Demoregionen är laddad (fiktiva patienter)."))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        width = max(len(login.username) for login in logins)
        for login in logins:
            name = f"{login.username:<{width}}  {login.name:<14}"
            self.stdout.write(f"  {name} {login.profession:<24} {login.units}")
