"""Monitoring pages: the episode's values, the ward's live alerts, the patient's device page
(enrolment, JSON readings, idempotent retries) and the digital round."""

import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.monitoring import services
from hemma.monitoring.models import Alert, ObservationSet, RoundEntry
from hemma.monitoring.views import DEVICE_COOKIE
from tests.conftest import client_for
from tests.monitoring.conftest import HOME_SET, RED_SET

pytestmark = pytest.mark.django_db


def enrol(client, episode, staff):
    code = services.enrolment_issue(staff=staff, unit=episode.ward, episode=episode)
    response = client.post(reverse("monitoring:patient_start"), {"code": code.lower()})
    assert response.status_code == 302
    return code


def submit(client, values, client_id=None, **extra):
    body = {"client_id": client_id or str(uuid.uuid4()), "values": values} | extra
    return client.post(
        reverse("monitoring:patient_submit"), json.dumps(body), content_type="application/json"
    )


class TestPatientDevice:
    def test_enrolment_gives_the_device_its_own_episode_page(self, client, at_home, ward_nurse):
        enrol(client, at_home, ward_nurse)
        assert client.cookies[DEVICE_COOKIE]["httponly"]
        page = client.get(reverse("monitoring:patient_home")).content.decode()
        assert "Hej Kim" in page and "Dagens mätning" in page
        assert AccessLogEntry.objects.filter(detail__startswith="patient device").exists()

    def test_a_code_works_once_and_not_after_it_expired(self, client, at_home, ward_nurse):
        code = enrol(client, at_home, ward_nurse)
        response = client.post(reverse("monitoring:patient_start"), {"code": code})
        assert "Koden gäller inte" in response.content.decode()
        other = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
        at_home.devices.update(code_expires_at=timezone.now() - timedelta(minutes=1))
        response = client.post(reverse("monitoring:patient_start"), {"code": other})
        assert "Koden gäller inte" in response.content.decode()

    def test_a_reading_is_stored_once_however_often_it_is_retried(
        self, client, at_home, ward_nurse
    ):
        enrol(client, at_home, ward_nurse)
        first = submit(client, HOME_SET, client_id="tablet-1")
        again = submit(client, HOME_SET, client_id="tablet-1")
        assert first.status_code == 201 and again.status_code == 200
        assert first.json()["created"] and not again.json()["created"]
        assert ObservationSet.objects.filter(episode=at_home).count() == 1
        assert not first.json()["red"]

    def test_a_red_reading_tells_the_patient_to_call_the_ward(self, client, at_home, ward_nurse):
        enrol(client, at_home, ward_nurse)
        body = submit(client, RED_SET).json()
        assert body["red"] and "Ring avdelningen nu" in body["instruction"]
        assert Alert.objects.filter(episode=at_home, level="high").exists()

    @pytest.mark.parametrize(
        ("payload", "message"),
        [
            ({"values": {"spo2": 120}}, "Saturation"),
            ({"values": {}}, "minst ett värde"),
            ({"values": "pulse=80"}, "Felaktig begäran"),
            ({"values": {"pulse": 80}, "source": "ward"}, "Felaktig begäran"),
        ],
    )
    def test_bad_readings_get_a_clear_400(self, client, at_home, ward_nurse, payload, message):
        enrol(client, at_home, ward_nurse)
        response = client.post(
            reverse("monitoring:patient_submit"),
            json.dumps({"client_id": "x"} | payload),
            content_type="application/json",
        )
        assert response.status_code in (400, 422) and message in response.json()["error"]
        # 400 malformed, 422 the values: never retried (tests/monitoring/test_patient_submit.py)
        assert response.json()["retry"] is False
        assert not ObservationSet.objects.exists()

    def test_not_json_at_all_is_a_400(self, client, at_home, ward_nurse):
        enrol(client, at_home, ward_nurse)
        response = client.post(
            reverse("monitoring:patient_submit"), "{{", content_type="application/json"
        )
        assert response.status_code == 400

    def test_no_device_or_a_revoked_one_is_401(self, client, at_home, ward_nurse, ward):
        assert submit(client, HOME_SET).status_code == 401
        enrol(client, at_home, ward_nurse)
        device = at_home.devices.get()
        services.enrolment_revoke(staff=ward_nurse, unit=ward, enrolment=device)
        assert submit(client, HOME_SET).status_code == 401
        assert client.get(reverse("monitoring:patient_home")).status_code == 302

    def test_the_token_ends_with_the_episode(self, client, at_home, ward_nurse):
        enrol(client, at_home, ward_nurse)
        at_home.state = "discharged"
        at_home.save()
        assert submit(client, HOME_SET).status_code == 401


