"""Issue 19: on Lisa's episode page (the demo, with her alert, tasks, agreement and
requests) every form a unit is offered comes from the access policy's allowed actions for
the acting unit: the municipal nurse gets no ward button (direct admission, evening call,
notices under lag 2017:612, care requests), the ward gets its own."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import resolve, reverse

from hemma.accounts.models import Staff
from hemma.episodes.models import Episode
from hemma.patients.policy import allowed_actions

pytestmark = pytest.mark.django_db

# A form or a link on the episode page → the policy action it performs.
URL_ACTIONS = {
    "coordination:episode_notice": "notice",
    "carerequests:new": "send_care_request",
}


def offered(html: str) -> set[str]:
    """The policy actions the page offers: its forms to episodes:act and the URLs above."""
    actions = set()
    for url in re.findall(r'(?:action|href)="(/[^"]*)"', html):
        try:
            match = resolve(url.split("?")[0])
        except Exception:  # noqa: BLE001 – static files and the like
            continue
        if match.view_name == "episodes:act":
            actions.add(match.kwargs["action"])
        elif match.view_name in URL_ACTIONS:
            actions.add(URL_ACTIONS[match.view_name])
    return actions


def test_each_unit_is_offered_only_what_the_policy_allows_it_on_lisas_page(client):
    call_command("load_demo", "--quiet")
    lisa = Episode.objects.get(patient__first_name="Lisa", state="at_home")
    url = reverse("episodes:detail", args=[lisa.pk])
    seen, bodies = {}, {}
    for username in ("karin.hsv", "maja.usk", "anna.ssk", "erik.lak"):
        staff = Staff.objects.get(user__username=username)
        unit = staff.memberships.get().unit
        client.force_login(get_user_model().objects.get(username=username))
        response = client.get(url)
        assert response.status_code == 200, username
        bodies[username] = response.content.decode()
        page_actions = offered(bodies[username])
        allowed = allowed_actions(staff=staff, unit=unit, episode=lisa)
        assert page_actions <= allowed, (username, page_actions - allowed)
        seen[username] = page_actions
        client.logout()
    # The municipal nurse: none of the ward's steps on the page.
    for ward_only in ("readmit", "notice", "cancel", "send_care_request", "discharge"):
        assert ward_only not in seen["karin.hsv"], ward_only
    assert "Direktinlägg på trygghetsplatsen" not in bodies["karin.hsv"]
    assert "Direktinlägg på trygghetsplatsen" in bodies["anna.ssk"]
    # The ward is offered its own steps on the same page.
    assert {"readmit", "notice"} <= seen["anna.ssk"]
    assert "discharge" in seen["erik.lak"] and "discharge" not in seen["anna.ssk"]
