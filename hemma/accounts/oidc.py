"""Sign-in with SITHS through the region's OpenID Connect provider (issue 17).

Staff sign in with their SITHS card (eTjänstekort) at the region's identity provider (the
national IdP, a regional Keycloak or ADFS); the provider sends them back with an
authorization code, and Hemma maps the HSA-id claim of the signed-in person to
`Staff.hsa_id`. Hemma never creates users: an unknown HSA-id, an inactive account or a
system client's profile is refused with a Swedish page and logged.

Built on mozilla-django-oidc (authorization code flow with PKCE and nonce, RS256 ID tokens
checked against the provider's JWKS). Hemma adds:

- `oidc_setting`: the endpoints come from the settings or, when only the issuer is
  configured, from its discovery document (fetched on first use, cached for an hour);
  everything is read per request, so nothing is frozen at start-up.
- `HsaIdBackend`: HSA-id -> staff -> user, the ID token's issuer and audience checked.
- `provider_logout_url`: RP-initiated logout at the provider's end_session endpoint.

The browser's side (hemma.accounts.oidc_flow): `CallbackView` turns refusals and provider
errors into pages; a silent renewal the provider cannot answer (its session ended) sends
the user to sign in there again; `SessionRefreshMiddleware` sends a session whose ID token
expired back to the provider.

Settings: hemma/settings.py (HEMMA_OIDC_*); how a region connects: docs/authentication.md.
"""

import logging
import threading
import time
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from .models import Staff

logger = logging.getLogger(__name__)

BACKEND_PATH = "hemma.accounts.oidc.HsaIdBackend"
DISCOVERY_SECONDS = 3600
# Provider answers to a silent renewal (prompt=none) that need the user at the provider.
SIGN_IN_AGAIN = {
    "login_required",
    "interaction_required",
    "consent_required",
    "account_selection_required",
}
# Setting -> the discovery document's key, for endpoints not configured explicitly.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "HEMMA_OIDC_END_SESSION_ENDPOINT": "end_session_endpoint",
}


class ProviderUnavailable(Exception):
    """The provider (or its discovery document) did not answer as expected."""


def oidc_enabled() -> bool:
    return bool(getattr(settings, "HEMMA_OIDC_ENABLED", False))


_discovery_lock = threading.Lock()
_discovery_cache: dict[str, tuple[float, dict]] = {}


def discovery(issuer: str) -> dict:
    """The provider's /.well-known/openid-configuration, cached per issuer."""
    with _discovery_lock:
        cached = _discovery_cache.get(issuer)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=getattr(settings, "OIDC_TIMEOUT", 10))
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"discovery {url}: {error}") from error
    if document.get("issuer", "").rstrip("/") != issuer:
        raise ProviderUnavailable(f"discovery {url}: issuer {document.get('issuer')!r}")
    with _discovery_lock:
        _discovery_cache[issuer] = (time.monotonic() + DISCOVERY_SECONDS, document)
    return document


def oidc_setting(attr: str, *default):
    """A mozilla-django-oidc setting; an endpoint left empty comes from discovery."""
    if attr in DISCOVERED and not getattr(settings, attr, ""):
        issuer = getattr(settings, "HEMMA_OIDC_ISSUER", "")
        value = discovery(issuer).get(DISCOVERED[attr]) if issuer else None
        if value:
            return value
        if default:
            return default[0]
        raise ImproperlyConfigured(f"{attr}: not configured and not in the discovery document")
    return import_from_settings(attr, *default)


class Refusal:
    """Why a signed-in person may not use Hemma: shown to them (Swedish) and logged."""

    def __init__(self, reason: str, hsa_id: str = ""):
        self.reason = reason
        self.hsa_id = hsa_id

    @property
    def message(self) -> str:
        messages = {
            "missing_claim": _(
                "Identitetsleverantören skickade inget HSA-id för dig – kontakta din administratör."
            ),
            "unknown_hsa_id": _("Ditt HSA-id finns inte i Hemma – kontakta din administratör."),
            "inactive": _("Ditt konto i Hemma är inaktiverat – kontakta din administratör."),
            "system_profile": _(
                "Det här HSA-id:t hör till en systemklient och kan inte användas för "
                "inloggning – kontakta din administratör."
            ),
        }
        return messages.get(self.reason, self.reason)


