"""Break-glass password sign-in (nödinloggning) when the region's identity provider is used.

With OIDC on (hemma.accounts.oidc), staff sign in with SITHS at the provider; a password
still opens Hemma only for break-glass administrators - superusers and members of the
group HEMMA_BREAK_GLASS_GROUP - and only with a TOTP code from a confirmed django-otp
device (`hemma enrol_totp USERNAME`). Without OIDC (the demo, `make run`) passwords work
as before, without a code. No model of our own: a group and django-otp's TOTPDevice.

Failures go back to Django's authenticate() as None, so django-axes counts them (and
locks the account and address out) like any failed password; they are logged here too.
"""

import logging

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .client_ip import client_ip_address
from .oidc import oidc_enabled

logger = logging.getLogger(__name__)

DEVICE_NAME = "Nödinloggning"


def is_break_glass(user) -> bool:
    """May sign in with a password (and a TOTP code) while OIDC is on."""
    if user is None or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=settings.HEMMA_BREAK_GLASS_GROUP).exists()


def verify_totp(user, token: str) -> TOTPDevice | None:
    """The user's confirmed TOTP device that accepts this code (each code once, throttled)."""
    token = (token or "").strip().replace(" ", "")
    if not (token.isascii() and token.isdigit()):
        return None
    with transaction.atomic():
        devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in devices:
            if device.verify_token(token):
                return device
    return None


class PasswordBackend(ModelBackend):
    """Django's password check; with OIDC on, for break-glass administrators with TOTP."""

    def authenticate(self, request, username=None, password=None, otp_token=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or not oidc_enabled():
            return user
        address = client_ip_address(request) if request is not None else "-"
        if not is_break_glass(user):
            logger.warning(
                "Password sign-in refused for %s from %s: OIDC is on and the account is not "
                "break-glass",
                user.get_username(),
                address,
            )
            return None
        if verify_totp(user, otp_token or "") is None:
            logger.warning(
                "Break-glass sign-in refused for %s from %s: missing or wrong TOTP code",
                user.get_username(),
                address,
            )
            return None
        logger.warning("Break-glass sign-in with password and TOTP: %s from %s", username, address)
        return user


class EnrolmentError(Exception):
    pass


def totp_device_create(*, user, grant: bool = False, replace: bool = False) -> TOTPDevice:
    """A new, unconfirmed TOTP device for a break-glass administrator; `totp_device_confirm`
    with a first code from the app makes it usable. grant: add the user to the break-glass
    group first. replace: the user's other TOTP devices go when the new one is confirmed."""
    if not user.is_active:
        raise EnrolmentError(f"{user.get_username()} is not active")
    if not is_break_glass(user):
        if not grant:
            raise EnrolmentError(
                f"{user.get_username()} is neither a superuser nor in the group "
                f"{settings.HEMMA_BREAK_GLASS_GROUP!r} (use --grant)"
            )
        group, _ = Group.objects.get_or_create(name=settings.HEMMA_BREAK_GLASS_GROUP)
        user.groups.add(group)
        logger.warning("Break-glass group granted to %s", user.get_username())
    if not replace and TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise EnrolmentError(f"{user.get_username()} already has a TOTP device (use --replace)")
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str | None) -> bool:
    """Confirm with a code from the app (None: without a code, the operator's choice); the
    user's other TOTP devices are removed."""
    if token is not None and not device.verify_token(token.strip().replace(" ", "")):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    logger.warning("TOTP device enrolled for break-glass sign-in: %s", device.user.get_username())
    return True
