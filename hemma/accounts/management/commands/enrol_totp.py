"""hemma enrol_totp USERNAME [--grant] [--replace] [--svg FILE] [--no-confirm]

Enrols a TOTP device (an authenticator app) for a break-glass administrator: prints the
otpauth URI and its QR code, then asks for a first code from the app to confirm. With
OIDC on, this administrator may then sign in with password + code when the identity
provider is down (docs/authentication.md). --grant adds the user to the break-glass group
(HEMMA_BREAK_GLASS_GROUP; superusers need no group); --replace replaces an enrolled device."""

import io

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from hemma.accounts.breakglass import EnrolmentError, totp_device_confirm, totp_device_create

TRIES = 3


class Command(BaseCommand):
    help = "Enrol a TOTP device for a break-glass administrator (password sign-in with OIDC on)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--grant", action="store_true", help="add the user to the break-glass group"
        )
        parser.add_argument(
            "--replace", action="store_true", help="replace the user's enrolled device"
        )
        parser.add_argument("--svg", help="also write the QR code to this SVG file")
        parser.add_argument(
            "--no-confirm",
            action="store_true",
            help="confirm the device without asking for a first code",
        )

    def handle(self, *args, username, grant, replace, svg, no_confirm, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        try:
            device = totp_device_create(user=user, grant=grant, replace=replace)
        except EnrolmentError as error:
            raise CommandError(str(error)) from None
        uri = device.config_url
        qr = segno.make(uri, error="m")
        picture = io.StringIO()
        qr.terminal(out=picture, compact=True)
        self.stdout.write(
            f"Skanna QR-koden i autentiseringsappen, eller lägg in adressen:\n{uri}\n"
        )
        self.stdout.write(picture.getvalue())
        if svg:
            qr.save(svg, scale=6)
            self.stdout.write(f"QR-koden är sparad i {svg}")
        if no_confirm:
            totp_device_confirm(device=device, token=None)
            self.stdout.write(self.style.SUCCESS("TOTP-enheten är registrerad (utan kontrollkod)."))
            return
        for _ in range(TRIES):
            token = input("Ange koden som appen visar: ")
            if totp_device_confirm(device=device, token=token):
                self.stdout.write(self.style.SUCCESS("TOTP-enheten är registrerad och bekräftad."))
                return
            self.stdout.write("Koden stämde inte.")
        device.delete()
        raise CommandError("the device was not confirmed; nothing changed")
