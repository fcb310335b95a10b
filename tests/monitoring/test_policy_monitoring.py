"""Monitoring through the access policy (issue 13): the alert list, the polled alert panel,
the round list and the round protocol show only patients whose health record the acting
unit may list, and log one entry per patient shown (a poll within the repeat window writes
nothing new); episode pages need the health record; actions need the policy's role; the
patient's tablet reads are logged under the ward."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.clinical.identifiers import luhn_check_digit
from hemma.episodes.models import Episode, SafetyBedReservation
from hemma.episodes.services import safety_beds_ensure
from hemma.logreview.selectors import LogFilter, log_entries_for_review
from hemma.monitoring import services
from hemma.monitoring.models import Alert, MonitoringPlan, ObservationSet, RoundEntry
from hemma.patients.models import CareRelationship
from hemma.patients.services import sharing_consent_revoke
from tests.conftest import client_for, make_patient, make_staff
from tests.monitoring.conftest import HOME_SET, RED_SET

pytestmark = pytest.mark.django_db

ALERTS = reverse("monitoring:alerts")
PANEL = reverse("monitoring:alerts_panel")
ROUND = reverse("monitoring:round")
LISA = "Lisa Testsson"


def at_home_episode(patient, ward, home_health, by, bed=0):
    episode = Episode.objects.create(
        patient=patient,
        ward=ward,
        home_health_unit=home_health,
        created_by=by,
        state="at_home",
        tier="lisa",
        at_home_since=timezone.now() - timedelta(days=1),
    )
    beds = safety_beds_ensure(ward=ward)
    if bed < len(beds):
        SafetyBedReservation.objects.create(bed=beds[bed], episode=episode, reserved_by=by)
    return episode


def red_alert(episode, client_id="red"):
    return services.observation_record(
        episode=episode, values=RED_SET, source="patient", client_id=client_id
    ).alert


@pytest.fixture
def lisa_at_home(lisa, ward, home_health, ward_nurse):
    """Lisa at home: the ward owns the episode, home health care visits (she consents)."""
    return at_home_episode(lisa, ward, home_health, ward_nurse, bed=1)


def text(response):
    return response.content.decode()


def entries(**filters):
    return AccessLogEntry.objects.filter(**filters)


# --- lists --------------------------------------------------------------------------------


class TestRevokedConsent:
    def test_revoking_hides_lisa_at_once_from_home_healths_alert_list_panel_and_round(
        self, client, lisa_at_home, lisa, home_nurse, ward_nurse, physician, ward
    ):
        red_alert(lisa_at_home)
        services.round_record(
            staff=physician,
            unit=ward,
            episode=lisa_at_home,
            day=timezone.localdate(),
            decision="continue",
            participants=["Anna"],
            note="Fortsätt",
        )
        as_home = client_for(client, home_nurse)
        assert LISA in text(as_home.get(ALERTS))
        assert LISA in text(as_home.get(PANEL))
        assert LISA in text(as_home.get(ROUND))  # home health reads the round protocol

        sharing_consent_revoke(staff=ward_nurse, unit=ward, patient=lisa)

        for url in (ALERTS, PANEL, ROUND):
            assert LISA not in text(as_home.get(url)), url
        # The region's ward keeps her (the consent is about the municipality).
        as_ward = client_for(client, ward_nurse)
        assert LISA in text(as_ward.get(ALERTS))

    def test_home_care_lists_no_vitals(self, client, lisa_at_home, lisa, home_care):
        assistant = make_staff("hemtjanst", "assistant_nurse", home_care)
        CareRelationship.objects.create(patient=lisa, unit=home_care)
        red_alert(lisa_at_home)
        as_home_care = client_for(client, assistant)
        assert LISA not in text(as_home_care.get(ALERTS))
        assert LISA not in text(as_home_care.get(ROUND))
        assert not entries(user=assistant.user, patient=lisa, outcome="granted").exists()


class TestListLogging:
    def test_polling_the_panel_writes_one_row_per_patient_within_the_window(
        self, client, at_home, lisa_at_home, kim, lisa, ward_nurse
    ):
        red_alert(at_home, "kim")
        red_alert(lisa_at_home, "lisa")
        as_ward = client_for(client, ward_nurse)
        as_ward.get(ALERTS)  # the page and its poll log under one detail
        for _poll in range(3):
            assert as_ward.get(PANEL).status_code == 200
        logged = entries(user=ward_nurse.user, action="list_patients", detail="alert list")
        assert sorted(logged.values_list("patient__first_name", flat=True)) == ["Kim", "Lisa"]

    def test_a_new_alert_during_polling_logs_only_the_new_patient(
        self, client, at_home, lisa_at_home, ward_nurse
    ):
        red_alert(at_home, "kim")
        as_ward = client_for(client, ward_nurse)
        as_ward.get(PANEL)
        red_alert(lisa_at_home, "lisa")
        as_ward.get(PANEL)
        as_ward.get(PANEL)
        logged = entries(user=ward_nurse.user, detail="alert list")
        assert sorted(logged.values_list("patient__first_name", flat=True)) == ["Kim", "Lisa"]

    def test_the_alert_list_read_is_in_lisas_extract(
        self, client, lisa_at_home, home_nurse, reviewer, home_health
    ):
        red_alert(lisa_at_home)
        client_for(client, home_nurse).get(ALERTS)
        response = client_for(client, reviewer).post(
            reverse("audit:extract"), {"personal_number": "19380508-9145"}
        )
        assert entries(user=home_nurse.user, detail="alert list", unit=home_health).exists()
        listed = str(AccessLogEntry.Action.LIST_PATIENTS.label)
        rows = response.context["extract"].rows
        assert any(row.unit == home_health.name and row.action == listed for row in rows)

    def test_the_round_list_logs_each_patient_and_the_protocol_too(
        self, client, at_home, lisa_at_home, physician, home_nurse, ward
    ):
        day = timezone.localdate()
        client_for(client, physician).get(ROUND)
        round_list = entries(user=physician.user, detail=f"digital round {day}")
        assert sorted(round_list.values_list("patient__first_name", flat=True)) == [
            "Kim",
            "Lisa",
        ]
        services.round_record(
            staff=physician,
            unit=ward,
            episode=lisa_at_home,
            day=day,
            decision="continue",
            participants=["Anna"],
        )
        client_for(client, home_nurse).get(ROUND)
        protocol = entries(user=home_nurse.user, detail=f"round protocol {day}")
        assert list(protocol.values_list("patient__first_name", flat=True)) == ["Lisa"]


# --- the patient's tablet -------------------------------------------------------------------


def test_a_tablet_read_is_logged_under_the_ward_and_reviewed_there(
    client, at_home, ward_nurse, ward, reviewer
):
    code = services.enrolment_issue(staff=ward_nurse, unit=ward, episode=at_home)
    client.post(reverse("monitoring:patient_start"), {"code": code})
    assert client.get(reverse("monitoring:patient_home")).status_code == 200
    entry = entries(detail__startswith="patient device").get()
    assert entry.unit == ward and entry.patient == at_home.patient
    assert entry in log_entries_for_review(reviewer=reviewer, log_filter=LogFilter())


# --- one episode: see -----------------------------------------------------------------------


def test_home_care_gets_404_and_a_denied_entry_on_the_monitoring_page(
    client, lisa_at_home, lisa, home_care
):
    assistant = make_staff("hemtjanst", "assistant_nurse", home_care)
    CareRelationship.objects.create(patient=lisa, unit=home_care)
    response = client_for(client, assistant).get(
        reverse("monitoring:episode", args=[lisa_at_home.pk])
    )
    assert response.status_code == 404
    assert entries(user=assistant.user, patient=lisa, unit=home_care, outcome="denied").exists()


# --- one episode: do ------------------------------------------------------------------------


class TestActions:
    def test_a_primary_care_user_cannot_acknowledge_an_alert(
        self, client, at_home, kim, coordinator, primary_care
    ):
        CareRelationship.objects.create(patient=kim, unit=primary_care)  # primary care reads
        alert = red_alert(at_home)
        as_coordinator = client_for(client, coordinator)
        assert LISA not in text(as_coordinator.get(ALERTS))
        response = as_coordinator.post(reverse("monitoring:alert_act", args=[alert.pk, "ack"]))
        assert response.status_code == 403
        alert.refresh_from_db()
        assert alert.status == "open" and alert.acknowledged_by is None
        denied = entries(user=coordinator.user, outcome="denied").get()
        assert denied.patient == kim and f"alert {alert.pk}" in denied.detail
        resolve = as_coordinator.post(
            reverse("monitoring:alert_act", args=[alert.pk, "resolve"]),
            {"action": "no_action"},
        )
        assert resolve.status_code == 403
        assert Alert.objects.get(pk=alert.pk).status == "open"

    def test_an_unknown_alert_id_is_404_with_a_denied_entry(self, as_ward_nurse, ward_nurse):
        response = as_ward_nurse.post(reverse("monitoring:alert_act", args=[999999, "ack"]))
        assert response.status_code == 404
        assert entries(user=ward_nurse.user, outcome="denied", detail="alert id=999999").exists()

    def test_the_visiting_team_acknowledges_and_records_a_reading(
        self, client, lisa_at_home, home_nurse, home_health
    ):
        alert = red_alert(lisa_at_home)
        as_home = client_for(client, home_nurse)
        page = text(as_home.get(PANEL))
        assert "Kvittera" in page and "Direktinläggning" not in page  # readmission: the ward's
        as_home.post(reverse("monitoring:alert_act", args=[alert.pk, "ack"]))
        assert Alert.objects.get(pk=alert.pk).status == "acknowledged"
        as_home.post(
            reverse("monitoring:act", args=[lisa_at_home.pk, "record"]),
            {"pulse": "80", "spo2": "96", "client_id": str(uuid.uuid4())},
        )
        reading = ObservationSet.objects.get(episode=lisa_at_home, recorded_by=home_nurse)
        assert entries(
            user=home_nurse.user, action="edit_patient", detail__endswith=f"reading {reading.pk}"
        ).exists()

    def test_the_visiting_team_cannot_set_the_plan_or_decide_at_the_round(
        self, client, lisa_at_home, home_nurse
    ):
        as_home = client_for(client, home_nurse)
        page = text(as_home.get(reverse("monitoring:episode", args=[lisa_at_home.pk])))
        assert "Spara mätning" in page and "Spara gräns" not in page
        response = as_home.post(
            reverse("monitoring:act", args=[lisa_at_home.pk, "plan"]), {"interval_hours": "4"}
        )
        assert response.status_code == 403
        assert not MonitoringPlan.objects.exists()
        response = as_home.post(
            reverse("monitoring:round_record", args=[lisa_at_home.pk]),
            {"decision": "direct_admission", "participants": "Anna"},
        )
        assert response.status_code == 403
        lisa_at_home.refresh_from_db()
        assert lisa_at_home.state == "at_home" and not RoundEntry.objects.exists()
        refused = entries(user=home_nurse.user, outcome="denied")
        assert {e.detail.rsplit(": ", 1)[-1] for e in refused} == {
            "set_monitoring_plan refused",
            "round_decision refused",
        }

    def test_a_ward_nurse_records_the_round_but_the_physician_decides(
        self, client, at_home, ward_nurse, physician, ward
    ):
        as_nurse = client_for(client, ward_nurse)
        page = text(as_nurse.get(ROUND))
        assert "Spara beslut" in page and "Direktinläggning" not in page
        assert "Direktinläggning" in text(client_for(client, physician).get(ROUND))
        as_nurse = client_for(client, ward_nurse)
        url = reverse("monitoring:round_record", args=[at_home.pk])
        response = as_nurse.post(url, {"decision": "discharge", "participants": "Anna"})
        assert response.status_code == 403 and not RoundEntry.objects.exists()
        # The physician decides a revision; the nurse cannot overwrite it with "continue".
        services.round_record(
            staff=physician,
            unit=ward,
            episode=at_home,
            day=timezone.localdate(),
            decision="revise",
            participants=["Erik"],
        )
        assert "Spara beslut" not in text(as_nurse.get(ROUND))
        as_nurse.post(url, {"decision": "continue", "participants": "Anna"})
        assert RoundEntry.objects.get().decision == "revise"


# --- N+1 guards -----------------------------------------------------------------------------


def numbers(count: int) -> list[str]:
    """Valid personnummer (Luhn check digit), born 1940-01-DD, for patients made in bulk."""
    return [
        f"194001{day:02d}-918{luhn_check_digit(f'4001{day:02d}918')}" for day in range(1, count + 1)
    ]


def patients_at_home(count, ward, home_health, by, start=0):
    made = []
    for index, number in enumerate(numbers(start + count)[start:]):
        patient = make_patient(number, f"P{start + index}", ward, home_health)
        episode = at_home_episode(patient, ward, home_health, by, bed=99)
        red_alert(episode, f"r{number}")
        services.observation_record(
            episode=episode, values=HOME_SET, source="patient", client_id=f"h{number}"
        )
        made.append(episode)
    return made


def queries_of(client, url) -> int:
    client.get(url)  # the first display logs the new patients
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [ALERTS, PANEL, ROUND])
def test_list_queries_do_not_grow_with_patients(client, url, ward, home_health, physician):
    as_physician = client_for(client, physician)
    patients_at_home(1, ward, home_health, physician)
    one = queries_of(as_physician, url)
    patients_at_home(9, ward, home_health, physician, start=1)
    assert Alert.objects.count() == 10
    assert queries_of(as_physician, url) == one


def test_home_healths_alert_list_queries_do_not_grow(client, ward, home_health, physician):
    nurse = make_staff("hsvnurse", "nurse", home_health)
    as_nurse = client_for(client, nurse)
    patients_at_home(1, ward, home_health, physician)
    one = queries_of(as_nurse, ALERTS)
    patients_at_home(9, ward, home_health, physician, start=1)
    assert queries_of(as_nurse, ALERTS) == one


def test_an_impossible_day_is_not_a_500(client, at_home, physician, home_health):
    assert client_for(client, physician).get(ROUND + "?day=2026-02-30").status_code == 200
    nurse = make_staff("hsvnurse", "nurse", home_health)
    as_nurse = client_for(client, nurse)
    assert as_nurse.get(reverse("visits:planner") + "?day=2026-02-30").status_code == 200
