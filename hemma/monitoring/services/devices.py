"""The patient's own device: the ward issues a one-time code, which is claimed once –
by the patient's page for its cookie token (`enrolment_claim`) or by a vendor's device for
an expiring API token pair (`enrolment_claim_api`, refreshed with rotation by
`device_token_refresh`). All tokens are stored only hashed; each kind opens its own door
(`device_for_token`: the patient's page; `device_for_api_token`: the FHIR ingestion); the
ward revokes either."""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

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

from ..models import DeviceApiToken, DeviceEnrolment

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed
logger = logging.getLogger(__name__)


def token_digest(secret: str) -> str:
    """How device codes and tokens are stored (only hashed); also the experience
    questionnaire's lookup of a discharged tablet."""
    # surrogatepass: a lone surrogate from a hostile JSON body hashes to nothing stored
    # instead of raising.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def enrolment_issue(*, staff: Staff, unit: Unit, episode: Episode, label: str = "") -> str:
    """A one-time code the ward (or the visiting team) gives the patient; returns the code
    (stored only hashed)."""
    require_action(staff=staff, unit=unit, action="enrol_device", episode=episode)
    if episode.state in states.FINAL_STATES:
        raise NotAllowed(_("Vårdtillfället är avslutat."))
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(8))
    DeviceEnrolment.objects.create(
        episode=episode,
        code_hash=token_digest(code),
        code_expires_at=timezone.now() + timedelta(minutes=settings.HEMMA_ENROLMENT_CODE_MINUTES),
        label=label.strip(),
        created_by=staff,
    )
    episode_log(staff=staff, unit=unit, episode=episode, detail="device code issued")
    return code


class InvalidGrant(NotAllowed):
    """A code or refresh token that gives no API token (OAuth 2.0 `invalid_grant`); the
    message is for the vendor's developer, in English like the rest of the API."""


@dataclass(frozen=True)
class DeviceTokens:
    """An issued API token pair (the raw tokens exist only here, once)."""

    access_token: str
    refresh_token: str
    expires_in: int
    enrolment: DeviceEnrolment


def _claimable(code: str, now: datetime) -> DeviceEnrolment:
    """The enrolment of `code`, locked, stamped claimed (the caller saves it within its
    transaction): unknown, used, expired, revoked and ended-episode codes are refused
    alike, telling nothing of which."""
    normalized = "".join(code.split()).upper()
    enrolment = (
        DeviceEnrolment.objects.select_for_update()
        .select_related("episode")
        .filter(code_hash=token_digest(normalized))
        .first()
    )
    if (
        enrolment is None
        or enrolment.claimed_at is not None
        or enrolment.revoked_at is not None
        or enrolment.code_expires_at < now
        or enrolment.episode.state in states.FINAL_STATES
    ):
        raise NotAllowed(_("Koden gäller inte. Be avdelningen om en ny kod."))
    enrolment.claimed_at = now
    return enrolment