class TestStaffPages:
    def test_the_episode_page_shows_values_trends_and_alerts(self, at_home, as_ward_nurse):
        services.observation_record(
            episode=at_home,
            values=HOME_SET,
            source="patient",
            client_id="a",
            measured_at=timezone.now() - timedelta(hours=6),
        )
        services.observation_record(
            episode=at_home, values=RED_SET, source="patient", client_id="b"
        )
        body = as_ward_nurse.get(reverse("monitoring:episode", args=[at_home.pk])).content
        body = body.decode()
        assert "Royal College of Physicians" in body and "<svg" in body
        assert "ofullständig" in body and "Hög" in body

    def test_missing_parameters_are_named_in_words_not_internal_names(self, at_home, as_ward_nurse):
        services.observation_record(
            episode=at_home, values={"pulse": 80, "spo2": 96}, source="patient", client_id="p"
        )
        body = as_ward_nurse.get(reverse("monitoring:episode", args=[at_home.pk])).content
        body = body.decode()
        # Form inputs keep their field names; the text shown to staff never does.
        assert "saknas: Andningsfrekvens, Syrgas, Systoliskt blodtryck" in body
        assert "saknas: respiration_rate" not in body
        # A hidden field (the form's client id) has no label: "Client id *" never shows.
        assert 'name="client_id"' in body and "Client id" not in body

    def test_staff_record_a_full_set_at_a_visit(self, at_home, as_home_nurse):
        data = {
            "respiration_rate": "18",
            "spo2": "96",
            "on_oxygen": "no",
            "systolic_bp": "125",
            "pulse": "80",
            "consciousness": "A",
            "temperature": "37,2",
            "client_id": str(uuid.uuid4()),
        }
        url = reverse("monitoring:act", args=[at_home.pk, "record"])
        response = as_home_nurse.post(url, data)
        assert response.status_code == 302
        observation = ObservationSet.objects.get()
        assert observation.news2_complete and observation.source == "home_health"
        assert observation.method == "manual"

    def test_a_nurse_cannot_set_a_threshold_through_the_page(self, at_home, as_ward_nurse):
        url = reverse("monitoring:act", args=[at_home.pk, "threshold"])
        response = as_ward_nurse.post(
            url, {"parameter": "pulse", "high": "110", "reason": "AF"}, follow=True
        )
        assert response.status_code == 403
        assert "Bara en läkare" in response.content.decode()

    def test_the_alert_panel_shows_new_alerts_and_acknowledging_works(self, at_home, as_ward_nurse):
        assert (
            "Inga öppna larm"
            in as_ward_nurse.get(reverse("monitoring:alerts_panel")).content.decode()
        )
        alert = services.observation_record(
            episode=at_home, values=RED_SET, source="patient", client_id="r"
        ).alert
        panel = as_ward_nurse.get(reverse("monitoring:alerts_panel")).content.decode()
        assert "Kim Testsson" in panel and f'data-alert-ids="{alert.pk}"' in panel
        assert 'hx-trigger="every 10s"' in panel
        as_ward_nurse.post(reverse("monitoring:alert_act", args=[alert.pk, "ack"]))
        alert.refresh_from_db()
        assert alert.status == "acknowledged"

    def test_another_units_alert_is_404(self, at_home, as_outsider):
        alert = services.observation_record(
            episode=at_home, values=RED_SET, source="patient", client_id="r"
        ).alert
        response = as_outsider.post(reverse("monitoring:alert_act", args=[alert.pk, "ack"]))
        assert response.status_code == 404

    def test_outsiders_do_not_see_the_monitoring_page(self, at_home, as_outsider):
        response = as_outsider.get(reverse("monitoring:episode", args=[at_home.pk]))
        assert response.status_code == 404

    def test_a_code_for_the_tablet_is_issued_with_a_qr(self, at_home, as_ward_nurse):
        as_ward_nurse.post(reverse("monitoring:act", args=[at_home.pk, "issue_code"]))
        page = as_ward_nurse.get(reverse("monitoring:episode", args=[at_home.pk])).content
        assert "Kod till patientens surfplatta" in page.decode()
        qr = as_ward_nurse.get(reverse("monitoring:device_qr", args=[at_home.pk]) + "?code=ABCD")
        assert "<svg" in qr.content.decode()


