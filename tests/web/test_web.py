"""Login, lockout, language, security headers and error pages."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

LOGIN = reverse("login")


@pytest.mark.django_db
class TestLogin:
    def test_the_login_page_is_swedish(self, client):
        page = client.get(LOGIN).content.decode()
        assert "Logga in i Hemma" in page
        assert '<html lang="sv">' in page

    def test_a_nurse_logs_in_and_lands_on_her_start_page(self, client, ward_nurse):
        response = client.post(LOGIN, {"username": "wardnurse", "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == reverse("home")  # issue 19: where her work is

    def test_a_wrong_password_is_explained(self, client, ward_nurse):
        response = client.post(LOGIN, {"username": "wardnurse", "password": "wrong"})
        assert response.status_code == 200
        assert "korrekt användarnamn och lösenord" in response.content.decode()

    def test_repeated_failures_lock_the_account_out(self, client, ward_nurse, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(LOGIN, {"username": "wardnurse", "password": "wrong"})
        locked = client.post(LOGIN, {"username": "wardnurse", "password": PASSWORD})
        assert locked.status_code == 429
        assert "tillfälligt spärrad" in locked.content.decode()

    def test_logout_needs_a_post(self, as_ward_nurse):
        assert as_ward_nurse.get(reverse("logout")).status_code == 405
        assert as_ward_nurse.post(reverse("logout")).status_code == 302


@pytest.mark.django_db
class TestLanguage:
    def test_a_user_can_switch_to_english(self, as_ward_nurse, kim):
        as_ward_nurse.post(reverse("set_language"), {"language": "en", "next": "/patients/"})
        page = as_ward_nurse.get(reverse("patients:list")).content.decode()
        assert '<html lang="en">' in page
        assert "Patients" in page
        assert "Register patient" in page


@pytest.mark.django_db
class TestSecurity:
    def test_pages_send_a_strict_content_security_policy(self, client):
        policy = client.get(LOGIN)["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy
        assert "http" not in policy  # no CDN or external host allowed

    def test_pages_send_secure_headers(self, client):
        response = client.get(LOGIN)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"

    def test_a_post_without_csrf_token_is_refused(self, ward_nurse):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        strict.force_login(ward_nurse.user)
        assert strict.post(reverse("patients:register"), {}).status_code == 403

    def test_templates_reference_no_external_assets(self):
        from pathlib import Path

        root = Path(__file__).resolve().parents[2] / "hemma" / "templates"
        for template in root.rglob("*.html"):
            text = template.read_text()
            assert "https://" not in text and "http://" not in text, template


@pytest.mark.django_db
class TestErrors:
    @pytest.mark.parametrize(
        "url", ["/patients/not-a-uuid/", "/no/such/page/", "/patients/?q=%00%ff", "/audit/?page=x"]
    )
    def test_odd_urls_never_give_a_500(self, as_ward_nurse, url):
        assert as_ward_nurse.get(url).status_code in {200, 403, 404}

    def test_the_health_check_answers(self, client):
        assert client.get("/healthz").json() == {"status": "ok"}


def test_every_ui_string_has_an_english_translation():
    from pathlib import Path

    po = (
        Path(__file__).resolve().parents[2]
        / "hemma"
        / "locale"
        / "en"
        / "LC_MESSAGES"
        / "django.po"
    )
    text = po.read_text()
    entries = text.split('\n\nmsgid "')[1:]  # the first block is the header
    untranslated = [e.split("\n")[0] for e in entries if '\nmsgstr ""' in e]
    assert untranslated == []
    assert "#, fuzzy" not in text
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1, "run `make messages`"