def enrolment_claim(*, code: str) -> str:
    """Exchange the one-time code for the patient page's token (returned once, stored
    hashed). It opens the page only, never the FHIR ingestion."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        enrolment = _claimable(code, timezone.now())
        enrolment.token_hash, enrolment.kind = token_digest(token), DeviceEnrolment.Kind.PAGE
        enrolment.save(update_fields=["token_hash", "kind", "claimed_at"])
    return token


def _issue_pair(enrolment: DeviceEnrolment, now: datetime) -> DeviceTokens:
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    seconds = settings.HEMMA_DEVICE_TOKEN_SECONDS
    DeviceApiToken.objects.create(
        enrolment=enrolment,
        access_hash=token_digest(access),
        access_expires_at=now + timedelta(seconds=seconds),
        refresh_hash=token_digest(refresh),
        refresh_expires_at=now + timedelta(days=settings.HEMMA_DEVICE_REFRESH_DAYS),
    )
    DeviceEnrolment.objects.filter(pk=enrolment.pk).update(api_refreshed_at=now)
    return DeviceTokens(access, refresh, seconds, enrolment)


def enrolment_claim_api(*, code: str, label: str = "") -> DeviceTokens:
    """Exchange the one-time code for a vendor device's API token pair, bound to the
    code's episode (the same one-use checks as the page's claim). `label` names the
    device when the ward gave it no name."""
    now = timezone.now()
    with transaction.atomic():
        try:
            enrolment = _claimable(code, now)
        except NotAllowed as error:
            raise InvalidGrant(
                "the code is unknown, already used or expired, or its episode has ended: "
                "ask the ward for a new code"
            ) from error
        enrolment.kind = DeviceEnrolment.Kind.API
        enrolment.label = enrolment.label or label.strip()[:100]
        enrolment.save(update_fields=["kind", "label", "claimed_at"])
        return _issue_pair(enrolment, now)


def _revoke_api_tokens(enrolment_id: int, now: datetime) -> None:
    DeviceApiToken.objects.filter(enrolment_id=enrolment_id, revoked_at__isnull=True).update(
        revoked_at=now
    )


def device_token_refresh(*, refresh_token: str) -> DeviceTokens:
    """A new API token pair for a refresh token; the old pair stops working (rotation).

    A refresh token used a second time has leaked (or the device lost the answer): every
    API token of its enrolment is revoked and the enrolment ended – its code is spent, so
    the ward sees the device disconnected and issues a new code. The revocation is
    committed before the refusal is raised."""
    now = timezone.now()
    with transaction.atomic():
        pair = (
            DeviceApiToken.objects.select_for_update(of=("self",))
            .select_related("enrolment__episode")
            .filter(refresh_hash=token_digest(refresh_token))
            .first()
        )
        if pair is None or pair.revoked_at is not None or pair.refresh_expires_at <= now:
            raise InvalidGrant("the refresh token is unknown, revoked or expired")
        enrolment = pair.enrolment
        # The conditional update, not the read, decides: of two requests with the same
        # refresh token, exactly one rotates and the other is a reuse.
        rotated = DeviceApiToken.objects.filter(
            pk=pair.pk, rotated_at__isnull=True, revoked_at__isnull=True
        ).update(rotated_at=now)
        if not rotated:
            _revoke_api_tokens(enrolment.pk, now)
            DeviceEnrolment.objects.filter(pk=enrolment.pk, revoked_at__isnull=True).update(
                revoked_at=now
            )
            reused = True
        elif enrolment.revoked_at is not None or enrolment.episode.state in states.FINAL_STATES:
            raise InvalidGrant("the device was disconnected or its episode has ended")
        else:
            reused = False
            # Rotated pairs are kept for reuse detection until their refresh token expires.
            DeviceApiToken.objects.filter(
                enrolment=enrolment, rotated_at__isnull=False, refresh_expires_at__lt=now
            ).delete()
            tokens = _issue_pair(enrolment, now)
    if reused:
        logger.warning(
            "device enrolment %s: a rotated refresh token was reused; its API tokens are revoked",
            enrolment.pk,
        )
        raise InvalidGrant(
            "the refresh token was already used: the device's tokens are revoked, ask the "
            "ward for a new code"
        )
    return tokens


def _touch(enrolment: DeviceEnrolment, now: datetime) -> None:
    if enrolment.last_used_at is None or enrolment.last_used_at < now - timedelta(minutes=1):
        # At most one write a minute: a device sending many readings is not slowed down.
        DeviceEnrolment.objects.filter(pk=enrolment.pk).update(last_used_at=now)


def device_for_token(token: str | None) -> DeviceEnrolment | None:
    """The enrolment of a patient page's token, while the episode is open and it is not
    revoked. API tokens are not looked up here: they do not open the page."""
    if not token:
        return None
    enrolment = (
        DeviceEnrolment.objects.select_related("episode__patient", "episode__ward")
        .filter(token_hash=token_digest(token), revoked_at__isnull=True)
        .first()
    )
    if enrolment is None or enrolment.episode.state in states.FINAL_STATES:
        return None
    _touch(enrolment, timezone.now())
    return enrolment


def device_for_api_token(token: str | None) -> DeviceEnrolment | None:
    """The enrolment of an unexpired, unrotated API access token, while the episode is
    open and neither the token nor the enrolment is revoked. Page tokens are not looked
    up here: they do not open the FHIR ingestion."""
    if not token or len(token) > 200:
        return None
    now = timezone.now()
    pair = (
        DeviceApiToken.objects.select_related(
            "enrolment__episode__patient", "enrolment__episode__ward"
        )
        .filter(
            access_hash=token_digest(token),
            access_expires_at__gt=now,
            rotated_at__isnull=True,
            revoked_at__isnull=True,
            enrolment__revoked_at__isnull=True,
        )
        .first()
    )
    if pair is None or pair.enrolment.episode.state in states.FINAL_STATES:
        return None
    _touch(pair.enrolment, now)
    return pair.enrolment


def enrolment_revoke(*, staff: Staff, unit: Unit, enrolment: DeviceEnrolment) -> None:
    """Ends the device: its page token and all its API tokens."""
    require_action(staff=staff, unit=unit, action="enrol_device", episode=enrolment.episode)
    now = timezone.now()
    with transaction.atomic():
        DeviceEnrolment.objects.filter(pk=enrolment.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        _revoke_api_tokens(enrolment.pk, now)
    episode_log(staff=staff, unit=unit, episode=enrolment.episode, detail="device revoked")