@pytest.fixture
def as_physician(client, physician):
    return client_for(client, physician)


class TestRound:
    def test_the_round_lists_patients_at_home_and_records_a_decision(self, at_home, as_ward_nurse):
        services.observation_record(
            episode=at_home, values=HOME_SET, source="patient", client_id="a"
        )
        page = as_ward_nurse.get(reverse("monitoring:round")).content.decode()
        assert "Kim Testsson" in page and "dag 1" in page
        response = as_ward_nurse.post(
            reverse("monitoring:round_record", args=[at_home.pk]),
            {
                "decision": "continue",
                "participants": "Erik Läkare, Anna Ssk, Kim",
                "note": "Mår bra",
                "video_link": "https://video.example.se/rond",
            },
        )
        assert response.status_code == 302
        entry = RoundEntry.objects.get()
        assert entry.participants == ["Erik Läkare", "Anna Ssk", "Kim"]
        assert at_home.transitions.filter(reason__startswith="Digital rond").exists()

    def test_a_revision_decision_opens_the_agreement_editor(self, at_home, as_physician):
        response = as_physician.post(
            reverse("monitoring:round_record", args=[at_home.pk]),
            {"decision": "revise", "participants": "Anna"},
        )
        assert response.url == reverse("careplans:revise", args=[at_home.pk])

    def test_a_direct_admission_decision_readmits(self, at_home, as_physician):
        as_physician.post(
            reverse("monitoring:round_record", args=[at_home.pk]),
            {"decision": "direct_admission", "participants": "Anna", "note": "Sämre"},
        )
        at_home.refresh_from_db()
        assert at_home.state == "readmitted"

    def test_home_health_care_reads_the_protocol(self, at_home, as_home_nurse, physician, ward):
        services.round_record(
            staff=physician,
            unit=ward,
            episode=at_home,
            day=timezone.localdate(),
            decision="continue",
            participants=["Anna"],
            note="Fortsätt",
        )
        page = as_home_nurse.get(reverse("monitoring:round")).content.decode()
        assert "Rondprotokoll" in page and "Fortsätt" in page

    def test_the_round_query_count_does_not_grow_with_patients(
        self, ward, ward_nurse, as_ward_nurse
    ):
        from hemma.episodes.models import Episode
        from tests.conftest import make_patient

        def add(number):
            episode = Episode.objects.create(
                patient=make_patient(number, "P", ward),
                ward=ward,
                created_by=ward_nurse,
                state="at_home",
                at_home_since=timezone.now() - timedelta(days=3),
            )
            for hours in (4, 12, 20):
                services.observation_record(
                    episode=episode,
                    values=HOME_SET,
                    source="patient",
                    client_id=f"{number}-{hours}",
                    measured_at=timezone.now() - timedelta(hours=hours),
                )

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert as_ward_nurse.get(reverse("monitoring:round")).status_code == 200
            return len(queries)

        add("19440514-9057")
        count()
        few = count()
        for number in ("19380508-9145", "19350404-9135", "19400401-9180"):
            add(number)
        count()  # the new patients' first list entries (a re-display within the window writes none)
        assert count() == few


def test_the_ward_worklist_lists_patients_with_no_values_since(at_home, ward_nurse, as_ward_nurse):
    from hemma.monitoring.models import MonitoringPlan

    MonitoringPlan.objects.create(episode=at_home, interval_hours=8, set_by=ward_nurse)
    services.observation_record(
        episode=at_home,
        values=HOME_SET,
        source="patient",
        client_id="old",
        measured_at=timezone.now() - timedelta(hours=12),
    )
    body = as_ward_nurse.get(reverse("episodes:worklist")).content.decode()
    assert "inga värden sedan" in body and "Kim Testsson" in body
    services.observation_record(episode=at_home, values=HOME_SET, source="patient", client_id="new")
    body = as_ward_nurse.get(reverse("episodes:worklist")).content.decode()
    assert "inga värden sedan" not in body
