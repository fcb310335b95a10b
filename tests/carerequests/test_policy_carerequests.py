"""Care requests follow the access policy (issue 13): every list, counter and page shows a
request only while the acting unit may see the patient – its own open or in-grace care
relationship and, for a municipal unit, the patient's consent to sharing. Home care (SoL)
sees only its own requests, without the health record. Sending and ordering are the owning
ward's; every refusal writes a denied entry naming the object."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.carerequests import selectors, services
from hemma.carerequests.models import CareRequest, LogisticsOrder
from hemma.clinical.identifiers import luhn_check_digit
from hemma.patients.models import CareRelationship
from hemma.patients.services import sharing_consent_revoke
from tests.conftest import client_for, make_patient
from tests.flow import MEDICATIONS, send_home_health_request, to_agreed

pytestmark = pytest.mark.django_db


def made_up_number(i: int) -> str:
    """A valid personnummer (born 1940) for the i-th made-up patient."""
    nine = f"40{1 + i // 28:02d}{1 + i % 28:02d}{100 + i:03d}"
    return f"19{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"


@pytest.fixture
def episode(lisa, ward, ward_nurse, physician):
    """Lisa: the ward and home health care in her care, consent to sharing, agreement."""
    return to_agreed(patient=lisa, ward=ward, nurse=ward_nurse, physician=physician)


@pytest.fixture
def to_home_health(episode, ward_nurse, home_health):
    return send_home_health_request(episode, ward_nurse, home_health)


@pytest.fixture
def to_home_care(episode, ward_nurse, home_care):
    """A request to home care, with a medication list attached by the ward."""
    return services.care_request_send(
        staff=ward_nurse,
        unit=episode.ward,
        episode=episode,
        kind="home_care",
        to_unit=home_care,
        reason="Behöver hjälp med måltider",
        start_at=timezone.now() + timedelta(hours=3),
        interventions="Frukost och kvällsmat",
        medications=MEDICATIONS,
    )


def denied(detail: str, patient=None) -> bool:
    entries = AccessLogEntry.objects.filter(outcome="denied", detail__startswith=detail)
    if patient is not None:
        entries = entries.filter(patient=patient)
    return entries.exists()


def detail_url(care_request) -> str:
    return reverse("carerequests:detail", args=[care_request.pk])


class TestConsent:
    def test_a_revoked_consent_hides_the_request_at_once(
        self, to_home_health, lisa, ward, ward_nurse, home_health, home_nurse, as_home_nurse
    ):
        inbox = as_home_nurse.get(reverse("carerequests:inbox"))
        assert "Lisa Testsson" in inbox.content.decode()
        assert inbox.context["unread_requests"] == 1
        assert selectors.unread_count(home_health, home_nurse) == 1

        sharing_consent_revoke(staff=ward_nurse, unit=ward, patient=lisa)

        inbox = as_home_nurse.get(reverse("carerequests:inbox"))
        body = inbox.content.decode()
        assert "Lisa Testsson" not in body and "Antibiotika" not in body
        assert not inbox.context["unread_requests"]  # the badge counts no hidden patient
        assert selectors.unread_count(home_health, home_nurse) == 0
        response = as_home_nurse.get(detail_url(to_home_health))
        assert response.status_code == 404 and "Cefotaxim" not in response.content.decode()
        assert denied(f"care request id={to_home_health.pk}", lisa)
        to_home_health.refresh_from_db()
        assert to_home_health.read_at is None  # the refused read marked nothing
        # Answering is refused the same way, and changes nothing.
        answer = as_home_nurse.post(reverse("carerequests:act", args=[to_home_health.pk, "accept"]))
        assert answer.status_code == 404
        to_home_health.refresh_from_db()
        assert to_home_health.status == "sent"

    def test_the_region_still_reads_its_own_request(
        self, to_home_health, lisa, ward, ward_nurse, as_ward_nurse
    ):
        sharing_consent_revoke(staff=ward_nurse, unit=ward, patient=lisa)
        assert "Lisa Testsson" in as_ward_nurse.get(reverse("carerequests:inbox")).content.decode()
        assert as_ward_nurse.get(detail_url(to_home_health)).status_code == 200


class TestGracePeriod:
    def _end(self, patient, unit, ended_at):
        CareRelationship.objects.filter(patient=patient, unit=unit).update(
            started_at=timezone.now() - timedelta(days=30), ended_at=ended_at
        )

    def test_readable_within_the_grace_period_refused_after(
        self, to_home_health, lisa, home_health, as_home_nurse
    ):
        self._end(lisa, home_health, timezone.now() + timedelta(days=3))  # discharged: grace
        assert "Lisa Testsson" in as_home_nurse.get(reverse("carerequests:inbox")).content.decode()
        assert as_home_nurse.get(detail_url(to_home_health)).status_code == 200

        self._end(lisa, home_health, timezone.now() - timedelta(days=1))  # grace is over
        assert (
            "Lisa Testsson" not in as_home_nurse.get(reverse("carerequests:inbox")).content.decode()
        )
        assert as_home_nurse.get(detail_url(to_home_health)).status_code == 404
        assert denied(f"care request id={to_home_health.pk}", lisa)

    def test_the_senders_sent_list_follows_its_relationship_too(
        self, to_home_health, lisa, ward, as_ward_nurse
    ):
        self._end(lisa, ward, timezone.now() - timedelta(days=1))
        assert (
            "Lisa Testsson" not in as_ward_nurse.get(reverse("carerequests:inbox")).content.decode()
        )
        assert as_ward_nurse.get(detail_url(to_home_health)).status_code == 404
        assert denied(f"care request id={to_home_health.pk}", lisa)


class TestHomeCare:
    def test_home_care_sees_its_own_request_and_nothing_of_the_health_record(
        self, to_home_care, to_home_health, episode, client, needs_assessor, home_care
    ):
        as_assessor = client_for(client, needs_assessor)
        inbox = as_assessor.get(reverse("carerequests:inbox")).content.decode()
        assert "Lisa Testsson" in inbox and "Antibiotika" not in inbox
        page = as_assessor.get(detail_url(to_home_care))
        body = page.content.decode()
        assert page.status_code == 200 and "Frukost och kvällsmat" in body
        assert page.context["access"].decision.scope == "sol"
        for health_record in ("Cefotaxim", "Läkemedelslista", "Bifogad överenskommelse"):
            assert health_record not in body
        assert reverse("episodes:detail", args=[episode.pk]) not in body
        # The other request of the episode, and its medication list, stay hidden.
        other = as_assessor.get(detail_url(to_home_health))
        assert other.status_code == 404 and "Cefotaxim" not in other.content.decode()
        assert denied(f"care request id={to_home_health.pk}", episode.patient)
        assert list(selectors.requests_for_episode(episode, home_care)) == [to_home_care]
        # Answering its own request is the receiver's.
        as_assessor.post(reverse("carerequests:act", args=[to_home_care.pk, "accept"]))
        to_home_care.refresh_from_db()
        assert to_home_care.status == "accepted"

    def test_another_municipalitys_home_care_sees_nothing(
        self, to_home_care, to_home_health, as_outsider
    ):
        assert (
            "Lisa Testsson" not in as_outsider.get(reverse("carerequests:inbox")).content.decode()
        )
        for care_request in (to_home_care, to_home_health):
            assert as_outsider.get(detail_url(care_request)).status_code == 404
            assert denied(f"care request id={care_request.pk}")


class TestWhoActs:
    def _form(self, home_health):
        return {
            "kind": "home_health",
            "to_unit": home_health.pk,
            "reason": "Pyelonefrit",
            "start_at": (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "interventions": "Pumpbyte",
        }

    def test_only_the_owning_ward_sends_a_care_request(self, episode, home_health, as_home_nurse):
        url = reverse("carerequests:new", args=[episode.pk])
        page = as_home_nurse.get(url)  # the patient's page, but no form to send
        assert page.status_code == 200 and "Skicka vårdbegäran" not in page.content.decode()
        response = as_home_nurse.post(url, self._form(home_health))
        assert response.status_code == 404
        assert not CareRequest.objects.exists()
        assert denied(f"care request form, episode {episode.pk}", episode.patient)

    def test_only_the_owning_ward_orders_logistics(self, episode, home_health, ward, as_home_nurse):
        episode.home_health_unit = home_health  # the visiting team
        episode.save(update_fields=["home_health_unit"])
        url = reverse("carerequests:logistics", args=[episode.pk])
        page = as_home_nurse.get(url)
        assert page.status_code == 200 and "Ny beställning" not in page.content.decode()
        response = as_home_nurse.post(
            url,
            {
                "category": "equipment",
                "item": "Antibiotikapump",
                "quantity": "1",
                "delivery_place": "home",
                "responsible_unit": ward.pk,
            },
        )
        assert response.status_code == 404
        assert not LogisticsOrder.objects.exists()
        assert denied(f"logistics, episode {episode.pk}", episode.patient)

    def test_the_ward_sees_the_order_form(self, episode, as_ward_nurse):
        page = as_ward_nurse.get(reverse("carerequests:logistics", args=[episode.pk]))
        assert "Ny beställning" in page.content.decode()

    def test_unknown_orders_and_episodes_are_denied_entries(self, as_ward_nurse):
        assert as_ward_nurse.post(reverse("carerequests:advance", args=[987654])).status_code == 404
        assert denied("logistics order id=987654")
        assert as_ward_nurse.get(reverse("carerequests:new", args=[987654])).status_code == 404
        assert denied("care request form, episode 987654")
        assert as_ward_nurse.get(reverse("carerequests:detail", args=[987654])).status_code == 404
        assert denied("care request id=987654")

    def test_the_sender_cannot_answer_and_the_receiver_cannot_withdraw(
        self, to_home_health, as_ward_nurse, client, home_nurse
    ):
        response = as_ward_nurse.post(
            reverse("carerequests:act", args=[to_home_health.pk, "accept"])
        )
        assert response.status_code == 404
        assert denied(f"care request id={to_home_health.pk}: accept")
        as_home = client_for(client, home_nurse)
        response = as_home.post(
            reverse("carerequests:act", args=[to_home_health.pk, "withdraw"]), {"reason": "x"}
        )
        assert response.status_code == 404
        assert denied(f"care request id={to_home_health.pk}: withdraw")
        to_home_health.refresh_from_db()
        assert to_home_health.status == "sent"


class TestInboxList:
    def test_constant_queries_and_one_log_entry_per_patient_shown(
        self, ward, ward_nurse, physician, home_health, as_home_nurse, settings
    ):
        settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every display logs its patients

        def send_for(i):
            patient = make_patient(made_up_number(i), f"P{i}", home_health)
            episode = to_agreed(patient=patient, ward=ward, nurse=ward_nurse, physician=physician)
            send_home_health_request(episode, ward_nurse, home_health)
            return patient

        def inbox_queries():
            with CaptureQueriesContext(connection) as queries:
                response = as_home_nurse.get(reverse("carerequests:inbox"))
            assert response.status_code == 200
            return len(queries), response.content.decode()

        first = send_for(0)
        inbox_queries()  # warm-up: the first request of a session caches what it may
        one, body = inbox_queries()
        assert "P0 Testsson" in body
        patients = [first, *(send_for(i) for i in range(1, 10))]
        ten, body = inbox_queries()
        assert ten == one
        assert all(f"P{i} Testsson" in body for i in range(10))
        logged = AccessLogEntry.objects.filter(
            action="list_patients", detail="care request inbox", outcome="granted"
        )
        assert set(logged.values_list("patient_id", flat=True)) == {p.pk for p in patients}
        latest = logged.order_by("-id")[:10]
        assert sorted(str(e.patient_id) for e in latest) == sorted(str(p.pk) for p in patients)
