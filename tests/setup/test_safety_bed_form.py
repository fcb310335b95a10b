"""Issue 19 on the safety places page: a place that is not added comes back once in its
ward's section, the error at the name in Swedish and the name kept; a refusal (a name the
ward already has) is the form's own error there."""

import re

import pytest
from django.urls import reverse

from hemma.episodes.models import SafetyBed
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
PLACES = reverse("setup:safety_beds")


def form_at(body: str, url: str) -> str:
    form = body[body.index(f'action="{url}"') :]
    return form[: form.index("</form>")]


@pytest.mark.parametrize(
    ("label", "error"),
    [("   ", "Detta fält måste fyllas i."), ("P" * 51, "som mest 50 tecken")],
)
def test_a_bad_name_comes_back_at_its_field_once(client, region_admin, ward, label, error):
    as_admin = client_for(client, region_admin)
    url = reverse("setup:safety_bed_add", args=[ward.pk])
    assert as_admin.post(url, {"label": label}).status_code == 302
    assert not SafetyBed.objects.exists()
    form = form_at(as_admin.get(PLACES).content.decode(), url)
    field = re.search(r'<input[^>]*name="label"[^>]*>', form).group()
    assert 'aria-invalid="true"' in field
    assert f'aria-describedby="label-{ward.pk}_error"' in field
    assert f'id="label-{ward.pk}_error"' in form and error in form
    if label.strip():
        assert f'value="{label}"' in field
    again = form_at(as_admin.get(PLACES).content.decode(), url)
    assert error not in again and "aria-invalid" not in again


def test_a_refusal_is_the_forms_own_error(client, region_admin, ward):
    SafetyBed.objects.create(ward=ward, label="Plats 23")
    as_admin = client_for(client, region_admin)
    url = reverse("setup:safety_bed_add", args=[ward.pk])
    as_admin.post(url, {"label": "plats 23"})
    form = form_at(as_admin.get(PLACES).content.decode(), url)
    assert "har redan en trygghetsplats som heter plats 23" in form.split("<label")[0]
    assert 'value="plats 23"' in form
    assert SafetyBed.objects.count() == 1
