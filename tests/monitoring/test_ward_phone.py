"""Issue 18: the tablet's red instruction ("Ring avdelningen nu") gives the ward's real
number – the agreement's ward contact, or the ward's own when the agreement still has a
template's placeholder – and the tablet shows it as a tap-to-call (tel:) link."""

import json
import uuid

import pytest
from django.urls import reverse

from hemma.careplans.models import Agreement, AgreementVersion
from hemma.monitoring import services
from tests.monitoring.conftest import RED_SET

pytestmark = pytest.mark.django_db


@pytest.fixture
def tablet(client, at_home, ward_nurse):
    at_home.ward.phone = "023-49 00 30"
    at_home.ward.save(update_fields=["phone"])
    code = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    assert client.post(reverse("monitoring:patient_start"), {"code": code}).status_code == 302
    return client


def red(client):
    body = {"client_id": str(uuid.uuid4()), "values": RED_SET}
    response = client.post(
        reverse("monitoring:patient_submit"), json.dumps(body), content_type="application/json"
    )
    return response.json()


def agreement(episode, nurse, phone):
    made = Agreement.objects.create(episode=episode)
    AgreementVersion.objects.create(
        agreement=made,
        number=1,
        created_by=nurse,
        contacts=[{"name": "Avdelningen", "phone": phone, "hours": "Dygnet runt"}],
        if_worse="Ring avdelningen.",
        call_112="Ring 112 vid andnöd.",
    )


def test_the_red_instruction_gives_the_agreements_ward_number_to_tap(tablet, at_home, ward_nurse):
    agreement(at_home, ward_nurse, "023-49 00 31")
    body = red(tablet)
    assert body["red"]
    assert "Ring avdelningen nu: 023-49 00 31." in body["instruction"]
    assert "Ring 112 vid andnöd." in body["instruction"]
    assert body["tel"] == "tel:023490031"
    page = tablet.get(reverse("monitoring:patient_home")).content.decode()
    assert '<a class="btn" href="tel:023490031">Ring avdelningen: 023-49 00 31</a>' in page


def test_a_placeholder_in_the_agreement_gives_way_to_the_wards_own_number(
    tablet, at_home, ward_nurse
):
    agreement(at_home, ward_nurse, "000-000 00 01")
    body = red(tablet)
    assert "023-49 00 30" in body["instruction"] and "000-000" not in body["instruction"]
    assert body["tel"] == "tel:023490030"
    page = tablet.get(reverse("monitoring:patient_home")).content.decode()
    assert 'href="tel:023490030"' in page


def test_without_an_agreement_the_ward_is_called(tablet, at_home):
    body = red(tablet)
    assert "Ring avdelningen nu: 023-49 00 30." in body["instruction"]
    assert body["tel"] == "tel:023490030"
