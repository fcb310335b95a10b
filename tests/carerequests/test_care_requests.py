"""Care requests (vårdbegäran) and logistics: who may send and answer, what each side
sees, the medication list, the inbox pages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.carerequests import services
from hemma.carerequests.models import CareRequest, LogisticsOrder
from hemma.clinical.antibiotics import looks_like_antibiotic
from hemma.episodes.models import ChecklistItem
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.models import CareRelationship
from tests.conftest import make_patient
from tests.flow import send_home_health_request, to_agreed, to_assessed

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreed(kim, ward, ward_nurse, physician):
    return to_agreed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)


@pytest.fixture
def sent(agreed, ward_nurse, home_health):
    return send_home_health_request(agreed, ward_nurse, home_health)


def send(episode, staff, to_unit, kind="home_health", **changes):
    fields = {
        "reason": "Pyelonefrit",
        "start_at": timezone.now() + timedelta(hours=2),
        "interventions": "Pumpbyte",
    } | changes
    return services.care_request_send(
        staff=staff, unit=episode.ward, episode=episode, kind=kind, to_unit=to_unit, **fields
    )


class TestSend:
    def test_it_attaches_the_agreement_and_joins_home_health_to_the_team(
        self, sent, agreed, home_health, kim
    ):
        agreed.refresh_from_db()
        assert sent.status == "sent" and sent.read_at is None
        assert sent.agreement_version == agreed.agreement.versions.get(number=1)
        assert agreed.home_health_unit == home_health
        assert CareRelationship.objects.filter(
            patient=kim, unit=home_health, ended_at=None
        ).exists()

    def test_antibiotics_are_flagged_even_when_the_sender_forgot(self, sent):
        flags = dict(sent.medications.values_list("drug", "is_antibiotic"))
        assert flags == {"Cefotaxim": True, "Alvedon": False}
        assert looks_like_antibiotic("Piperacillin/Tazobactam 4 g")
        assert not looks_like_antibiotic("Furosemid")

    def test_not_before_the_agreement_is_written(
        self, kim, ward, ward_nurse, physician, home_health
    ):
        episode = to_assessed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
        with pytest.raises(NotAllowed, match="samtycke och överenskommelse"):
            send(episode, ward_nurse, home_health)
        assert not CareRequest.objects.exists()

    def test_the_receiving_unit_must_be_of_the_right_kind(self, agreed, ward_nurse, home_care):
        with pytest.raises(HemmaError, match="Hemsjukvård"):
            send(agreed, ward_nurse, home_care)

    def test_a_second_live_request_to_the_same_unit_is_refused(
        self, sent, agreed, ward_nurse, home_health
    ):
        with pytest.raises(Conflict, match="redan en pågående"):
            send(agreed, ward_nurse, home_health)
        assert CareRequest.objects.count() == 1

    def test_medication_rows_need_dose_and_times(self, agreed, ward_nurse, home_health):
        with pytest.raises(HemmaError, match="dos och tider för Cefotaxim"):
            send(
                agreed,
                ward_nurse,
                home_health,
                medications=[{"drug": "Cefotaxim", "dose": "", "route": "iv", "times": ""}],
            )
        assert not CareRequest.objects.exists()

    def test_only_the_ward_sends(self, agreed, home_nurse, home_health):
        with pytest.raises(NotAllowed, match="avdelningen"):
            services.care_request_send(
                staff=home_nurse,
                unit=home_health,
                episode=agreed,
                kind="home_health",
                to_unit=home_health,
                reason="x",
                start_at=timezone.now(),
                interventions="y",
            )


class TestAnswer:
    def test_accepting_ticks_the_checklist_and_records_who_and_when(
        self, sent, home_nurse, home_health
    ):
        services.care_request_accept(staff=home_nurse, unit=home_health, care_request=sent)
        sent.refresh_from_db()
        assert sent.status == "accepted" and sent.answered_by == home_nurse
        assert sent.read_at is not None
        item = ChecklistItem.objects.get(episode=sent.episode, key="care_request_accepted")
        assert item.status == "done"
        with pytest.raises(Conflict, match="redan besvarad"):
            services.care_request_decline(
                staff=home_nurse, unit=home_health, care_request=sent, reason="x"
            )

    def test_declining_needs_a_reason(self, sent, home_nurse, home_health):
        with pytest.raises(HemmaError, match="varför"):
            services.care_request_decline(
                staff=home_nurse, unit=home_health, care_request=sent, reason=" "
            )
        services.care_request_decline(
            staff=home_nurse, unit=home_health, care_request=sent, reason="Ingen kvällspersonal"
        )
        sent.refresh_from_db()
        assert sent.status == "declined" and sent.decline_reason == "Ingen kvällspersonal"

    def test_the_sender_cannot_answer_its_own_request(self, sent, ward_nurse, ward):
        with pytest.raises(NotAllowed, match="mottagande enheten"):
            services.care_request_accept(staff=ward_nurse, unit=ward, care_request=sent)

    def test_a_question_and_its_answer(self, sent, home_nurse, home_health, ward_nurse, ward):
        services.care_request_ask(
            staff=home_nurse, unit=home_health, care_request=sent, question="Vilken pump?"
        )
        sent.refresh_from_db()
        assert sent.status == "question"
        with pytest.raises(NotAllowed):
            services.care_request_answer(
                staff=home_nurse, unit=home_health, care_request=sent, answer="x"
            )
        services.care_request_answer(
            staff=ward_nurse, unit=ward, care_request=sent, answer="Elastomerpump"
        )
        sent.refresh_from_db()
        assert sent.status == "sent" and sent.messages.count() == 2

    def test_withdrawing_reopens_the_checklist_item(
        self, sent, home_nurse, home_health, ward_nurse, ward
    ):
        services.care_request_accept(staff=home_nurse, unit=home_health, care_request=sent)
        services.care_request_withdraw(
            staff=ward_nurse, unit=ward, care_request=sent, reason="Patienten stannar"
        )
        item = ChecklistItem.objects.get(episode=sent.episode, key="care_request_accepted")
        assert item.status == "open"

    def test_reading_is_recorded_once_and_only_for_the_receiver(
        self, sent, home_nurse, home_health, ward_nurse, ward
    ):
        services.care_request_mark_read(staff=ward_nurse, unit=ward, care_request=sent)
        sent.refresh_from_db()
        assert sent.read_at is None
        services.care_request_mark_read(staff=home_nurse, unit=home_health, care_request=sent)
        sent.refresh_from_db()
        first = sent.read_at
        services.care_request_mark_read(staff=home_nurse, unit=home_health, care_request=sent)
        sent.refresh_from_db()
        assert sent.read_at == first and sent.read_by == home_nurse


class TestLogistics:
    def _order(self, episode, staff, unit, **changes):
        fields = {
            "category": "equipment",
            "item": "Antibiotikapump",
            "quantity": 1,
            "delivery_place": "ward",
            "responsible_unit": unit,
            "travels_with_patient": True,
        } | changes
        return services.logistics_order_add(staff=staff, unit=unit, episode=episode, **fields)

    def test_ordered_ready_delivered(self, agreed, ward_nurse, ward):
        order = self._order(agreed, ward_nurse, ward)
        services.logistics_order_advance(staff=ward_nurse, unit=ward, order=order)
        order = services.logistics_order_advance(staff=ward_nurse, unit=ward, order=order)
        assert order.status == "delivered" and order.ready_at and order.delivered_at
        with pytest.raises(Conflict, match="redan levererad"):
            services.logistics_order_advance(staff=ward_nurse, unit=ward, order=order)

    def test_bad_orders_are_refused(self, agreed, ward_nurse, ward, home_care):
        with pytest.raises(HemmaError, match="minst 1"):
            self._order(agreed, ward_nurse, ward, quantity=0)
        with pytest.raises(HemmaError, match="Ansvarig enhet"):
            self._order(agreed, ward_nurse, ward, responsible_unit=home_care)
        assert not LogisticsOrder.objects.exists()

    def test_outsiders_cannot_order(self, agreed, outsider, foreign_home_care):
        with pytest.raises(NotAllowed):
            self._order(agreed, outsider, foreign_home_care)


class TestPages:
    def test_the_home_nurse_sees_the_request_in_her_inbox_and_accepts_it(self, sent, as_home_nurse):
        inbox = as_home_nurse.get(reverse("carerequests:inbox")).content.decode()
        assert "Kim Testsson" in inbox and 'class="count"' in inbox and "Antibiotika" in inbox
        detail = as_home_nurse.get(reverse("carerequests:detail", args=[sent.pk])).content
        assert "Cefotaxim" in detail.decode() and "Bifogad överenskommelse" in detail.decode()
        sent.refresh_from_db()
        assert sent.read_at is not None
        response = as_home_nurse.post(reverse("carerequests:act", args=[sent.pk, "accept"]))
        assert response.status_code == 302
        sent.refresh_from_db()
        assert sent.status == "accepted"

    def test_declining_without_a_reason_is_a_message_not_a_500(self, sent, as_home_nurse):
        response = as_home_nurse.post(
            reverse("carerequests:act", args=[sent.pk, "decline"]), {"reason": ""}, follow=True
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "Inget sparades: rätta de markerade fälten." in body
        # Issue 19: the error is at the decline form's reason field.
        assert 'id="decline-reason_error"' in body and 'aria-invalid="true"' in body
        sent.refresh_from_db()
        assert sent.status == "sent"

    def test_other_units_get_404_and_a_denied_log_entry(self, sent, as_outsider):
        response = as_outsider.get(reverse("carerequests:detail", args=[sent.pk]))
        assert response.status_code == 404
        assert AccessLogEntry.objects.filter(
            outcome="denied", detail=f"care request id={sent.pk}"
        ).exists()

    def test_the_form_reports_bad_medication_lines(self, agreed, as_ward_nurse, home_health):
        data = {
            "kind": "home_health",
            "to_unit": home_health.pk,
            "reason": "Pyelonefrit",
            "start_at": (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "interventions": "Pumpbyte",
            "medications": "Cefotaxim | 1 g | i näsan | 08, 16, 24",
        }
        url = reverse("carerequests:new", args=[agreed.pk])
        response = as_ward_nurse.post(url, data)
        assert response.status_code == 200
        assert "okänt administrationssätt" in response.content.decode()
        assert not CareRequest.objects.exists()
        data["medications"] = "Cefotaxim | 1 g | iv | 08, 16, 24\nOxynorm | 5 mg | po | vb | "
        response = as_ward_nurse.post(url, data)
        assert response.status_code == 302
        assert CareRequest.objects.get().medications.count() == 2

    def test_the_logistics_page(self, agreed, as_ward_nurse, ward):
        url = reverse("carerequests:logistics", args=[agreed.pk])
        response = as_ward_nurse.post(
            url,
            {
                "category": "assistive_device",
                "item": "Rollator",
                "quantity": "1",
                "delivery_place": "home",
                "responsible_unit": ward.pk,
                "travels_with_patient": "on",
            },
        )
        assert response.status_code == 302
        order = LogisticsOrder.objects.get()
        body = as_ward_nurse.get(url).content.decode()
        assert "Följer med i transporten" in body and "Rollator" in body
        as_ward_nurse.post(reverse("carerequests:advance", args=[order.pk]))
        order.refresh_from_db()
        assert order.status == "ready"
        bad = as_ward_nurse.post(url, {"category": "x", "item": "", "quantity": "0"})
        assert bad.status_code == 200 and LogisticsOrder.objects.count() == 1

    def test_the_inbox_query_count_does_not_grow_with_requests(
        self, ward, ward_nurse, physician, home_health, as_home_nurse, settings
    ):
        # Every display logs its patients (no repeat window), so each count includes the insert.
        settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0

        def inbox_queries():
            with CaptureQueriesContext(connection) as queries:
                assert as_home_nurse.get(reverse("carerequests:inbox")).status_code == 200
            return len(queries)

        numbers = ["19121212-1212", "19380508-9145", "19350404-9135", "19400401-9180"]
        patients = [make_patient(number, f"P{i}") for i, number in enumerate(numbers)]
        for patient in patients[:1]:
            episode = to_agreed(patient=patient, ward=ward, nurse=ward_nurse, physician=physician)
            send_home_health_request(episode, ward_nurse, home_health)
        inbox_queries()  # warm-up: the first request of a session caches what it may
        few = inbox_queries()
        for patient in patients[1:]:
            episode = to_agreed(patient=patient, ward=ward, nurse=ward_nurse, physician=physician)
            send_home_health_request(episode, ward_nurse, home_health)
        assert inbox_queries() == few
