"""Issue 19 without a browser: what tests/browser/test_accessibility_crawl.py checks with
axe-core, in the markup the demo roles get – the demo banner is a named region (inside a
landmark), no table header is empty, and a link shown to a role does not lead it to a 404
(the care team's "Avsluta" for a home-care unit, another unit's care request on the
episode page)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db

USERS = ["anna.ssk", "lena.us", "karin.hsv", "peter.vk", "ali.ht", "olle.amb"]
LISTS = ["/", "/patients/", "/episodes/", "/care-requests/", "/ambulance/"]
DETAIL = re.compile(r'href="(/(?:patients/[0-9a-f-]{36}|episodes/\d+)/)"')
TARGET = re.compile(r'href="(/(?:patients/[0-9a-f-]{36}/care-team/\d+/end|care-requests/\d+)/)"')
EMPTY_HEADER = re.compile(r"<th[^>]*>\s*</th>")


def pages_of(client, username):
    """Every patient and episode page the role's lists link to, and the care-team-end and
    care-request links on them: path -> (status, body, where it was linked from)."""
    client.force_login(get_user_model().objects.get(username=username))
    seen = {}

    def get(path, linked_from):
        if path not in seen:
            response = client.get(path)
            seen[path] = (response.status_code, response.content.decode(), linked_from)
        return seen[path][1]

    details = {d: path for path in LISTS for d in DETAIL.findall(get(path, "menu"))}
    for detail, linked_from in details.items():
        for target in TARGET.findall(get(detail, linked_from)):
            get(target, detail)
    return seen


def test_what_each_demo_role_is_shown_answers_and_has_no_empty_table_header(client):
    call_command("load_demo", "--quiet")
    problems, targets = [], 0
    for username in USERS:
        pages = pages_of(client, username)
        for path, (status, body, linked_from) in pages.items():
            if path in LISTS and status in (302, 403, 404):
                continue  # a menu the role does not have
            if TARGET.search(f'href="{path}"'):
                targets += 1
            if status >= 400:
                problems.append(f"{username} {path}: {status}, linked from {linked_from}")
            elif status == 200 and EMPTY_HEADER.search(body):
                problems.append(f"{username} {path}: {EMPTY_HEADER.search(body).group()}")
        if 'class="demo-banner" role="region" aria-label="' not in pages["/"][1]:
            problems.append(f"{username} /: the demo banner is not a named region")
    assert targets, "no care-team or care-request link was reached"
    assert not problems, "\n".join(problems)
