"""Issue 19 on the agreement page: a discharge criterion's tick that fails comes back once
in its own row (the comment kept, its error there in Swedish, a refusal as the form's own
error, nothing ticked); a create without a valid template comes back at its field."""

import pytest
from django.urls import reverse

from hemma.careplans import services
from hemma.careplans.models import Agreement, DischargeCriterionCheck
from hemma.errors import Conflict
from tests.conftest import client_for
from tests.flow import to_assessed
from tests.form_pages import form_at, page_text, part_at
from tests.labs.test_criteria import CRITERION, at_home_with_agreement  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _page(client, episode) -> str:
    return page_text(client, reverse("careplans:agreement", args=[episode.pk]))


def _row(body: str, criterion: str) -> str:
    return part_at(body, f'name="criterion" value="{criterion}"')


def _criteria(episode) -> list[str]:
    return Agreement.objects.get(episode=episode).versions.get().criteria


def test_a_too_long_comment_comes_back_in_its_criterions_row_once(
    client,
    at_home_with_agreement,  # noqa: F811
    physician,
):
    episode = at_home_with_agreement
    as_physician = client_for(client, physician)
    note = "CRP sjunker " * 50  # over 500 characters
    url = reverse("careplans:criterion", args=[episode.pk])
    data = {"criterion": CRITERION, "met": "yes", "note": note}
    assert as_physician.post(url, data).status_code == 302
    body = _page(as_physician, episode)
    row = _row(body, CRITERION)
    assert f'value="{note}"' in row and "Kommentar: " in row and "som mest 500 tecken" in row
    assert 'aria-invalid="true"' in row and 'role="alert"' in row
    others = [c for c in _criteria(episode) if c != CRITERION]
    assert others and all("som mest 500 tecken" not in _row(body, c) for c in others)
    assert 'maxlength="500"' in _row(body, others[0])
    assert not DischargeCriterionCheck.objects.exists()
    assert "som mest 500 tecken" not in _page(as_physician, episode)


def test_a_refused_tick_is_the_forms_own_error(
    client,
    at_home_with_agreement,  # noqa: F811
    physician,
    monkeypatch,
):
    def refuse(**_kwargs):
        raise Conflict("Utskrivningskriterierna bockas av medan patienten vårdas.")

    monkeypatch.setattr(services, "discharge_criterion_set", refuse)
    episode = at_home_with_agreement
    as_physician = client_for(client, physician)
    url = reverse("careplans:criterion", args=[episode.pk])
    as_physician.post(url, {"criterion": CRITERION, "met": "yes", "note": "Sjunker"})
    row = _row(_page(as_physician, episode), CRITERION)
    assert "Utskrivningskriterierna bockas av medan patienten vårdas." in row
    assert 'value="Sjunker"' in row and 'aria-invalid="true"' not in row
    assert not DischargeCriterionCheck.objects.exists()


def test_a_create_without_a_valid_template_is_marked_at_its_field(
    client, kim, ward, ward_nurse, physician
):
    episode = to_assessed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
    as_nurse = client_for(client, ward_nurse)
    url = reverse("careplans:create", args=[episode.pk])
    assert as_nurse.post(url, {"template": "999999"}).status_code == 302
    form = form_at(_page(as_nurse, episode), url)
    assert 'id="id_template_error"' in form and "Välj ett giltigt alternativ" in form
    assert 'aria-invalid="true"' in form
    assert not Agreement.objects.filter(episode=episode).exists()
    assert 'id="id_template_error"' not in _page(as_nurse, episode)
