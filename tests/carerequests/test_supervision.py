"""Issue 17 / seed 000: extended supervision by home care for at most 5 days without a SIP
– a care request to home care with its end date, validated in Swedish, and shown with its
end date in the receiver's inbox."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.carerequests import services
from hemma.carerequests.forms import CareRequestForm
from hemma.carerequests.models import CareRequest
from hemma.errors import HemmaError
from tests.conftest import make_patient
from tests.flow import to_agreed

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreed(ward, home_health, ward_nurse, physician):
    # Lisa: home health care in her team and consent to sharing with the municipality.
    lisa = make_patient("19380508-9145", "Lisa", ward, home_health)
    return to_agreed(patient=lisa, ward=ward, nurse=ward_nurse, physician=physician, tier="lisa")


def start():
    return timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(
        days=1
    )


def send(episode, staff, to_unit, days, kind="supervision"):
    begins = start()
    return services.care_request_send(
        staff=staff,
        unit=episode.ward,
        episode=episode,
        kind=kind,
        to_unit=to_unit,
        reason="Tidig hemgång, behöver tillsyn",
        start_at=begins,
        interventions="Tillsyn morgon, lunch och kväll",
        ends_on=begins.date() + timedelta(days=days) if days is not None else None,
    )


def form(to_unit, days, kind="supervision"):
    begins = start()
    data = {
        "kind": kind,
        "to_unit": to_unit.pk,
        "reason": "Tidig hemgång",
        "start_at": begins.strftime("%Y-%m-%dT%H:%M"),
        "interventions": "Tillsyn tre gånger per dag",
        "medications": "",
    }
    if days is not None:
        data["ends_on"] = (begins.date() + timedelta(days=days)).isoformat()
    return CareRequestForm(data)


class TestTheEndDate:
    def test_six_days_are_refused_with_a_clear_swedish_message(self, agreed, ward_nurse, home_care):
        bad = form(home_care, 6)
        assert not bad.is_valid()
        assert "högst 5 dagar" in bad.errors["ends_on"][0]
        with pytest.raises(HemmaError, match="högst 5 dagar"):
            send(agreed, ward_nurse, home_care, 6)
        assert not CareRequest.objects.exists()

    def test_five_days_are_accepted(self, agreed, ward_nurse, home_care):
        assert form(home_care, 5).is_valid()
        request = send(agreed, ward_nurse, home_care, 5)
        assert request.kind == "supervision" and request.to_unit == home_care
        assert request.ends_on == start().date() + timedelta(days=5)

    def test_the_end_date_is_needed_and_not_before_the_start(self, agreed, ward_nurse, home_care):
        assert "Ange slutdatum" in form(home_care, None).errors["ends_on"][0]
        assert "före starten" in form(home_care, -1).errors["ends_on"][0]
        with pytest.raises(HemmaError, match="Ange slutdatum"):
            send(agreed, ward_nurse, home_care, None)

    def test_it_goes_to_home_care_only(self, agreed, ward_nurse, home_health):
        assert "to_unit" in form(home_health, 3).errors
        with pytest.raises(HemmaError, match="Hemtjänst"):
            send(agreed, ward_nurse, home_health, 3)

    def test_other_kinds_have_no_end_date(self, agreed, ward_nurse, home_health, home_care):
        assert "ends_on" in form(home_care, 3, kind="home_care").errors
        with pytest.raises(HemmaError, match="bara för utökad tillsyn"):
            send(agreed, ward_nurse, home_care, 3, kind="home_care")


def test_the_receiver_sees_it_with_its_end_date_in_the_inbox(
    client, agreed, ward_nurse, home_care, needs_assessor
):
    request = send(agreed, ward_nurse, home_care, 5)
    client.force_login(needs_assessor.user)
    inbox = client.get(reverse("carerequests:inbox")).content.decode()
    assert "Lisa Testsson" in inbox and "Utökad tillsyn av hemtjänsten" in inbox
    assert f"t.o.m. {request.ends_on.isoformat()}" in inbox
    detail = client.get(reverse("carerequests:detail", args=[request.pk])).content.decode()
    assert "Slutdatum" in detail and request.ends_on.isoformat() in detail


def test_the_ward_sends_it_from_the_page(client, agreed, ward_nurse, home_care):
    client.force_login(ward_nurse.user)
    data = form(home_care, 5).data
    response = client.post(reverse("carerequests:new", args=[agreed.pk]), data)
    assert response.status_code == 302, response.content.decode()[:500]
    sent = CareRequest.objects.get(episode=agreed, kind="supervision")
    assert sent.ends_on == start().date() + timedelta(days=5)
    too_long = client.post(reverse("carerequests:new", args=[agreed.pk]), form(home_care, 6).data)
    assert "högst 5 dagar" in too_long.content.decode()
