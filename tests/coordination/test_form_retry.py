"""Issue 19 on the case page: an estimate the form refuses comes back once on the same
case's page, its date kept and its error at the field; so does the withdrawal of "ready for
discharge" (its reason at the field, a refusal as the form's own error)."""

import pytest
from django.urls import reverse

from hemma.coordination import services
from hemma.errors import Conflict
from tests.conftest import client_for
from tests.coordination.test_discharge_coordination import case  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_a_bad_estimate_comes_back_at_its_field_once(client, case, ward_nurse):  # noqa: F811
    as_nurse = client_for(client, ward_nurse)
    url = reverse("coordination:act", args=[case.pk, "estimate"])
    data = {"estimated_discharge": "1999-01-01", "base_version": case.version}
    response = as_nurse.post(url, data)
    assert response.status_code == 302
    page = as_nurse.get(reverse("coordination:case", args=[case.pk])).content.decode()
    form = page[page.index(f'action="{url}"') :]
    form = form[: form.index("</form>")]
    assert 'value="1999-01-01"' in form and 'aria-invalid="true"' in form
    assert 'id="id_estimated_discharge_error"' in form
    case.refresh_from_db()
    assert str(case.estimated_discharge) != "1999-01-01"
    again = as_nurse.get(reverse("coordination:case", args=[case.pk])).content.decode()
    assert "1999-01-01" not in again


def _form_at(body: str, url: str) -> str:
    form = body[body.index(f'action="{url}"') :]
    return form[: form.index("</form>")]


@pytest.fixture
def ready(case, physician, ward):  # noqa: F811
    services.case_mark_ready(staff=physician, unit=ward, case=case)
    case.refresh_from_db()
    return case


def _page(client, case) -> str:  # noqa: F811
    response = client.get(reverse("coordination:case", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_withdrawal_without_a_reason_is_marked_at_its_field_once(client, ready, physician):
    as_physician = client_for(client, physician)
    url = reverse("coordination:act", args=[ready.pk, "withdraw"])
    assert as_physician.post(url, {"reason": "  "}).status_code == 302
    body = _page(as_physician, ready)
    form = _form_at(body, url)
    assert 'id="withdraw_reason_error"' in form and "Detta fält måste fyllas i." in form
    assert 'aria-invalid="true"' in form and 'aria-describedby="withdraw_reason_error"' in form
    assert "Inte längre utskrivningsklar – orsak" in form
    assert "Inget sparades: rätta de markerade fälten." in body
    ready.refresh_from_db()
    assert ready.ready_at is not None
    assert 'id="withdraw_reason_error"' not in _page(as_physician, ready)


def test_a_too_long_reason_with_a_null_character_is_kept_and_marked(client, ready, physician):
    as_physician = client_for(client, physician)
    url = reverse("coordination:act", args=[ready.pk, "withdraw"])
    body = "reason=" + "a%00" + "%ED%A0%80" * 400  # a NUL, and a lone surrogate's bytes
    response = as_physician.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    form = _form_at(_page(as_physician, ready), url)
    assert 'id="withdraw_reason_error"' in form and "Null-tecken är inte tillåtna." in form
    assert "som mest 1000 tecken" in form and "\ufffd" in form
    ready.refresh_from_db()
    assert ready.ready_at is not None


def test_a_refused_withdrawal_is_the_forms_own_error(client, ready, physician, monkeypatch):
    def refuse(**_kwargs):
        raise Conflict("Ärendet har ändrats av någon annan.")

    monkeypatch.setattr(services, "case_withdraw_ready", refuse)
    as_physician = client_for(client, physician)
    url = reverse("coordination:act", args=[ready.pk, "withdraw"])
    as_physician.post(url, {"reason": "Ny feber"})
    form = _form_at(_page(as_physician, ready), url)
    assert "Ärendet har ändrats av någon annan." in form and 'value="Ny feber"' in form
    ready.refresh_from_db()
    assert ready.ready_at is not None
