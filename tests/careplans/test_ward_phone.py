"""Issue 18: "call the ward" says the ward's real number. An agreement written from a shipped
template gets the ward's and the visiting unit's own numbers (Unit.phone) instead of the
template's placeholders, so does a ward's copy of it, and the agreement page shows every
contact as a tap-to-call link."""

import pytest
from django.urls import reverse

from hemma.careplans import services
from hemma.careplans.models import AgreementTemplate
from hemma.careplans.shipped import PLACEHOLDER_PHONES, with_unit_phones
from hemma.episodes.models import Episode
from tests.conftest import client_for
from tests.flow import OPAT, to_assessed

pytestmark = pytest.mark.django_db


@pytest.fixture
def numbered(ward, home_health):
    ward.phone = "023-49 00 30"
    ward.save(update_fields=["phone"])
    home_health.phone = "023-83 10 00"
    home_health.save(update_fields=["phone"])
    return ward, home_health


def test_an_agreement_from_a_shipped_template_gets_the_units_real_numbers(
    client, numbered, lisa, ward_nurse, physician, home_health
):
    episode = to_assessed(patient=lisa, ward=numbered[0], nurse=ward_nurse, physician=physician)
    Episode.objects.filter(pk=episode.pk).update(home_health_unit=home_health)
    episode.refresh_from_db()
    template = AgreementTemplate.objects.get(ward=None, name=OPAT)
    assert {c["phone"] for c in template.contacts} <= PLACEHOLDER_PHONES  # still shipped so
    agreement = services.agreement_create(
        staff=ward_nurse, unit=episode.ward, episode=episode, template=template
    )
    contacts = agreement.versions.get(number=1).contacts
    assert [c["phone"] for c in contacts] == ["023-49 00 30", "023-83 10 00"]
    body = (
        client_for(client, ward_nurse)
        .get(reverse("careplans:agreement", args=[episode.pk]))
        .content.decode()
    )
    assert 'href="tel:023490030"' in body and 'href="tel:023831000"' in body
    assert "000-000" not in body


def test_a_wards_copy_of_a_shipped_template_gets_the_wards_number(numbered, ward_nurse):
    shipped = AgreementTemplate.objects.get(ward=None, name=OPAT)
    copy = services.template_copy(staff=ward_nurse, unit=numbered[0], template=shipped)
    phones = [c["phone"] for c in copy.contacts]
    # The ward's own; home health care's is known only once an episode names the unit.
    assert phones == ["023-49 00 30", "000-000 00 02"]


def test_a_unit_without_a_number_leaves_the_placeholder_and_a_real_number_stays():
    content = {"contacts": [{"name": "Avdelningen", "phone": "000-000 00 01", "hours": ""}]}
    assert with_unit_phones(content)["contacts"][0]["phone"] == "000-000 00 01"
    own = {"contacts": [{"name": "Jouren", "phone": "010-123 45 00", "hours": ""}]}

    class Ward:
        phone = "023-49 00 30"

    assert with_unit_phones(own, ward=Ward())["contacts"][0]["phone"] == "010-123 45 00"
