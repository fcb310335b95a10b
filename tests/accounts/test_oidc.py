"""Sign-in with SITHS through the region's OpenID Connect provider, and break-glass passwords.

The browser tests run against a real provider: panva's certified oidc-provider, started on
127.0.0.1 by these tests (tests/accounts/oidc_provider/server.mjs), with Chromium driving
Django's live server - sign-in, refusals, the ID token's expiry and logout all go through
the real redirects, forms, tokens (RS256, JWKS, PKCE, nonce) and the site's CSP. Without
node or the provider's npm packages they are skipped with a notice; with CI=true that is a
failure. The break-glass tests need no provider: password sign-in never reaches it.
"""

import copy
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from hemma.accounts.models import Membership, Staff
from hemma.accounts.oidc import BACKEND_PATH
from tests.conftest import IN_CI, PASSWORD, make_staff

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
INSTALLED = PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json"
ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "hemma-test"
CLIENT_SECRET = "hemma-test-secret-that-is-long-enough-for-hs256"
ANNA_HSA = "SE2321000180-ANNA01"
ACCOUNTS = {
    "anna": {"hsa_id": ANNA_HSA, "name": "Anna Test"},
    "stranger": {"hsa_id": "SE2321000180-OKAND1", "name": "Okänd Person"},
    "inactive": {"hsa_id": "SE2321000180-INAKT1", "name": "Inaktiv Person"},
    "integration": {"hsa_id": "SE2321000180-SYS001", "name": "Integration"},
    "nohsa": {"name": "Utan HSA-id"},
}
LOGIN = reverse("login")


# --- the provider ------------------------------------------------------------------------


