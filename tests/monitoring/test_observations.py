"""Recording observation sets: NEWS2, idempotency, alerts, thresholds, escalation, overdue."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.monitoring import services
from hemma.monitoring.models import Alert, DutyPhysician, MonitoringPlan, ObservationSet
from tests.monitoring.conftest import HOME_SET, RED_SET, TUESDAY_10

pytestmark = pytest.mark.django_db


def record(episode, values, client_id="r1", **kwargs):
    return services.observation_record(
        episode=episode, values=values, source="patient", client_id=client_id, **kwargs
    )


class TestRecord:
    def test_a_home_set_is_scored_incomplete_and_does_not_alert(self, at_home):
        recorded = record(at_home, HOME_SET)
        observation = recorded.observation
        assert recorded.created and recorded.alert is None
        assert observation.news2_total == 0 and not observation.news2_complete
        assert observation.news2_missing == ["respiration_rate", "on_oxygen", "consciousness"]
        assert observation.diastolic_bp == 78

    def test_the_same_client_id_is_stored_once(self, at_home):
        first = record(at_home, RED_SET, client_id="same")
        again = record(at_home, RED_SET, client_id="same")
        assert not again.created and again.observation.pk == first.observation.pk
        assert ObservationSet.objects.count() == 1 and Alert.objects.count() == 1

    def test_a_red_set_alerts_the_ward_with_values_score_and_response(self, at_home, ward):
        alert = record(at_home, RED_SET).alert
        assert alert.unit == ward and alert.level == "high" and alert.status == "open"
        assert alert.observation.news2_total == 10
        assert any("Puls 135 ger 3 poäng" in reason for reason in alert.reasons)
        assert any("Ofullständig" in reason for reason in alert.reasons)
        assert "emergency assessment" in alert.response

    def test_a_single_three_alerts_even_in_an_incomplete_set(self, at_home):
        alert = record(at_home, {"pulse": 38}).alert
        assert alert.level == "low_medium"

    def test_a_personal_threshold_alerts_and_tells_why(self, at_home, physician, ward):
        services.threshold_set(
            staff=physician,
            unit=ward,
            episode=at_home,
            parameter="pulse",
            low=None,
            high=Decimal("100"),
            reason="Känt förmaksflimmer",
        )
        alert = record(at_home, HOME_SET | {"pulse": 104}).alert
        assert alert.level == "personal"
        assert "Känt förmaksflimmer" in alert.reasons[0]

    def test_scale_2_is_used_when_the_physician_set_it(self, at_home, physician, ward):
        services.spo2_scale_set(
            staff=physician, unit=ward, episode=at_home, scale=2, reason="KOL, hyperkapni"
        )
        observation = record(at_home, {"spo2": 89, "on_oxygen": False}).observation
        assert observation.spo2_scale == 2 and observation.news2_scores["spo2"] == 0

    def test_only_a_physician_sets_scale_and_thresholds(self, at_home, ward_nurse, ward):
        with pytest.raises(NotAllowed):
            services.spo2_scale_set(
                staff=ward_nurse, unit=ward, episode=at_home, scale=2, reason="x"
            )

    @pytest.mark.parametrize(
        ("values", "message"),
        [
            ({"spo2": 140}, "Saturation ska vara ett tal mellan 0–100"),
            ({"temperature": "varm"}, "Temperatur"),
            ({"systolic_bp": 120, "diastolic_bp": 130}, "lägre än det systoliska"),
            ({}, "minst ett värde"),
            ({"weight": 80}, "Okänt värde"),
        ],
    )
    def test_bad_values_are_refused_and_nothing_is_stored(self, at_home, values, message):
        with pytest.raises(HemmaError, match=message):
            record(at_home, values)
        assert not ObservationSet.objects.exists()

    def test_readings_from_the_future_are_refused(self, at_home):
        with pytest.raises(HemmaError, match="framtiden"):
            record(at_home, HOME_SET, measured_at=timezone.now() + timedelta(hours=1))

    def test_a_candidate_does_not_take_readings(self, at_home):
        at_home.state = "candidate"
        at_home.save()
        with pytest.raises(NotAllowed, match="inte hemma"):
            record(at_home, HOME_SET)


class TestAlerts:
    def test_acknowledge_then_resolve_by_direct_admission(self, at_home, ward_nurse, ward):
        alert = record(at_home, RED_SET).alert
        services.alert_acknowledge(staff=ward_nurse, unit=ward, alert=alert)
        with pytest.raises(Conflict):
            services.alert_acknowledge(staff=ward_nurse, unit=ward, alert=alert)
        services.alert_resolve(
            staff=ward_nurse, unit=ward, alert=alert, action="direct_admission", note="NEWS2 9"
        )
        alert.refresh_from_db()
        at_home.refresh_from_db()
        assert alert.status == "resolved" and alert.acknowledged_by == ward_nurse
        assert at_home.state == "readmitted"
        assert at_home.transitions.last().reason == "NEWS2 9"

    def test_a_unit_outside_the_episode_cannot_acknowledge(
        self, at_home, coordinator, primary_care
    ):
        alert = record(at_home, RED_SET).alert
        with pytest.raises(NotAllowed):
            services.alert_acknowledge(staff=coordinator, unit=primary_care, alert=alert)

    def test_resolving_needs_an_action(self, at_home, ward_nurse, ward):
        alert = record(at_home, RED_SET).alert
        with pytest.raises(HemmaError, match="åtgärd"):
            services.alert_resolve(staff=ward_nurse, unit=ward, alert=alert, action="")


class TestEscalation:
    def test_an_unacknowledged_high_alert_is_escalated_once_to_the_physician_on_duty(
        self, at_home, physician, ward, settings
    ):
        settings.HEMMA_ALERT_ESCALATION_MINUTES = 15
        # Pinned inside one roster slot: "Jag har jouren" holds for the slot it was taken
        # in, so a wall-clock "now" near 08:00, 16:00 or 21:00 would cross into the next.
        services.duty_physician_set(staff=physician, unit=ward)
        DutyPhysician.objects.update(since=TUESDAY_10)
        alert = record(at_home, RED_SET).alert
        Alert.objects.filter(pk=alert.pk).update(created_at=TUESDAY_10)
        assert services.alerts_escalate(TUESDAY_10 + timedelta(minutes=10)) == 0
        later = TUESDAY_10 + timedelta(minutes=16)
        assert services.alerts_escalate(later) == 1
        assert services.alerts_escalate(later) == 0  # claimed: a second worker does nothing
        alert.refresh_from_db()
        assert alert.escalated_to == physician and alert.escalated_at is not None
        assert at_home.tasks.filter(title__startswith="Eskalerat larm", owner=physician).exists()

    def test_an_acknowledged_or_low_medium_alert_is_not_escalated(self, at_home, ward_nurse, ward):
        acknowledged = record(at_home, RED_SET, client_id="a").alert
        services.alert_acknowledge(staff=ward_nurse, unit=ward, alert=acknowledged)
        record(at_home, {"pulse": 38}, client_id="b")
        assert services.alerts_escalate(timezone.now() + timedelta(hours=2)) == 0

    def test_the_worker_command_runs_one_pass(self, at_home, capsys):
        record(at_home, RED_SET)
        Alert.objects.update(created_at=timezone.now() - timedelta(hours=1))
        call_command("monitor", "--once")
        assert "escalated 1" in capsys.readouterr().out


class TestOverdue:
    def test_a_missing_measurement_alerts_once(self, at_home, ward_nurse, ward):
        MonitoringPlan.objects.create(episode=at_home, interval_hours=8, set_by=ward_nurse)
        record(at_home, HOME_SET, measured_at=timezone.now() - timedelta(hours=10))
        assert services.overdue_check() == 1
        assert services.overdue_check() == 0
        alert = Alert.objects.get(level="overdue")
        assert "Inga värden sedan" in alert.reasons[0]
        record(at_home, HOME_SET, client_id="new")
        assert services.overdue_check() == 0
