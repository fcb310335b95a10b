"""The patient's own device: the ward issues a one-time code, the tablet or phone claims
it for a token (both stored only hashed), a request's token finds its enrolment, and the
ward revokes it."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.clinical import episode_states as states
from hemma.episodes.models import Episode
from hemma.episodes.services import episode_log
from hemma.errors import NotAllowed
from hemma.patients.policy import require_action

from ..models import DeviceEnrolment

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def enrolment_issue(*, staff: Staff, unit: Unit, episode: Episode, label: str = "") -> str:
    """A one-time code the ward (or the visiting team) gives the patient; returns the code
    (stored only hashed)."""
    require_action(staff=staff, unit=unit, action="enrol_device", episode=episode)
    if episode.state in states.FINAL_STATES:
        raise NotAllowed(_("Vårdtillfället är avslutat."))
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(8))
    DeviceEnrolment.objects.create(
        episode=episode,
        code_hash=_digest(code),
        code_expires_at=timezone.now() + timedelta(minutes=settings.HEMMA_ENROLMENT_CODE_MINUTES),
        label=label.strip(),
        created_by=staff,
    )
    episode_log(staff=staff, unit=unit, episode=episode, detail="device code issued")
    return code


def enrolment_claim(*, code: str) -> str:
    """Exchange the one-time code for the device's token (returned once, stored hashed)."""
    normalized = "".join(code.split()).upper()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        enrolment = (
            DeviceEnrolment.objects.select_for_update()
            .select_related("episode")
            .filter(code_hash=_digest(normalized))
            .first()
        )
        now = timezone.now()
        if (
            enrolment is None
            or enrolment.claimed_at is not None
            or enrolment.revoked_at is not None
            or enrolment.code_expires_at < now
            or enrolment.episode.state in states.FINAL_STATES
        ):
            raise NotAllowed(_("Koden gäller inte. Be avdelningen om en ny kod."))
        enrolment.token_hash, enrolment.claimed_at = _digest(token), now
        enrolment.save(update_fields=["token_hash", "claimed_at"])
    return token


def device_for_token(token: str | None) -> DeviceEnrolment | None:
    """The enrolment a token belongs to, while the episode is open and it is not revoked."""
    if not token:
        return None
    enrolment = (
        DeviceEnrolment.objects.select_related("episode__patient", "episode__ward")
        .filter(token_hash=_digest(token), revoked_at__isnull=True)
        .first()
    )
    if enrolment is None or enrolment.episode.state in states.FINAL_STATES:
        return None
    now = timezone.now()
    if enrolment.last_used_at is None or enrolment.last_used_at < now - timedelta(minutes=1):
        # At most one write a minute: a device sending many readings is not slowed down.
        DeviceEnrolment.objects.filter(pk=enrolment.pk).update(last_used_at=now)
    return enrolment


def enrolment_revoke(*, staff: Staff, unit: Unit, enrolment: DeviceEnrolment) -> None:
    require_action(staff=staff, unit=unit, action="enrol_device", episode=enrolment.episode)
    DeviceEnrolment.objects.filter(pk=enrolment.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    episode_log(staff=staff, unit=unit, episode=enrolment.episode, detail="device revoked")
