"""Hostile input through every form a user can reach: a crawler and a small fuzzer.

Each demo user (one per kind of work, the managers and administrators included) opens the
start page and follows the links the pages show (a few of each kind of page), collecting
every POST form drawn. Each form found is then sent as its user with every field - hidden
ones and the submission token included - replaced by hostile values: a NUL character,
bytes that are not UTF-8 (and a lone surrogate, as CESU-8), numbers and dates out of
every range, 400 digits, a field sent twice, and nothing at all. Whatever the input, the
answer must be a page or a refusal (< 500), never an exception.

This finds what the per-form tests cannot know about: a view that reads a field by hand,
a service that gets a value no form checked, PostgreSQL refusing what SQLite stored (a
NUL). The demo is loaded and crawled once for the module (each variant then runs in a
savepoint).
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes, urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from tests.module_db import rolled_back_after_the_module

FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# One user per kind of work; the managers and administrators reach the set-up pages.
USERS = (
    "anna.ssk",
    "erik.lak",
    "lena.us",
    "peter.vk",
    "ulla.vc",
    "karin.hsv",
    "maja.usk",
    "ali.ht",
    "eva.bist",
    "olle.amb",
    "admin.region",
    "admin.kommun",
)
PAGES_PER_KIND = 2  # pages opened per URL name and user: the crawl stays bounded
MAX_PAGES = 60  # per user
# Not crawled: leaving the session, Django's admin (staff users only, its own forms),
# the JSON APIs (fuzzed in tests/fhirapi and tests/monitoring) and downloads.
SKIPPED = ("/logout/", "/admin/", "/static/", "/fhir/", "/api/", "/metrics", "/i18n/")


@dataclass
class Form:
    action: str
    fields: list[str] = field(default_factory=list)


class _Page(HTMLParser):
    """The links and the POST forms of one page."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and (href := attrs.get("href") or "").startswith("/"):
            self.links.append(href.split("#")[0])
        elif tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = Form(action=attrs.get("action") or self.url)
        elif tag in ("input", "select", "textarea", "button") and self._form is not None:
            name = attrs.get("name")
            if name and name != "csrfmiddlewaretoken" and name not in self._form.fields:
                self._form.fields.append(name)

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def _url_name(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def _crawl(client: Client) -> list[Form]:
    """The POST forms on the pages a user reaches from the start page."""
    queue, seen, per_kind, forms = ["/"], set(), {}, []
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        name = _url_name(url)
        if url in seen or name is None or url.startswith(SKIPPED):
            continue
        if per_kind.get(name, 0) >= PAGES_PER_KIND:
            continue
        seen.add(url)
        per_kind[name] = per_kind.get(name, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = _Page(urlsplit(url).path)
        page.feed(response.content.decode())
        queue.extend(link for link in page.links if link not in seen)
        forms.extend(page.forms)
    return forms


NOT_UTF8 = quote_from_bytes(b"\xff\xfe", safe="")
LONE_SURROGATE = quote_from_bytes(b"\xed\xa0\x80", safe="")  # U+D800 as CESU-8


# Each variant: the urlencoded body for a form's field names.
VARIANTS = {
    "nul": lambda names: urlencode(dict.fromkeys(names, "a\x00b")),
    "not utf-8 and a lone surrogate": lambda names: "&".join(
        f"{name}={NOT_UTF8 if i % 2 else LONE_SURROGATE}" for i, name in enumerate(names)
    ),
    "numbers out of range": lambda names: urlencode(dict.fromkeys(names, "-1e309")),
    "not a number": lambda names: urlencode(dict.fromkeys(names, "NaN")),
    "400 digits": lambda names: urlencode(dict.fromkeys(names, "9" * 400)),
    "absurd date": lambda names: urlencode(dict.fromkeys(names, "99999-12-31T25:61")),
    "year one": lambda names: urlencode(dict.fromkeys(names, "0001-01-01 00:00")),
    "each field twice": lambda names: urlencode([(n, v) for n in names for v in ("1", "x")]),
    "nothing": lambda names: "",
}


FORMS_PER_KIND = 2  # forms fuzzed per URL name, each from another user where one has it
SHOWN: dict[str, int] = {}  # how many POST forms each user's crawl found


def _forms_to_fuzz() -> dict[str, list[Form]]:
    """Each user's forms to send: per URL name, the forms of the first FORMS_PER_KIND
    users who were shown one (the same kind of form from other users or for other rows
    adds time, not cases). Forms that leave the session are left out."""
    from django.contrib.auth import get_user_model

    found, taken = {}, {}
    for username in USERS:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        found[username] = []
        shown = _crawl(client)
        SHOWN[username] = len(shown)
        for form in shown:
            name = _url_name(form.action)
            if form.action.startswith(SKIPPED) or name is None:
                continue
            users = taken.setdefault(name, [])
            if username not in users and len(users) < FORMS_PER_KIND:
                users.append(username)
                found[username].append(form)
    return found


@pytest.fixture(scope="module")
def forms_by_user(django_db_setup, django_db_blocker):
    """The demo, and each user's POST forms to fuzz, in a transaction rolled back after
    the module's tests."""
    with rolled_back_after_the_module(django_db_blocker):
        with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHING):
            call_command("load_demo", quiet=True)
            found = _forms_to_fuzz()
        yield found


def test_the_crawl_reaches_the_forms_of_every_kind_of_work(forms_by_user, db):
    """The premise: the crawl finds many forms, for every user, across the apps."""
    reached = {
        name.split(":")[0]
        for forms in forms_by_user.values()
        for f in forms
        if (name := _url_name(f.action))
    }
    assert all(SHOWN[user] > 1 for user in USERS), SHOWN  # more than the unit switcher
    assert len({_url_name(f.action) for forms in forms_by_user.values() for f in forms}) >= 50
    assert {"patients", "episodes", "monitoring", "visits", "coordination", "setup"} <= reached


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_hostile_input_in_every_reachable_form_never_raises(forms_by_user, db, variant):
    from django.contrib.auth import get_user_model

    failures = []
    for username, forms in forms_by_user.items():
        client = Client(raise_request_exception=True)
        client.force_login(get_user_model().objects.get(username=username))
        for form in forms:
            body = VARIANTS[variant](form.fields)
            try:
                with transaction.atomic():  # a failure must not poison the next request
                    response = client.post(
                        form.action, body, content_type="application/x-www-form-urlencoded"
                    )
                status = response.status_code
            except Exception as error:  # noqa: BLE001 - collected, the test fails below
                failures.append(f"{username} {form.action}: {type(error).__name__}: {error}"[:300])
                continue
            if status >= 500:
                failures.append(f"{username} {form.action}: {status}")
    assert not failures, "\n".join(failures)
