"""Who may read and answer the thread follows the access policy: the ward reads and
answers; the visiting home health unit reads while the patient consents to sharing (and
its reading is no read receipt); another ward, home care and a revoked consent get a 404;
a tablet reads and writes only its own episode's thread."""

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.messaging.models import Message
from hemma.monitoring.models import DeviceEnrolment
from hemma.patients import services as patient_services
from hemma.patients.models import CareRelationship, SharingConsent
from tests.conftest import client_for, make_staff

from .conftest import send, thread_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(tablet):
    assert send(tablet, "Hej avdelningen").status_code == 302
    return Message.objects.get()


def denied(patient):
    return AccessLogEntry.objects.filter(patient=patient, outcome="denied").count()


def test_another_ward_gets_a_404_and_a_denied_entry(sent, at_home, client, other_ward_nurse):
    other = client_for(client, other_ward_nurse)
    assert other.get(thread_url(at_home)).status_code == 404
    assert other.post(thread_url(at_home), {"text": "Hej"}).status_code == 404
    assert AccessLogEntry.objects.filter(outcome="denied", user=other_ward_nurse.user).count() == 2
    assert Message.objects.count() == 1
    inbox = other.get(reverse("messaging:inbox"))
    assert inbox.context["threads"] == [] and inbox.context["unread_messages"] == 0


def test_home_care_never_reads_the_thread(sent, at_home, client, home_care):
    CareRelationship.objects.create(patient=at_home.patient, unit=home_care)
    home_carer = make_staff("homecarer", "assistant_nurse", home_care)
    carer = client_for(client, home_carer)
    assert carer.get(thread_url(at_home)).status_code == 404
    assert carer.post(thread_url(at_home), {"text": "Hej"}).status_code == 404
    assert Message.objects.count() == 1


def test_home_health_reads_with_consent_but_does_not_answer_or_mark_read(
    sent, at_home, client, home_nurse
):
    nurse = client_for(client, home_nurse)
    response = nurse.get(thread_url(at_home))
    assert response.status_code == 200
    assert "Hej avdelningen" in response.content.decode()
    assert response.context["form"] is None
    sent.refresh_from_db()
    assert sent.read_at is None, "only the ward's reading is the read receipt"
    assert nurse.post(thread_url(at_home), {"text": "Hej"}).status_code == 403
    assert Message.objects.count() == 1


def test_home_health_gets_a_404_once_consent_is_revoked(sent, at_home, client, home_nurse):
    SharingConsent.objects.filter(patient=at_home.patient).update(revoked_at=timezone.now())
    nurse = client_for(client, home_nurse)
    before = denied(at_home.patient)
    response = nurse.get(thread_url(at_home))
    assert response.status_code == 404
    assert "Hej avdelningen" not in response.content.decode()
    assert denied(at_home.patient) == before + 1


def test_a_physician_of_the_ward_may_answer(at_home, client, physician):
    assert (
        client_for(client, physician).post(thread_url(at_home), {"text": "Ok"}).status_code == 302
    )


def test_a_tablet_reads_and_writes_only_its_own_episodes_thread(
    sent, at_home, lisa_at_home, lisa_tablet
):
    page = lisa_tablet.get(reverse("messaging:patient_thread")).content.decode()
    assert "Hej avdelningen" not in page
    send(lisa_tablet, "Hej från Lisa", client_id="c-1")  # the same client id as Kim's
    assert Message.objects.get(text="Hej från Lisa").episode == lisa_at_home
    assert Message.objects.filter(episode=at_home).count() == 1
    sent.refresh_from_db()
    assert sent.read_at is None


def test_an_unknown_or_revoked_tablet_is_sent_to_enrol(tablet, client):
    assert client.get(reverse("messaging:patient_thread")).status_code == 302
    assert send(client, "Hej").status_code == 302
    DeviceEnrolment.objects.update(revoked_at=timezone.now())
    response = send(tablet, "Hej")
    assert response.status_code == 302 and response.url == reverse("monitoring:patient_start")
    assert not Message.objects.exists()


def test_the_ward_cannot_answer_after_the_episode_ended(at_home, client, ward_nurse):
    at_home.state = "discharged"
    at_home.save(update_fields=["state"])
    response = client_for(client, ward_nurse).get(thread_url(at_home))
    assert response.status_code == 200 and response.context["form"] is None
    assert client.post(thread_url(at_home), {"text": "Hej"}).status_code == 409
    assert not Message.objects.exists()


def test_a_block_of_the_ward_hides_the_thread_from_home_health_only(
    sent, at_home, client, ward, ward_nurse, home_nurse
):
    patient_services.block_record(
        staff=ward_nurse, unit=ward, patient=at_home.patient, blocked_unit=ward, note="Önskemål"
    )
    body = client_for(client, home_nurse).get(thread_url(at_home)).content.decode()
    assert "Hej avdelningen" not in body
    assert "Det finns spärrad information från en annan vårdgivare" in body
    body = client_for(client, ward_nurse).get(thread_url(at_home)).content.decode()
    assert "Hej avdelningen" in body


def test_a_reply_after_the_episode_ended_keeps_the_typed_text(at_home, client, ward_nurse):
    at_home.state = "discharged"
    at_home.save(update_fields=["state"])
    response = client_for(client, ward_nurse).post(thread_url(at_home), {"text": "Hej Kim"})
    assert response.status_code == 409
    body = response.content.decode()
    form = body[body.index('<form method="post" class="stacked"') :]
    form = form[: form.index("</form>")]
    assert "Vårdtillfället är avslutat." in form and "Hej Kim</textarea>" in form
    assert "Skicka" not in form
    assert not Message.objects.exists()
