"""Bad text from either side is a clean form error (4xx), never a 500 and never a stored
message; a resend from the tablet under the same client id stores the message once."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from hemma.errors import Conflict, HemmaError
from hemma.messaging import services
from hemma.messaging.models import Message
from hemma.monitoring.models import DeviceEnrolment
from tests.conftest import client_for

from .conftest import send, thread_url

pytestmark = pytest.mark.django_db

BAD = {
    "empty": ("", "Skriv ett meddelande."),
    "blank": ("   \n  ", "Skriv ett meddelande."),
    "too long": ("x" * 2001, "Meddelandet är för långt: högst 2000 tecken."),
    "bell": ("Hej\x07", "Meddelandet innehåller tecken som inte kan sparas."),
    "escape": ("\x1b[31mHej", "Meddelandet innehåller tecken som inte kan sparas."),
}


@pytest.mark.parametrize("case", BAD)
def test_the_tablet_refuses_bad_text_with_a_form_error(tablet, case):
    text, error = BAD[case]
    response = send(tablet, text)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize("case", BAD)
def test_the_ward_gets_a_form_error_for_bad_text(at_home, client, ward_nurse, case):
    text, error = BAD[case]
    response = client_for(client, ward_nurse).post(thread_url(at_home), {"text": text})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Message.objects.exists()


def test_a_nul_character_is_a_form_error(tablet):
    response = send(tablet, "Hej\x00då")
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_exactly_2000_characters_and_line_breaks_are_kept(tablet):
    text = ("Rad ett\r\nRad två\t" + "x" * 2000)[:2000]
    assert send(tablet, text).status_code == 302
    assert Message.objects.get().text == text.strip()


@pytest.mark.parametrize("text", ["\ud800", "a\x00b", "a\x7fb", "", "x" * 2001])
def test_the_service_refuses_what_the_database_cannot_store(tablet, at_home, text):
    device = DeviceEnrolment.objects.get(episode=at_home)
    with pytest.raises(HemmaError):
        services.message_from_patient(device=device, text=text, client_id="c-1")
    assert not Message.objects.exists()


def test_a_tablet_message_without_a_valid_client_id_is_refused(tablet):
    for client_id in ("", "x" * 101, "å-ä"):
        response = send(tablet, "Hej", client_id=client_id)
        assert response.status_code == 400
        assert "Meddelandet saknar ett giltigt id." in response.content.decode()
    assert not Message.objects.exists()


def test_a_resend_with_the_same_client_id_is_stored_once(tablet):
    first = send(tablet, "Hej, jag har feber.", client_id="6f1c2b")
    again = send(tablet, "Hej, jag har feber.", client_id="6f1c2b")
    assert first.status_code == again.status_code == 302
    assert Message.objects.count() == 1
    assert "Meddelandet var redan skickat." in tablet.get(again.url).content.decode()


def test_other_text_under_a_used_client_id_is_a_conflict(tablet, at_home):
    send(tablet, "Hej", client_id="6f1c2b")
    response = send(tablet, "Något annat", client_id="6f1c2b")
    assert response.status_code == 409
    assert Message.objects.count() == 1
    device = DeviceEnrolment.objects.get(episode=at_home)
    with pytest.raises(Conflict):
        services.message_from_patient(device=device, text="Något annat", client_id="6f1c2b")


def test_the_page_gives_each_new_message_its_own_client_id(tablet):
    ids = {
        tablet.get(reverse("messaging:patient_thread")).context["form"]["client_id"].value()
        for _ in range(2)
    }
    assert len(ids) == 2 and all(ids)


def test_the_database_refuses_an_empty_or_unsigned_message(at_home):
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            episode=at_home, direction="to_ward", text="Hej", sent_at=timezone.now()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            episode=at_home,
            direction="to_patient",
            text="x" * 2001,
            sent_at=timezone.now(),
            sender=at_home.created_by,
            sender_unit=at_home.ward,
        )


def test_after_a_bad_client_id_the_page_offers_a_working_one(tablet):
    response = send(tablet, "Hej", client_id="")
    fresh = response.context["form"]["client_id"].value()
    assert fresh and send(tablet, "Hej", client_id=fresh).status_code == 302