def node_or_skip() -> str:
    """Node and the provider's packages: skipped with a notice locally, failed in CI."""
    node = shutil.which("node")
    if node is None:
        problem = "node not found: the OIDC sign-in tests cannot run (apt-get install nodejs npm)"
    elif not INSTALLED.exists():
        problem = (
            f"{PROVIDER_DIR}/node_modules is missing: the OIDC sign-in tests cannot run "
            "(npm ci --prefix tests/accounts/oidc_provider, which `make test` does)"
        )
    else:
        return node
    if IN_CI:
        pytest.fail(f"CI=true: {problem}")
    pytest.skip(problem)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Provider:
    """`node server.mjs` on a free port of 127.0.0.1, up when its discovery document answers."""

    def __init__(self, live_url: str, *, id_token_ttl: int = 600, session_ttl: int = 3600):
        node = node_or_skip()
        port = free_port()
        self.issuer = f"http://127.0.0.1:{port}"
        config = {
            "port": port,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"{live_url}/oidc/callback/"],
            "post_logout_redirect_uris": [f"{live_url}{LOGIN}"],
            "accounts": ACCOUNTS,
            "id_token_ttl": id_token_ttl,
            "session_ttl": session_ttl,
        }
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - open while the provider runs
        self.process = subprocess.Popen(  # noqa: S603 - node, our own script
            [node, "server.mjs"],
            cwd=PROVIDER_DIR,
            env={**os.environ, "HEMMA_TEST_OIDC_CONFIG": json.dumps(config)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                discovery = requests.get(
                    f"{self.issuer}/.well-known/openid-configuration", timeout=2
                )
                if discovery.ok:
                    self.discovery = discovery.json()
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        self.log.seek(0)
        pytest.fail(f"the OIDC test provider did not start:\n{self.log.read().decode()[-3000:]}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()

    def use(self, settings):
        """Point Hemma at this provider, as the HEMMA_OIDC_* variables would (issuer only:
        the endpoints come from its discovery document)."""
        settings.HEMMA_OIDC_ENABLED = True
        settings.HEMMA_OIDC_ISSUER = self.issuer
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        for name in (
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
            "HEMMA_OIDC_END_SESSION_ENDPOINT",
        ):
            setattr(settings, name, "")
        csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        csp["DIRECTIVES"]["form-action"].append(self.issuer)  # as hemma/settings.py does
        settings.CONTENT_SECURITY_POLICY = csp


@pytest.fixture(scope="module")
def provider(live_server):
    running = Provider(live_server.url)
    yield running
    running.stop()


@pytest.fixture
def start_provider(live_server, settings):
    """A provider of the test's own, with short ID token / session lifetimes."""
    started = []

    def start(**ttl):
        running = Provider(live_server.url, **ttl)
        started.append(running)
        running.use(settings)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def anna(ward, primary_care):
    """A ward nurse who also works at the primary care centre; her HSA-id is the provider's."""
    staff = make_staff("anna", "nurse", ward)
    Membership.objects.create(staff=staff, unit=primary_care)
    Staff.objects.filter(pk=staff.pk).update(hsa_id=ANNA_HSA)
    return staff


def sign_in_at_provider(page, provider, account):
    page.wait_for_url(re.compile(re.escape(provider.issuer) + "/interaction/"))
    page.get_by_label("Testkonto").fill(account)
    page.get_by_role("button", name="Logga in hos leverantören").click()


def sign_in(page, live_server, provider, account="anna"):
    page.goto(f"{live_server.url}{LOGIN}")
    page.get_by_role("link", name="Logga in med SITHS-kort").click()
    sign_in_at_provider(page, provider, account)


def session_of(page, live_server):
    from django.contrib.sessions.models import Session

    cookie = next(
        c
        for c in page.context.cookies(live_server.url)
        if c["name"] == "sessionid" and c["domain"] == urlsplit(live_server.url).hostname
    )
    return Session.objects.get(session_key=cookie["value"]).get_decoded()


def no_csp_violations(page):
    """A CSP violation (e.g. a form whose redirect the policy blocks) shows up in the
    console. (The test provider has no favicon: its 404 is not Hemma's.)"""
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


# --- sign-in against the real provider -----------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestSignInWithTheProvider:
    @pytest.fixture(autouse=True)
    def _use_provider(self, provider, settings):
        provider.use(settings)

    def test_a_nurse_signs_in_with_siths_and_lands_with_her_units(
        self, page, live_server, provider, anna
    ):
        page.goto(f"{live_server.url}/patients/")
        page.wait_for_url(f"{live_server.url}{LOGIN}?next=/patients/")
        page.get_by_role("link", name="Logga in med SITHS-kort").click()
        sign_in_at_provider(page, provider, "anna")
        page.wait_for_url(f"{live_server.url}/patients/")
        units = page.locator("#acting-unit option").all_inner_texts()
        assert units == ["Infektionsavdelning", "Vårdcentral Test"]
        assert page.get_by_text("Anna Test").first.is_visible()
        session = session_of(page, live_server)
        assert session["_auth_user_backend"] == BACKEND_PATH
        assert int(session["_auth_user_id"]) == anna.user_id
        # Trusted no longer than the provider's ID token (600 s here), within the setting.
        assert session["oidc_id_token_expiration"] <= time.time() + 600
        no_csp_violations(page)

    @pytest.mark.parametrize(
        ("account", "message"),
        [
            ("stranger", "Ditt HSA-id finns inte i Hemma – kontakta din administratör."),
            ("inactive", "Ditt konto i Hemma är inaktiverat – kontakta din administratör."),
            ("integration", "hör till en systemklient och kan inte användas för inloggning"),
            ("nohsa", "Identitetsleverantören skickade inget HSA-id för dig"),
        ],
    )
    def test_a_person_hemma_does_not_know_is_refused_with_a_page_and_logged(
        self, page, live_server, provider, ward, account, message, caplog
    ):
        users = get_user_model().objects
        inactive = make_staff("inactive", "nurse", ward)
        Staff.objects.filter(pk=inactive.pk).update(hsa_id=ACCOUNTS["inactive"]["hsa_id"])
        users.filter(pk=inactive.user_id).update(is_active=False)
        integration = make_staff("integration", "system", ward)
        Staff.objects.filter(pk=integration.pk).update(hsa_id=ACCOUNTS["integration"]["hsa_id"])
        user_count = users.count()
        caplog.set_level("WARNING", logger="hemma.accounts.oidc_flow")

        responses = []
        page.on("response", lambda r: "/oidc/callback/" in r.url and responses.append(r.status))
        sign_in(page, live_server, provider, account)
        page.wait_for_url(re.compile(re.escape(live_server.url) + "/oidc/callback/"))
        assert page.get_by_role("heading", name="Inloggningen nekades").is_visible()
        assert message in page.get_by_role("alert").inner_text()
        assert responses == [403]
        assert users.count() == user_count  # never creates users
        refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert len(refused) == 1
        assert ACCOUNTS[account].get("hsa_id", "''") in refused[0]
        page.goto(f"{live_server.url}/patients/")
        page.wait_for_url(f"{live_server.url}{LOGIN}?next=/patients/")  # not signed in

    def test_logout_ends_the_hemma_session_and_the_providers(
        self, page, live_server, provider, anna
    ):
        sign_in(page, live_server, provider)
        page.wait_for_url(f"{live_server.url}/")  # the start page (LOGIN_REDIRECT_URL)
        page.get_by_role("button", name="Logga ut").click()
        # RP-initiated logout: the provider's end_session page (CSP form-action lets the
        # logout form's redirect go there), then back to Hemma's login page.
        page.wait_for_url(re.compile(re.escape(provider.issuer) + "/session/end"))
        page.get_by_role("button", name="Ja, logga ut").click()
        page.wait_for_url(f"{live_server.url}{LOGIN}")
        page.goto(f"{live_server.url}/patients/")
        page.wait_for_url(f"{live_server.url}{LOGIN}?next=/patients/")
        # The provider's session is gone too: it asks who is signing in again.
        page.get_by_role("link", name="Logga in med SITHS-kort").click()
        sign_in_at_provider(page, provider, "anna")
        page.wait_for_url(f"{live_server.url}/patients/")
        no_csp_violations(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestTheIdTokenExpires:
    def test_an_expired_id_token_goes_back_to_the_provider_and_returns_silently(
        self, page, live_server, start_provider, anna
    ):
        provider = start_provider(id_token_ttl=3)
        sign_in(page, live_server, provider)
        page.wait_for_url(f"{live_server.url}/")  # the start page (LOGIN_REDIRECT_URL)
        first = session_of(page, live_server)["oidc_id_token_expiration"]
        assert first <= time.time() + 3
        silent = []
        page.on(
            "request",
            lambda r: (
                r.url.startswith(f"{provider.issuer}/auth")
                and silent.append(parse_qs(urlsplit(r.url).query))
            ),
        )
        time.sleep(3.5)
        page.goto(f"{live_server.url}/patients/?q=Kim")
        page.wait_for_url(f"{live_server.url}/patients/?q=Kim")
        assert len(silent) == 1
        assert silent[0]["prompt"] == ["none"]
        assert silent[0]["client_id"] == [CLIENT_ID]
        session = session_of(page, live_server)
        assert int(session["_auth_user_id"]) == anna.user_id
        assert session["oidc_id_token_expiration"] > first
        no_csp_violations(page)

    def test_when_the_providers_session_ended_too_the_user_signs_in_there_again(
        self, page, live_server, start_provider, anna
    ):
        provider = start_provider(id_token_ttl=2, session_ttl=3)
        sign_in(page, live_server, provider)
        page.wait_for_url(f"{live_server.url}/")  # the start page (LOGIN_REDIRECT_URL)
        time.sleep(3.5)
        page.goto(f"{live_server.url}/patients/?q=Kim")
        # prompt=none -> login_required: Hemma's session ends, the provider asks again.
        page.wait_for_url(re.compile(re.escape(provider.issuer) + "/interaction/"))
        assert page.get_by_label("Testkonto").is_visible()
        other = page.context.new_page()
        other.goto(f"{live_server.url}/patients/")
        other.wait_for_url(f"{live_server.url}{LOGIN}?next=/patients/")
        other.close()
        page.get_by_label("Testkonto").fill("anna")
        page.get_by_role("button", name="Logga in hos leverantören").click()
        page.wait_for_url(f"{live_server.url}/patients/?q=Kim")  # back where she was


# --- settings, routes and the refresh without a browser ------------------------------------


@pytest.fixture
def oidc_on(settings):
    """OIDC configured with explicit endpoints of a provider that is never contacted."""
    settings.HEMMA_OIDC_ENABLED = True
    settings.HEMMA_OIDC_ISSUER = ""
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://idp.region.example/auth"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.region.example/token"
    settings.OIDC_OP_USER_ENDPOINT = ""
    settings.OIDC_OP_JWKS_ENDPOINT = "https://idp.region.example/jwks"
    settings.HEMMA_OIDC_END_SESSION_ENDPOINT = "https://idp.region.example/logout"
    return settings


def run_settings(environment: dict, code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEMMA_OIDC_")}
    env |= environment | {"DJANGO_SETTINGS_MODULE": "hemma.settings"}
    return subprocess.run(  # noqa: S603 - our own interpreter, a fixed program
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )


def test_the_environment_turns_oidc_on_and_lets_forms_redirect_to_the_provider():
    code = (
        "import json; from django.conf import settings as s;"
        " print(json.dumps([s.HEMMA_OIDC_ENABLED, s.HEMMA_OIDC_HSA_CLAIM, s.OIDC_RP_SIGN_ALGO,"
        " s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'],"
        " s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src']]))"
    )
    off = run_settings({}, code)
    assert json.loads(off.stdout) == [False, "hsa_id", "RS256", ["'self'"], ["'self'"]]
    on = run_settings(
        {
            "HEMMA_OIDC_ISSUER": "https://idp.region.example/realms/hemma/",
            "HEMMA_OIDC_CLIENT_ID": "hemma",
            "HEMMA_OIDC_CLIENT_SECRET": "s",
            "HEMMA_OIDC_HSA_CLAIM": "employeeHsaId",
        },
        code,
    )
    assert json.loads(on.stdout) == [
        True,
        "employeeHsaId",
        "RS256",
        ["'self'", "https://idp.region.example"],
        ["'self'"],  # no new script source
    ]
    half = run_settings({"HEMMA_OIDC_CLIENT_ID": "hemma"}, code)
    assert half.returncode != 0
    assert "HEMMA_OIDC_ISSUER" in half.stderr


@pytest.mark.django_db
def test_the_oidc_routes_are_not_there_without_oidc(client):
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404


@pytest.mark.django_db
def test_a_callback_without_a_started_sign_in_is_refused(client, oidc_on):
    response = client.get(reverse("oidc_authentication_callback"), {"code": "x", "state": "y"})
    assert response.status_code == 400
    assert "startades i en annan flik" in response.content.decode()


@pytest.mark.django_db
def test_a_forged_error_answer_does_not_sign_anyone_out(client, oidc_on, ward_nurse):
    client.force_login(ward_nurse.user, backend=BACKEND_PATH)
    session = client.session
    session["oidc_id_token_expiration"] = time.time() + 60
    session.save()
    url = reverse("oidc_authentication_callback")
    response = client.get(url, {"error": "login_required", "state": "not-ours"})
    assert response.status_code == 400
    assert int(client.session["_auth_user_id"]) == ward_nurse.user_id


@pytest.mark.django_db
def test_an_expired_htmx_poll_reloads_the_page_through_the_provider(client, oidc_on, ward_nurse):
    client.force_login(ward_nurse.user, backend=BACKEND_PATH)
    session = client.session
    session["oidc_id_token_expiration"] = time.time() - 1
    session.save()
    response = client.get(
        "/patients/?q=Ki",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/patients/?q=K"},
    )
    assert response.status_code == 200
    target = urlsplit(response["HX-Redirect"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == "https://idp.region.example/auth"
    assert parse_qs(target.query)["prompt"] == ["none"]
    assert client.session["oidc_login_next"] == "/patients/?q=K"  # the page, not the fragment


@pytest.mark.django_db
def test_a_password_session_is_never_sent_to_the_provider(client, oidc_on, ward_nurse):
    client.force_login(ward_nurse.user)
    assert client.get("/patients/").status_code == 200


@pytest.mark.django_db
def test_logout_of_an_oidc_session_continues_at_the_providers_end_session(
    client, oidc_on, ward_nurse
):
    client.force_login(ward_nurse.user, backend=BACKEND_PATH)
    session = client.session
    session["oidc_id_token"] = "the.id.token"
    session["oidc_id_token_expiration"] = time.time() + 60
    session.save()
    response = client.post(reverse("logout"))
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == "https://idp.region.example/logout"
    assert parse_qs(target.query) == {
        "client_id": [CLIENT_ID],
        "post_logout_redirect_uri": [f"http://testserver{LOGIN}"],
        "id_token_hint": ["the.id.token"],
    }
    assert "_auth_user_id" not in client.session


# --- break-glass passwords -------------------------------------------------------------------


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser(username="operator", password=PASSWORD)


def enrol(user) -> TOTPDevice:
    call_command("enrol_totp", user.username, "--no-confirm", stdout=io.StringIO())
    return TOTPDevice.objects.get(user=user, confirmed=True)


def code(device: TOTPDevice) -> str:
    """The code the administrator's app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def password_login(client, username, otp_token=None):
    data = {"username": username, "password": PASSWORD}
    if otp_token is not None:
        data["otp_token"] = otp_token
    return client.post(LOGIN, data)


@pytest.mark.django_db
class TestPasswordsWithOidcOn:
    @pytest.fixture(autouse=True)
    def _oidc(self, oidc_on):
        pass

    def test_the_login_page_leads_with_siths_and_hides_passwords_under_break_glass(self, client):
        html = client.get(LOGIN, {"next": "/patients/"}).content.decode()
        assert "Logga in med SITHS-kort" in html
        assert f'href="{reverse("oidc_authentication_init")}?next=/patients/"' in html
        assert "Nödinloggning för administratörer" in html
        assert 'name="otp_token"' in html

    def test_a_nurse_cannot_sign_in_with_her_password(self, client, ward_nurse):
        response = password_login(client, "wardnurse")
        assert response.status_code == 200
        assert "övrig personal loggar in med SITHS-kort" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_a_break_glass_administrator_needs_the_totp_code(self, client, operator):
        device = enrol(operator)
        assert password_login(client, "operator").status_code == 200
        assert password_login(client, "operator", "000000").status_code == 200
        assert "_auth_user_id" not in client.session
        # django-otp throttles a device after a wrong code (1 s, doubling): that has passed.
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=timezone.now() - timedelta(seconds=2)
        )
        response = password_login(client, "operator", code(device))
        assert response.status_code == 302
        assert response["Location"] == reverse("home")  # the start page
        # A password session stays off the provider's renewal.
        assert client.get(reverse("patients:list")).status_code != 302

    def test_a_code_is_accepted_once(self, client, operator):
        device = enrol(operator)
        token = code(device)
        assert password_login(client, "operator", token).status_code == 302
        client.post(reverse("logout"))
        assert password_login(client, "operator", token).status_code == 200

    def test_a_superuser_without_an_enrolled_device_cannot_sign_in(self, client, operator):
        assert password_login(client, "operator", "123456").status_code == 200
        assert "_auth_user_id" not in client.session

    def test_the_break_glass_group_grants_it_to_an_administrator(self, client, ward, settings):
        admin = make_staff("regionadmin", "administrator", ward)
        output = io.StringIO()
        call_command("enrol_totp", "regionadmin", "--grant", "--no-confirm", stdout=output)
        assert "otpauth://totp/Hemma%3Aregionadmin?secret=" in output.getvalue()
        assert admin.user.groups.filter(name=settings.HEMMA_BREAK_GLASS_GROUP).exists()
        device = TOTPDevice.objects.get(user=admin.user)
        assert password_login(client, "regionadmin", code(device)).status_code == 302

    def test_enrolment_refuses_an_ordinary_account_and_a_second_device(self, ward_nurse, operator):
        with pytest.raises(Exception, match="use --grant"):
            call_command("enrol_totp", "wardnurse", "--no-confirm")
        assert not Group.objects.filter(name="break-glass").exists()
        enrol(operator)
        with pytest.raises(Exception, match="use --replace"):
            call_command("enrol_totp", "operator", "--no-confirm")

    def test_wrong_codes_lock_the_account_out_like_wrong_passwords(
        self, client, operator, settings
    ):
        device = enrol(operator)
        for _ in range(settings.AXES_FAILURE_LIMIT):
            password_login(client, "operator", "000000")
        locked = password_login(client, "operator", code(device))
        assert locked.status_code == 429
        assert "tillfälligt spärrad" in locked.content.decode()

    def test_the_admin_login_does_not_bypass_the_code(self, client, operator):
        enrol(operator)
        client.post("/admin/login/", {"username": "operator", "password": PASSWORD})
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
class TestPasswordsWithOidcOff:
    """The demo (`make run`): passwords as always, no code, no SITHS button."""

    def test_the_login_page_is_as_before(self, client):
        html = client.get(LOGIN).content.decode()
        assert "SITHS" not in html
        assert "otp_token" not in html
        assert 'name="password"' in html

    def test_a_nurse_signs_in_with_her_password(self, client, ward_nurse):
        response = password_login(client, "wardnurse")
        assert response.status_code == 302
        assert response["Location"] == reverse("home")  # the start page

    def test_a_superuser_needs_no_code(self, client, operator):
        assert password_login(client, "operator").status_code == 302
