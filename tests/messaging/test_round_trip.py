"""Issue 18: a message round trip tablet → ward → tablet, with read receipts on both sides,
the ward's inbox and the menu's badge."""

import pytest
from django.urls import reverse

from hemma.audit.models import AccessLogEntry
from hemma.messaging.models import Message
from tests.conftest import client_for

from .conftest import send, thread_url

pytestmark = pytest.mark.django_db


def test_a_message_goes_from_the_tablet_to_the_ward_and_the_answer_back(
    tablet, at_home, client, ward_nurse, physician
):
    # The patient writes on the tablet.
    home = tablet.get(reverse("monitoring:patient_home")).content.decode()
    assert reverse("messaging:patient_thread") in home
    response = send(tablet, "Jag har ont där nålen sitter.\nÄr det normalt?")
    assert response.status_code == 302
    page = tablet.get(reverse("messaging:patient_thread")).content.decode()
    assert "Tack! Meddelandet är skickat till avdelningen." in page
    assert "Jag har ont där nålen sitter." in page
    assert "Inte läst ännu" in page
    assert 'href="tel:' in page, "urgent matters: call the ward"
    message = Message.objects.get()
    assert message.direction == "to_ward" and message.read_at is None
    assert message.text == "Jag har ont där nålen sitter.\nÄr det normalt?"

    # The ward sees it unread: the menu's badge and the inbox.
    ward = client_for(client, ward_nurse)
    inbox = ward.get(reverse("messaging:inbox"))
    assert inbox.context["unread_messages"] == 1
    assert [(e.pk, e.unread) for e in inbox.context["threads"]] == [(at_home.pk, 1)]
    assert "Kim Testsson" in inbox.content.decode()
    episode_page = ward.get(reverse("episodes:detail", args=[at_home.pk])).content.decode()
    assert thread_url(at_home) in episode_page and "1 oläst" in episode_page

    # Opening the thread is the ward's read receipt, by name.
    body = ward.get(thread_url(at_home)).content.decode()
    assert "Jag har ont där nålen sitter." in body
    message.refresh_from_db()
    assert message.read_at is not None and message.read_by == ward_nurse
    assert ward.get(reverse("messaging:inbox")).context["unread_messages"] == 0
    page = tablet.get(reverse("messaging:patient_thread")).content.decode()
    assert "Läst av avdelningen" in page and "Inte läst ännu" not in page

    # The ward answers.
    response = ward.post(thread_url(at_home), {"text": "Det är vanligt. Vi tittar i morgon."})
    assert response.status_code == 302
    answer = Message.objects.get(direction="to_patient")
    assert answer.sender == ward_nurse and answer.sender_unit == at_home.ward
    assert answer.read_at is None
    assert "Inte läst av patienten" in ward.get(thread_url(at_home)).content.decode()

    # The tablet shows the answer; showing it is the patient's read receipt.
    home = tablet.get(reverse("monitoring:patient_home")).content.decode()
    assert "1 nytt svar" in home
    page = tablet.get(reverse("messaging:patient_thread")).content.decode()
    assert "Det är vanligt. Vi tittar i morgon." in page and "Nytt" in page
    answer.refresh_from_db()
    assert answer.read_at is not None and answer.read_by is None
    assert "1 nytt svar" not in tablet.get(reverse("monitoring:patient_home")).content.decode()
    assert "Patienten läste" in ward.get(thread_url(at_home)).content.decode()


def test_a_new_message_raises_no_alert(tablet, at_home):
    send(tablet, "Hej, när kommer hemsjukvården?")
    assert not at_home.alerts.exists()


def test_every_thread_shown_is_access_logged(tablet, at_home, client, ward_nurse):
    send(tablet, "Hej")
    ward = client_for(client, ward_nurse)
    ward.get(thread_url(at_home))
    ward.get(reverse("messaging:inbox"))
    tablet.get(reverse("messaging:patient_thread"))
    entries = AccessLogEntry.objects.filter(patient=at_home.patient, outcome="granted")
    assert entries.filter(
        action="view_patient", detail__contains=f"messages of episode {at_home.pk}"
    ).exists()
    assert entries.filter(action="list_patients", detail__contains="patient messages").exists()
    tablet_read = entries.get(action="api_read", detail__endswith="messages")
    assert tablet_read.unit == at_home.ward and tablet_read.user is None


def test_the_answer_is_logged_as_an_edit_of_the_record(tablet, at_home, client, ward_nurse):
    client_for(client, ward_nurse).post(thread_url(at_home), {"text": "Vi ringer dig."})
    message = Message.objects.get()
    assert AccessLogEntry.objects.filter(
        action="edit_patient", patient=at_home.patient, detail__endswith=f"message {message.pk}"
    ).exists()


def test_a_double_submitted_answer_is_stored_once(at_home, client, ward_nurse):
    ward = client_for(client, ward_nurse)
    token = "9a0b5c1e-2f3d-4a5b-8c7d-0e1f2a3b4c5d"
    for _ in range(2):
        ward.post(thread_url(at_home), {"text": "Vi ringer dig.", "submission_token": token})
    assert Message.objects.count() == 1
