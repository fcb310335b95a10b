"""Issue 19: the coordination pages show their own content. The tasks and the links to
the meetings, the doctor-to-doctor directory and the temporary visit were inside the
page's <title> (the browser tab showed raw HTML with the CSRF token); they belong in the
page body."""

import re

import pytest
from django.urls import reverse

from hemma.coordination.models import Task
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LINKS = ("coordination:meetings", "coordination:directory", "coordination:temporary_visit")


def title_and_body(response) -> tuple[str, str]:
    html = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    body = html[html.index("<main") :]
    return title, body


@pytest.mark.parametrize("who", ["ward_nurse", "home_nurse", "coordinator"])
def test_the_title_is_text_and_the_tasks_and_links_are_in_the_body(client, request, who):
    staff = request.getfixturevalue(who)
    unit = staff.memberships.get().unit
    Task.objects.create(
        owner_unit=unit, title="Ring avdelningen om Lisa", due_on="2026-01-05", created_by=staff
    )
    response = client_for(client, staff).get(reverse("coordination:worklist"))
    assert response.status_code == 200
    title, body = title_and_body(response)
    assert "<" not in title and "csrf" not in title.lower()
    assert title.strip().startswith("Samordning vid utskrivning")
    assert "Uppgifter" in body and "Ring avdelningen om Lisa" in body
    for name in LINKS:
        assert f'href="{reverse(name)}"' in body, name
