"""The browser's part of the OpenID Connect sign-in (hemma.accounts.oidc has the rest):
the views that start the sign-in and take the provider's answer, and the middleware that
sends a session whose ID token expired back to the provider."""

import logging
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from django.contrib import auth
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from mozilla_django_oidc.middleware import SessionRefresh
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from .client_ip import client_ip_address
from .oidc import (
    BACKEND_PATH,
    SIGN_IN_AGAIN,
    HsaIdBackend,
    ProviderUnavailable,
    Refusal,
    oidc_enabled,
    oidc_setting,
    setting_property,
    signed_in_with_oidc,
)

logger = logging.getLogger(__name__)


def _page(request, *, title: str, message: str, status: int):
    context = {"title": title, "message": message}
    return render(request, "registration/oidc_refused.html", context, status=status)


def _provider_failed(request, error) -> HttpResponse:
    logger.error("OIDC sign-in failed from %s: %s", client_ip_address(request), error)
    return _page(
        request,
        title=_("Inloggningen kunde inte slutföras"),
        message=_(
            "Identitetsleverantören svarade inte som väntat. Försök igen om en stund, eller "
            "kontakta din administratör om felet består."
        ),
        status=502,
    )


def _logout_if_signed_in(request) -> None:
    if request.user.is_authenticated:
        auth.logout(request)


class AuthenticateView(OIDCAuthenticationRequestView):
    """Starts the sign-in: a redirect to the provider (state, nonce, PKCE in the session)."""

    get_settings = staticmethod(oidc_setting)
    OIDC_OP_AUTH_ENDPOINT = setting_property("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_RP_CLIENT_ID = setting_property("OIDC_RP_CLIENT_ID")

    def __init__(self, **kwargs):  # the base class reads settings here: on use instead
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request):
        if not oidc_enabled():
            raise Http404
        try:
            return super().get(request)
        except ProviderUnavailable as error:
            return _provider_failed(request, error)


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here with a code (or an error)."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request):
        if not oidc_enabled():
            raise Http404
        states = request.session.get("oidc_states", {})
        state = request.GET.get("state", "")
        entry = states.pop(state, None) if state else None
        if entry is not None:  # one use only, also when it fails
            request.session["oidc_states"] = states
            request.session.save()
        if request.GET.get("error"):
            return self._provider_error(request, request.GET["error"], known_state=entry)
        if not request.GET.get("code") or entry is None:
            logger.warning(
                "OIDC callback without a known state from %s", client_ip_address(request)
            )
            return _page(
                request,
                title=_("Inloggningen kunde inte slutföras"),
                message=_(
                    "Inloggningen hade gått ut eller startades i en annan flik. Försök igen."
                ),
                status=400,
            )
        # As mozilla-django-oidc: reload the session after the slow token exchange, so that
        # a parallel tab's changes are not overwritten.
        request.session = request.session.__class__(request.session.session_key)
        backend = HsaIdBackend()
        try:
            user = backend.authenticate(
                request,
                hemma_oidc_callback=True,
                nonce=entry.get("nonce"),
                code_verifier=entry.get("code_verifier"),
            )
        except (
            requests.RequestException,
            ProviderUnavailable,
            jwt.PyJWTError,
            SuspiciousOperation,
        ) as error:
            _logout_if_signed_in(request)
            return _provider_failed(request, error)
        if user is None:
            _logout_if_signed_in(request)
            refusal = backend.refusal or Refusal("invalid_token")
            logger.warning(
                "OIDC sign-in refused (%s): HSA-id %r from %s",
                refusal.reason,
                refusal.hsa_id,
                client_ip_address(request),
            )
            if backend.refusal is None:  # the token did not pass the checks
                return _provider_failed(request, "ID token or userinfo rejected")
            return _page(
                request, title=_("Inloggningen nekades"), message=refusal.message, status=403
            )
        user.backend = BACKEND_PATH
        self.user = user
        response = self.login_success()
        # Trust the ID token no longer than it is valid (the setting is an upper bound).
        if backend.id_token_expires_at is not None:
            request.session["oidc_id_token_expiration"] = min(
                request.session["oidc_id_token_expiration"], backend.id_token_expires_at
            )
        logger.info(
            "OIDC sign-in: %s (HSA-id %s) from %s",
            user.get_username(),
            getattr(getattr(user, "staff", None), "hsa_id", ""),
            client_ip_address(request),
        )
        return response

    def _provider_error(self, request, error: str, *, known_state) -> HttpResponse:
        next_url = request.session.get("oidc_login_next")
        if known_state is None:  # not an answer to this browser's request: change nothing
            logger.warning(
                "OIDC callback error %r without a known state from %s",
                error,
                client_ip_address(request),
            )
            return _page(
                request,
                title=_("Inloggningen avbröts"),
                message=_("Identitetsleverantören avbröt inloggningen (%(error)s).")
                % {"error": error},
                status=400,
            )
        _logout_if_signed_in(request)
        if error in SIGN_IN_AGAIN:
            # A silent renewal the provider could not answer without the user (its session
            # ended): the Hemma session has ended too; sign in at the provider again.
            query = f"?{urlencode({'next': next_url})}" if next_url else ""
            return HttpResponseRedirect(reverse("oidc_authentication_init") + query)
        logger.warning(
            "OIDC sign-in ended by the provider (%s) from %s", error, client_ip_address(request)
        )
        return _page(
            request,
            title=_("Inloggningen avbröts"),
            message=_("Identitetsleverantören avbröt inloggningen (%(error)s).") % {"error": error},
            status=403,
        )


