"""Issue 19 on a unit's competence page: a withdrawal that fails comes back once in its
record's row, the reason kept and its error there in Swedish, a refusal as the form's own
error, and the record not withdrawn."""

import pytest
from django.urls import reverse

from hemma.competence import services
from hemma.errors import Conflict
from tests.competence.test_records import record
from tests.conftest import client_for
from tests.form_pages import page_text, part_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(at_home, ward_nurse, ward, home_health, home_nurse):
    return [
        record(ward_nurse, ward, home_health, home_nurse, skill=skill)
        for skill in ("picc", "infusion_pump")
    ]


def _row(body: str, made) -> str:
    return part_at(body, f'id="competence-{made.pk}"', "</tr>")


def _page(client, home_health) -> str:
    return page_text(client, reverse("competence:unit", args=[home_health.pk]))


def test_a_too_long_reason_comes_back_in_its_row_once(client, ward_nurse, home_health, two):
    as_nurse = client_for(client, ward_nurse)
    first, second = two
    reason = "Fel person " * 40  # over 300 characters
    url = reverse("competence:withdraw", args=[first.pk])
    assert as_nurse.post(url, {"reason": reason}).status_code == 302
    body = _page(as_nurse, home_health)
    row = _row(body, first)
    assert f'value="{reason}"' in row and "som mest 300 tecken" in row
    assert 'aria-invalid="true"' in row and f'id="withdraw-{first.pk}-error"' in row
    assert "<details open>" in row
    assert "som mest 300 tecken" not in _row(body, second)
    assert 'maxlength="300"' in _row(body, second)
    first.refresh_from_db()
    assert first.withdrawn_at is None
    assert "som mest 300 tecken" not in _page(as_nurse, home_health)


def test_a_refused_withdrawal_is_the_forms_own_error(
    client, ward_nurse, home_health, two, monkeypatch
):
    def refuse(**_kwargs):
        raise Conflict("Kompetensen är redan borttagen.")

    monkeypatch.setattr(services, "competence_withdraw", refuse)
    as_nurse = client_for(client, ward_nurse)
    first = two[0]
    as_nurse.post(reverse("competence:withdraw", args=[first.pk]), {"reason": "Fel person"})
    row = _row(_page(as_nurse, home_health), first)
    assert "Kompetensen är redan borttagen." in row and 'value="Fel person"' in row
    assert 'aria-invalid="true"' not in row


def test_a_withdrawal_with_a_reason_is_saved(client, ward_nurse, home_health, two):
    as_nurse = client_for(client, ward_nurse)
    first = two[0]
    url = reverse("competence:withdraw", args=[first.pk])
    page = as_nurse.post(url, {"reason": "Fel person"}, follow=True).content.decode()
    assert "Kompetensen är borttagen." in page
    first.refresh_from_db()
    assert first.withdrawn_reason == "Fel person"
