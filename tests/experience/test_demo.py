"""The demo region answers the questionnaire for its finished history, once."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from hemma.accounts.models import Staff
from hemma.experience.models import Response
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_demo_has_answers_above_the_threshold_and_loading_twice_adds_none(client):
    call_command("load_demo", "--quiet")
    first = Response.objects.count()
    assert first > 100
    call_command("load_demo", "--quiet")
    assert Response.objects.count() == first
    anna = Staff.objects.get(user__username="anna.ssk")
    response = client_for(client, anna).get(reverse("experience:results"))
    assert response.status_code == 200
    totals = [ward.total for ward, _distribution in response.context["results"]]
    shown = [t for t in totals if not t.hidden]
    assert shown and all(0 < t.rate_percent <= 100 for t in shown)
    assert "Historik" not in response.content.decode()