class SessionRefreshMiddleware(SessionRefresh):
    """mozilla-django-oidc's SessionRefresh, reading its settings per request: a GET in a
    session whose ID token expired is sent to the provider with prompt=none. With a live
    provider session the user comes straight back (the HSA-id checked again); without
    one, CallbackView sends them to sign in. Password sessions are left alone."""

    get_settings = staticmethod(oidc_setting)
    OIDC_EXEMPT_URLS = ()
    OIDC_OP_AUTHORIZATION_ENDPOINT = setting_property("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_RP_CLIENT_ID = setting_property("OIDC_RP_CLIENT_ID")
    OIDC_STATE_SIZE = setting_property("OIDC_STATE_SIZE", 32)
    OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
    OIDC_RP_SCOPES = setting_property("OIDC_RP_SCOPES", "openid")
    OIDC_USE_NONCE = True
    OIDC_NONCE_SIZE = setting_property("OIDC_NONCE_SIZE", 32)

    def __init__(self, get_response):
        MiddlewareMixin.__init__(self, get_response)

    @cached_property
    def exempt_urls(self):
        names = ["oidc_authentication_init", "oidc_authentication_callback", "logout", "login"]
        return {reverse(name) for name in names}

    def is_refreshable_url(self, request):
        return (
            oidc_enabled()
            and hasattr(request, "session")
            and signed_in_with_oidc(request)
            and super().is_refreshable_url(request)
        )

    def process_request(self, request):
        try:
            response = super().process_request(request)
        except ProviderUnavailable as error:
            return _provider_failed(request, error)
        if response is None or response.status_code != 302 or not request.headers.get("HX-Request"):
            return response
        # htmx (a poll, a live search): the renewal is a page load, back to the page itself
        # rather than to the fragment asked for.
        page = request.headers.get("HX-Current-URL", "")
        if url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()}):
            parts = urlsplit(page)
            request.session["oidc_login_next"] = parts.path + (
                f"?{parts.query}" if parts.query else ""
            )
        else:
            request.session["oidc_login_next"] = None
        htmx = HttpResponse(status=200)
        htmx["HX-Redirect"] = response["Location"]
        return htmx
