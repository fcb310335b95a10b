"""The login lockout (django-axes) is keyed on username + the client's address; behind the
TLS proxy that address comes from X-Forwarded-For, not from the proxy's own address."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse

from hemma.accounts.client_ip import client_ip_address
from tests.conftest import PASSWORD

LOGIN = reverse("login")
PROXY = "10.0.0.2"  # the TLS proxy: every request reaches Django from here
CLIENT_A = "203.0.113.5"
CLIENT_B = "198.51.100.7"
ROOT = Path(__file__).resolve().parents[2]


def login(client, password, *, forwarded_for=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(LOGIN, {"username": "wardnurse", "password": password}, **extra)


def fail_until_locked(client, settings, **where):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong", **where)


@pytest.mark.django_db
class TestBehindTheProxy:
    @pytest.fixture(autouse=True)
    def _proxy(self, settings):
        settings.HEMMA_TRUSTED_PROXY_COUNT = 1

    def test_failures_from_one_client_lock_the_user_out_only_there(
        self, client, ward_nurse, settings
    ):
        fail_until_locked(client, settings, forwarded_for=CLIENT_A)
        locked = login(client, PASSWORD, forwarded_for=CLIENT_A)
        assert locked.status_code == 429
        assert "tillfälligt spärrad" in locked.content.decode()
        # Same proxy address, another client: the nurse still logs in.
        response = login(client, PASSWORD, forwarded_for=CLIENT_B)
        assert response.status_code == 302
        assert response["Location"] == reverse("home")  # the start page

    def test_a_client_cannot_escape_the_lockout_by_sending_its_own_header(
        self, client, ward_nurse, settings
    ):
        fail_until_locked(client, settings, forwarded_for=CLIENT_A)
        # Client A claims to be B; the proxy appends A's real address on the right.
        spoofed = login(client, PASSWORD, forwarded_for=f"{CLIENT_B}, {CLIENT_A}")
        assert spoofed.status_code == 429

    def test_a_spoofed_header_cannot_lock_out_another_client(self, client, ward_nurse, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(client, "wrong", forwarded_for=f"{CLIENT_B}, {CLIENT_A}")
        assert login(client, PASSWORD, forwarded_for=CLIENT_B).status_code == 302


@pytest.mark.django_db
class TestWithoutAProxy:
    @pytest.fixture(autouse=True)
    def _no_proxy(self, settings):
        settings.HEMMA_TRUSTED_PROXY_COUNT = 0

    def test_the_lockout_stays_username_and_remote_address(self, client, ward_nurse, settings):
        # X-Forwarded-For is not trusted: any client can send one.
        fail_until_locked(client, settings, forwarded_for=CLIENT_A, remote=CLIENT_A)
        assert login(client, PASSWORD, forwarded_for=CLIENT_B, remote=CLIENT_A).status_code == 429
        assert login(client, PASSWORD, remote=CLIENT_B).status_code == 302


class TestClientAddress:
    def _request(self, forwarded_for=None, remote=PROXY):
        extra = {"REMOTE_ADDR": remote}
        if forwarded_for is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
        return RequestFactory().get("/", **extra)

    @pytest.mark.parametrize(
        ("count", "forwarded_for", "expected"),
        [
            (0, CLIENT_A, PROXY),
            (1, CLIENT_A, CLIENT_A),
            (1, f"{CLIENT_B}, {CLIENT_A}", CLIENT_A),
            (2, f"{CLIENT_B}, {CLIENT_A}", CLIENT_B),
            (2, CLIENT_A, PROXY),  # fewer entries than proxies: not trusted
            (1, None, PROXY),
            (1, "", PROXY),
            (1, "unknown", PROXY),
            (1, f"{CLIENT_A}:51234", CLIENT_A),
            (1, "[2001:db8::1]:443", "2001:db8::1"),
            (1, "2001:DB8::1", "2001:db8::1"),
        ],
    )
    def test_the_address_is_taken_from_the_trusted_end(
        self, settings, count, forwarded_for, expected
    ):
        settings.HEMMA_TRUSTED_PROXY_COUNT = count
        assert client_ip_address(self._request(forwarded_for)) == expected


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "0"),
        ({"BEHIND_TLS_PROXY": "true"}, "1"),
        ({"BEHIND_TLS_PROXY": "true", "HEMMA_TRUSTED_PROXY_COUNT": "2"}, "2"),
    ],
)
def test_the_proxy_count_defaults_to_one_behind_the_tls_proxy(environment, expected):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"BEHIND_TLS_PROXY", "HEMMA_TRUSTED_PROXY_COUNT"}
    }
    env |= environment | {"DJANGO_SETTINGS_MODULE": "hemma.settings"}
    code = "from django.conf import settings; print(settings.HEMMA_TRUSTED_PROXY_COUNT)"
    result = subprocess.run(  # noqa: S603 - our own interpreter, a fixed program
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == expected