def staff_user_for_hsa_id(hsa_id: str):
    """(user, None) for an active staff member with this HSA-id, else (None, Refusal)."""
    if not hsa_id:
        return None, Refusal("missing_claim")
    staff = Staff.objects.select_related("user").filter(hsa_id=hsa_id).first()
    if staff is None:
        return None, Refusal("unknown_hsa_id", hsa_id)
    if staff.profession == Staff.Profession.SYSTEM:
        return None, Refusal("system_profile", hsa_id)
    if not staff.user.is_active:
        return None, Refusal("inactive", hsa_id)
    return staff.user, None


def setting_property(name: str, *default):
    return property(lambda self: oidc_setting(name, *default))


class HsaIdBackend(OIDCAuthenticationBackend):
    """OIDC code flow -> the HSA-id claim -> Staff.hsa_id -> that staff member's user."""

    get_settings = staticmethod(oidc_setting)
    # Read on use (the base class reads them when constructed, and Django constructs every
    # listed backend for every password sign-in too, with or without OIDC).
    OIDC_OP_TOKEN_ENDPOINT = setting_property("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = setting_property("OIDC_OP_USER_ENDPOINT", "")
    OIDC_OP_JWKS_ENDPOINT = setting_property("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_CLIENT_ID = setting_property("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = setting_property("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = setting_property("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args, **kwargs):
        self.UserModel = auth.get_user_model()
        self.refusal: Refusal | None = None
        self.id_token_expires_at: float | None = None

    def authenticate(self, request, **kwargs):
        # Only from CallbackView: a password sign-in never reaches the token endpoint.
        if not kwargs.pop("hemma_oidc_callback", False) or not oidc_enabled():
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """The signature and nonce (mozilla-django-oidc), then issuer and audience."""
        payload = super().verify_token(token, **kwargs)
        issuer = getattr(settings, "HEMMA_OIDC_ISSUER", "")
        if issuer and payload.get("iss", "").rstrip("/") != issuer:
            raise SuspiciousOperation(f"ID token issuer {payload.get('iss')!r}")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation(f"ID token audience {audience!r}")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by the userinfo endpoint when there is one
        (some providers put the HSA-id only in one of them)."""
        if not self.OIDC_OP_USER_ENDPOINT:
            return dict(payload)
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo is about another subject than the ID token")
        return {**payload, **userinfo}

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if isinstance(payload.get("exp"), int | float):
            self.id_token_expires_at = float(payload["exp"])
        hsa_id = claims.get(getattr(settings, "HEMMA_OIDC_HSA_CLAIM", "hsa_id"))
        user, self.refusal = staff_user_for_hsa_id(hsa_id if isinstance(hsa_id, str) else "")
        return user

    def create_user(self, claims):  # never: staff are set up in Hemma
        raise SuspiciousOperation("Hemma does not create users from OIDC claims")

    # Sessions of a deactivated account end at once (the base class skips this check).
    get_user = ModelBackend.get_user


def signed_in_with_oidc(request) -> bool:
    return request.session.get(BACKEND_SESSION_KEY) == BACKEND_PATH


def provider_logout_url(request) -> str:
    """OIDC_OP_LOGOUT_URL_METHOD: the provider's end_session endpoint (RP-initiated
    logout), back to Hemma's login page afterwards. Without an end_session endpoint, or for
    a password session, just Hemma's logout redirect."""
    fallback = resolve_url(settings.LOGOUT_REDIRECT_URL)
    if not (oidc_enabled() and signed_in_with_oidc(request)):
        return fallback
    try:
        end_session = oidc_setting("HEMMA_OIDC_END_SESSION_ENDPOINT", "")
    except ProviderUnavailable as error:
        logger.error("OIDC logout: the provider's end_session is unknown: %s", error)
        return fallback
    if not end_session:
        return fallback
    params = {
        "client_id": oidc_setting("OIDC_RP_CLIENT_ID"),
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    separator = "&" if "?" in end_session else "?"
    return f"{end_session}{separator}{urlencode(params)}"
