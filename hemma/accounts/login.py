"""The login and logout pages.

Without OIDC: Django's password login, as always. With OIDC (hemma.accounts.oidc): the
page leads with "Logga in med SITHS-kort"; below it the break-glass form asks for a TOTP
code as well (hemma.accounts.breakglass). Logout ends the Hemma session and, for an OIDC
session, continues at the provider's end_session endpoint (RP-initiated logout).
"""

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponseRedirect
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .oidc import oidc_enabled, signed_in_with_oidc


class LoginForm(AuthenticationForm):
    otp_token = forms.CharField(
        label=_("Engångskod"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Sex siffror från autentiseringsappen."),
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        if oidc_enabled():
            self.error_messages = {
                **self.error_messages,
                "invalid_login": _(
                    "Fel användarnamn, lösenord eller engångskod. Lösenord används bara för "
                    "nödinloggning av administratörer; övrig personal loggar in med SITHS-kort."
                ),
            }
        else:
            del self.fields["otp_token"]

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            credentials = {"username": username, "password": password}
            if oidc_enabled():
                credentials["otp_token"] = self.cleaned_data.get("otp_token") or ""
            self.user_cache = authenticate(self.request, **credentials)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(oidc_enabled=oidc_enabled(), **kwargs)


class LogoutView(auth_views.LogoutView):
    """Django's logout; an OIDC session then continues to the provider's logout."""

    def post(self, request, *args, **kwargs):
        provider_url = None
        if oidc_enabled() and signed_in_with_oidc(request):
            provider_url = import_string(settings.OIDC_OP_LOGOUT_URL_METHOD)(request)
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(provider_url) if provider_url else response
