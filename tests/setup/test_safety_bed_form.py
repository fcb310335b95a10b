"""Issue 19 on the safety places page: a place that is not added comes back once in its
ward's section, the error at the name in Swedish and the name kept; a refusal (a name the
ward already has) is the form's own error there."""

import pytest
from django.urls import reverse

from hemma.episodes.models import SafetyBed
from tests.conftest import client_for
from tests.form_pages import form_at, page_text, retried_form, tag

pytestmark = pytest.mark.django_db
PLACES = reverse("setup:safety_beds")


@pytest.mark.parametrize(
    ("label", "error"),
    [("   ", "Detta fält måste fyllas i."), ("P" * 51, "som mest 50 tecken")],
)
def test_a_bad_name_comes_back_at_its_field_once(client, region_admin, ward, label, error):
    as_admin = client_for(client, region_admin)
    url = reverse("setup:safety_bed_add", args=[ward.pk])
    form = retried_form(as_admin, url, {"label": label}, PLACES)
    assert not SafetyBed.objects.exists()
    field = tag(form, "label")
    assert 'aria-invalid="true"' in field
    assert f'aria-describedby="label-{ward.pk}_error"' in field
    assert f'id="label-{ward.pk}_error"' in form and error in form
    if label.strip():
        assert f'value="{label}"' in field
    again = form_at(page_text(as_admin, PLACES), url)
    assert error not in again and "aria-invalid" not in again


def test_a_refusal_is_the_forms_own_error(client, region_admin, ward):
    SafetyBed.objects.create(ward=ward, label="Plats 23")
    as_admin = client_for(client, region_admin)
    url = reverse("setup:safety_bed_add", args=[ward.pk])
    form = retried_form(as_admin, url, {"label": "plats 23"}, PLACES)
    assert "har redan en trygghetsplats som heter plats 23" in form.split("<label")[0]
    assert 'value="plats 23"' in form
    assert SafetyBed.objects.count() == 1
