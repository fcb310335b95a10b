"""The escalation chain (issue 18): the ward's duty roster per slot, the deputy, the ward's
final step, a failed escalation shown to the ward, the alert's timeline, the roster page's
validation and who may keep it, and the claim that keeps several workers safe."""

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from hemma.accounts.models import AdministrationLogEntry
from hemma.coordination.models import Task
from hemma.errors import HemmaError, NotAllowed
from hemma.monitoring import services
from hemma.monitoring.duty_slots import slot_at
from hemma.monitoring.models import (
    Alert,
    AlertEvent,
    DutyPhysician,
    DutyRosterEntry,
    EscalationFinalStep,
)
from tests.conftest import client_for, make_staff, make_unit
from tests.monitoring.conftest import RED_SET, TUESDAY_10

pytestmark = pytest.mark.django_db

ROSTER = reverse("monitoring:roster")
ALERTS = reverse("monitoring:alerts")


def local(*args):
    return timezone.make_aware(datetime(*args))


class TestSlots:
    @pytest.mark.parametrize(
        "moment, slot, began",
        [
            ((2026, 12, 1, 8, 0), "day", (2026, 12, 1, 8, 0)),  # Tuesday
            ((2026, 12, 1, 15, 59), "day", (2026, 12, 1, 8, 0)),
            ((2026, 12, 1, 16, 0), "evening", (2026, 12, 1, 16, 0)),
            ((2026, 12, 1, 21, 0), "night", (2026, 12, 1, 21, 0)),
            ((2026, 12, 2, 7, 59), "night", (2026, 12, 1, 21, 0)),  # Wednesday morning
            ((2026, 12, 4, 3, 0), "night", (2026, 12, 3, 21, 0)),  # Friday night before
            ((2026, 12, 4, 12, 0), "day", (2026, 12, 4, 8, 0)),  # Friday day
            ((2026, 12, 4, 16, 0), "weekend", (2026, 12, 4, 16, 0)),  # Friday 16: weekend
            ((2026, 12, 6, 23, 0), "weekend", (2026, 12, 4, 16, 0)),  # Sunday night
            ((2026, 12, 7, 7, 59), "weekend", (2026, 12, 4, 16, 0)),  # Monday early
            ((2026, 12, 7, 8, 0), "day", (2026, 12, 7, 8, 0)),  # Monday 08
        ],
    )
    def test_the_slots_follow_the_clock(self, moment, slot, began):
        assert slot_at(datetime(*moment)) == (slot, datetime(*began))


@pytest.fixture
def doctors(ward):
    return {
        "a": make_staff("doca", "physician", ward),
        "b": make_staff("docb", "physician", ward),
        "c": make_staff("docc", "physician", ward),
    }


def red_alert(episode, at=TUESDAY_10, client_id="r1"):
    alert = services.observation_record(
        episode=episode, values=RED_SET, source="patient", client_id=client_id
    ).alert
    Alert.objects.filter(pk=alert.pk).update(created_at=at)
    return alert


def after(minutes, start=TUESDAY_10):
    return start + timedelta(minutes=minutes)


def roster(ward, by, slot="day", on_call=None, deputy=None):
    return services.duty_roster_set(staff=by, unit=ward, slot=slot, on_call=on_call, deputy=deputy)


class TestChain:
    @pytest.fixture(autouse=True)
    def _interval(self, settings):
        settings.HEMMA_ALERT_ESCALATION_MINUTES = 15

    def test_step_one_goes_to_the_slot_on_call_physician(self, at_home, ward, ward_nurse, doctors):
        roster(ward, ward_nurse, "day", doctors["b"], doctors["c"])
        roster(ward, ward_nurse, "night", doctors["c"], None)
        alert = red_alert(at_home)
        assert services.alerts_escalate(after(10)) == 0
        assert services.alerts_escalate(after(16)) == 1
        alert.refresh_from_db()
        assert alert.escalation_step == 1 and alert.escalated_to == doctors["b"]
        event = AlertEvent.objects.get(alert=alert)
        assert (event.step, event.kind, event.to_staff) == (1, "escalated", doctors["b"])
        assert Task.objects.filter(episode=at_home, owner=doctors["b"]).count() == 1

    def test_the_night_slot_has_its_own_physician(self, at_home, ward, ward_nurse, doctors):
        roster(ward, ward_nurse, "day", doctors["b"])
        roster(ward, ward_nurse, "night", doctors["c"])
        night = local(2026, 12, 1, 23, 0)
        alert = red_alert(at_home, at=night)
        services.alerts_escalate(after(16, night))
        alert.refresh_from_db()
        assert alert.escalated_to == doctors["c"]

    def test_unanswered_it_goes_to_the_deputy_and_then_the_final_step(
        self, at_home, ward, ward_nurse, doctors
    ):
        roster(ward, ward_nurse, "day", doctors["a"], doctors["b"])
        services.escalation_final_set(
            staff=ward_nurse, unit=ward, physician=None, instruction="Ring primärjouren 010-1"
        )
        alert = red_alert(at_home)
        assert services.alerts_escalate(after(16)) == 1
        assert services.alerts_escalate(after(25)) == 0  # the deputy's interval starts now
        assert services.alerts_escalate(after(32)) == 1
        alert.refresh_from_db()
        assert alert.escalation_step == 2 and alert.escalated_to == doctors["b"]
        assert services.alerts_escalate(after(48)) == 1
        alert.refresh_from_db()
        assert alert.escalation_step == 3 and alert.escalated_to is None
        assert alert.escalated_to_text == "Ring primärjouren 010-1"
        assert services.alerts_escalate(after(200)) == 0  # the final step is the last
        steps = list(alert.events.values_list("step", "kind", "to_staff", "to_text"))
        assert steps == [
            (1, "escalated", doctors["a"].pk, ""),
            (2, "escalated", doctors["b"].pk, ""),
            (3, "escalated", None, "Ring primärjouren 010-1"),
        ]

    def test_an_acknowledged_alert_goes_no_further(self, at_home, ward, ward_nurse, doctors):
        roster(ward, ward_nurse, "day", doctors["a"], doctors["b"])
        alert = red_alert(at_home)
        services.alerts_escalate(after(16))
        services.alert_acknowledge(staff=doctors["a"], unit=ward, alert=alert)
        assert services.alerts_escalate(after(60)) == 0
        assert AlertEvent.objects.filter(alert=alert).count() == 1

    def test_nobody_on_the_roster_goes_straight_to_the_final_physician_never_the_lowest_id(
        self, at_home, ward, ward_nurse, doctors, region
    ):
        elsewhere = make_unit(region, "Medicinakuten", "ward", "AKUT", beds=20)
        hospital_on_call = make_staff("primarjour", "physician", elsewhere)
        services.escalation_final_set(
            staff=ward_nurse, unit=ward, physician=hospital_on_call, instruction=""
        )
        alert = red_alert(at_home)
        assert services.alerts_escalate(after(16)) == 1
        alert.refresh_from_db()
        assert alert.escalation_step == 3 and alert.escalated_to == hospital_on_call
        assert not Task.objects.filter(owner=doctors["a"]).exists()  # the ward's lowest id
        assert Task.objects.filter(owner=hospital_on_call, episode=at_home).exists()

    def test_a_ward_that_configured_nothing_gets_a_failed_escalation_on_its_alert_page(
        self, at_home, ward, ward_nurse, doctors, client
    ):
        alert = red_alert(at_home)
        assert services.alerts_escalate(after(16)) == 1
        alert.refresh_from_db()
        assert alert.escalation_failed and alert.escalated_to is None
        assert alert.escalation_step == 3
        event = alert.events.get()
        assert event.kind == "failed" and event.to_staff is None
        assert not Task.objects.filter(owner__isnull=False).exists()  # nobody arbitrary
        assert Task.objects.filter(owner_unit=ward, title__startswith="Eskaleringen").exists()
        assert services.alerts_escalate(after(100)) == 0  # failed once, not again
        page = client_for(client, ward_nurse).get(ALERTS).content.decode()
        assert "Eskaleringen misslyckades för 1 larm" in page
        assert "Avdelningen har ingen jourlista och inget sista eskaleringssteg" in page

    def test_an_on_call_physician_without_deputy_or_final_step_fails_after_step_one(
        self, at_home, ward, ward_nurse, doctors
    ):
        roster(ward, ward_nurse, "day", doctors["a"])
        alert = red_alert(at_home)
        services.alerts_escalate(after(16))
        services.alerts_escalate(after(32))
        alert.refresh_from_db()
        assert alert.escalation_failed
        assert list(alert.events.values_list("step", "kind")) == [
            (1, "escalated"),
            (3, "failed"),
        ]

    def test_jag_har_jouren_takes_the_current_slot_until_it_ends(
        self, at_home, ward, ward_nurse, doctors
    ):
        roster(ward, ward_nurse, "day", doctors["a"], doctors["b"])
        roster(ward, ward_nurse, "evening", doctors["a"], doctors["b"])
        services.duty_physician_set(staff=doctors["c"], unit=ward)
        DutyPhysician.objects.update(since=after(-60))  # taken at 09:00
        chain = services.chain_for(ward, TUESDAY_10)
        assert chain.on_call == doctors["c"] and chain.deputy == doctors["b"] and chain.taken
        evening = services.chain_for(ward, local(2026, 12, 1, 17, 0))
        assert evening.on_call == doctors["a"] and not evening.taken

    def test_when_the_deputy_takes_the_slot_the_rostered_physician_backs_them_up(
        self, at_home, ward, ward_nurse, doctors
    ):
        roster(ward, ward_nurse, "day", doctors["a"], doctors["b"])
        services.duty_physician_set(staff=doctors["b"], unit=ward)
        DutyPhysician.objects.update(since=after(-60))
        chain = services.chain_for(ward, TUESDAY_10)
        assert (chain.on_call, chain.deputy) == (doctors["b"], doctors["a"])

    def test_a_patient_concern_is_not_escalated(self, at_home, ward, ward_nurse, doctors):
        roster(ward, ward_nurse, "day", doctors["a"], doctors["b"])
        services.observation_record(
            episode=at_home,
            values={"pulse": 72},
            source="patient",
            client_id="c1",
            feeling="worse",
            note="Ont",
        )
        Alert.objects.update(created_at=TUESDAY_10)
        assert Alert.objects.get().kind == Alert.Kind.PATIENT_CONCERN
        assert services.alerts_escalate(after(60)) == 0

    def test_the_worker_uses_the_real_clock_by_default(self, at_home, ward, ward_nurse, doctors):
        for slot in ("day", "evening", "night", "weekend"):
            roster(ward, ward_nurse, slot, doctors["a"])
        alert = red_alert(at_home, at=timezone.now() - timedelta(minutes=20))
        assert services.alerts_escalate() == 1
        alert.refresh_from_db()
        assert alert.escalated_to == doctors["a"]


class TestConcurrentClaim:
    def test_two_workers_claim_each_step_once(self, at_home, ward, ward_nurse, doctors):
        roster(ward, ward_nurse, "day", doctors["a"], doctors["b"])
        alert = red_alert(at_home)
        assert services.alerts_escalate(after(16)) == 1
        # A second worker that read the alert before the first one's claim.
        stale = Alert.objects.get(pk=alert.pk)
        stale.escalation_step = 0
        chain = services.chain_for(ward, after(16))
        from hemma.monitoring.services.escalation import _step

        assert _step(stale, chain, after(16)) is False
        assert AlertEvent.objects.filter(alert=alert).count() == 1
        assert Task.objects.filter(episode=at_home).count() == 1

    def test_the_timeline_holds_one_event_per_step(self, at_home, ward, ward_nurse, doctors):
        roster(ward, ward_nurse, "day", doctors["a"])
        alert = red_alert(at_home)
        services.alerts_escalate(after(16))
        with pytest.raises(Exception):  # noqa: B017 - the database's own IntegrityError
            from django.db import transaction

            with transaction.atomic():
                AlertEvent.objects.create(alert=alert, at=after(17), step=1, kind="escalated")

    @pytest.mark.django_db(transaction=True)
    def test_threads_escalate_once(self, at_home, ward, ward_nurse, doctors):
        if connection.vendor == "sqlite":
            pytest.skip("SQLite serialises writers; the claim is tested above")
        roster(ward, ward_nurse, "day", doctors["a"])
        red_alert(at_home)
        results = []

        def work():
            results.append(services.alerts_escalate(after(16)))
            connection.close()

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(results) == 1
        assert AlertEvent.objects.count() == 1


class TestRosterRules:
    def test_a_nurse_or_someone_of_another_ward_is_not_on_the_roster(
        self, ward, ward_nurse, doctors, region
    ):
        other_ward = make_unit(region, "Kirurgen", "ward", "KIR", beds=20)
        surgeon = make_staff("kirurg", "physician", other_ward)
        with pytest.raises(HemmaError, match="inte läkare på avdelningen"):
            roster(ward, ward_nurse, "day", ward_nurse)
        with pytest.raises(HemmaError, match="inte läkare på avdelningen"):
            roster(ward, ward_nurse, "day", doctors["a"], surgeon)
        with pytest.raises(HemmaError, match="annan läkare"):
            roster(ward, ward_nurse, "day", doctors["a"], doctors["a"])
        assert not DutyRosterEntry.objects.exists()

    def test_only_the_ward_keeps_its_roster(self, ward, home_nurse, home_health, doctors):
        with pytest.raises(NotAllowed):
            roster(home_health, home_nurse, "day", doctors["a"])
        with pytest.raises(NotAllowed):
            services.escalation_final_set(
                staff=home_nurse, unit=home_health, physician=None, instruction="x"
            )

    def test_the_final_step_is_a_physician_of_the_organisation(
        self, ward, ward_nurse, home_nurse, doctors
    ):
        with pytest.raises(HemmaError, match="inte läkare i organisationen"):
            services.escalation_final_set(
                staff=ward_nurse, unit=ward, physician=home_nurse, instruction=""
            )
        assert not EscalationFinalStep.objects.exists()


def form_data(**overrides):
    data = {
        f"{slot}-{field}": ""
        for slot in ("day", "evening", "night", "weekend")
        for field in ("on_call", "deputy")
    }
    return data | {"final-physician": "", "final-instruction": ""} | overrides


class TestRosterPage:
    def test_the_ward_fills_in_its_roster_and_the_alert_page_shows_who_is_on_duty(
        self, client, ward, ward_nurse, doctors
    ):
        as_nurse = client_for(client, ward_nurse)
        page = as_nurse.get(ROSTER)
        assert page.status_code == 200 and "Jourhavande läkare" in page.content.decode()
        data = form_data(
            **{
                "day-on_call": doctors["a"].pk,
                "day-deputy": doctors["b"].pk,
                "weekend-on_call": doctors["c"].pk,
                "final-instruction": "Ring sjukhusets primärjour 010-123 45 00",
            }
        )
        response = as_nurse.post(ROSTER, data)
        assert response.status_code == 302
        day = DutyRosterEntry.objects.get(ward=ward, slot="day")
        assert (day.on_call, day.deputy) == (doctors["a"], doctors["b"])
        assert DutyRosterEntry.objects.filter(ward=ward).count() == 2
        final = EscalationFinalStep.objects.get(ward=ward)
        assert final.instruction == "Ring sjukhusets primärjour 010-123 45 00"
        assert AdministrationLogEntry.objects.filter(detail__contains="jourlista day").exists()
        alerts_page = as_nurse.get(ALERTS).content.decode()
        assert "Ring sjukhusets primärjour 010-123 45 00" in alerts_page
        # Clearing a slot removes it.
        as_nurse.post(ROSTER, data | {"weekend-on_call": ""})
        assert not DutyRosterEntry.objects.filter(ward=ward, slot="weekend").exists()

    def test_a_nurse_or_a_physician_of_another_ward_is_a_form_error(
        self, client, ward, ward_nurse, doctors, region
    ):
        other_ward = make_unit(region, "Kirurgen", "ward", "KIR", beds=20)
        surgeon = make_staff("kirurg", "physician", other_ward)
        as_nurse = client_for(client, ward_nurse)
        for bad in (
            {"day-on_call": ward_nurse.pk},
            {"day-on_call": doctors["a"].pk, "day-deputy": surgeon.pk},
            {"day-on_call": doctors["a"].pk, "day-deputy": doctors["a"].pk},
            {"day-deputy": doctors["a"].pk},
            {"day-on_call": "x"},
        ):
            response = as_nurse.post(ROSTER, form_data(**bad))
            assert response.status_code == 400, bad
            assert 'class="errorlist"' in response.content.decode()
        assert not DutyRosterEntry.objects.exists()

    def test_a_bad_final_step_writes_no_half_roster(self, client, ward, ward_nurse, doctors):
        data = form_data(**{"day-on_call": doctors["a"].pk, "final-physician": ward_nurse.pk})
        response = client_for(client, ward_nurse).post(ROSTER, data)
        assert response.status_code == 400
        assert not DutyRosterEntry.objects.exists()

    def test_municipal_staff_and_other_units_are_refused(
        self, client, ward, home_nurse, outsider, coordinator, doctors
    ):
        for person in (home_nurse, outsider, coordinator):
            as_them = client_for(client, person)
            assert as_them.get(ROSTER).status_code == 403
            response = as_them.post(ROSTER, form_data(**{"day-on_call": doctors["a"].pk}))
            assert response.status_code == 403
        assert not DutyRosterEntry.objects.exists()

    def test_the_alert_page_shows_the_timeline_of_an_escalated_alert(
        self, client, at_home, ward, ward_nurse, doctors, settings
    ):
        settings.HEMMA_ALERT_ESCALATION_MINUTES = 15
        roster(ward, ward_nurse, "day", doctors["a"], doctors["b"])
        red_alert(at_home)
        services.alerts_escalate(after(16))
        services.alerts_escalate(after(32))
        page = client_for(client, ward_nurse).get(ALERTS).content.decode()
        assert 'class="alert-timeline' in page
        assert "Steg 1 (Jourhavande läkare)" in page and "Steg 2 (Bakjour/ersättare)" in page
        assert "Doca Test" in page and "Docb Test" in page
        episode_page = client_for(client, ward_nurse).get(
            reverse("monitoring:episode", args=[at_home.pk])
        )
        assert "Steg 2 (Bakjour/ersättare)" in episode_page.content.decode()


class TestRetryAfterFailure:
    """A failed escalation is tried again once the ward has someone new to reach."""

    @pytest.fixture(autouse=True)
    def _interval(self, settings):
        settings.HEMMA_ALERT_ESCALATION_MINUTES = 15

    def test_a_failed_alert_goes_to_the_physician_put_on_the_roster_afterwards(
        self, at_home, ward, ward_nurse, doctors, client
    ):
        alert = red_alert(at_home)
        services.alerts_escalate(after(16))
        alert.refresh_from_db()
        assert alert.escalation_failed
        roster(ward, ward_nurse, "day", doctors["b"])
        assert services.alerts_escalate(after(20)) == 1
        alert.refresh_from_db()
        assert not alert.escalation_failed and alert.escalated_to == doctors["b"]
        assert list(alert.events.values_list("round", "step", "kind")) == [
            (0, 3, "failed"),
            (1, 1, "escalated"),
        ]
        assert Task.objects.filter(owner=doctors["b"], episode=at_home).count() == 1
        page = client_for(client, ward_nurse).get(ALERTS).content.decode()
        assert "Nytt försök 1:" in page

    def test_a_chain_with_nobody_new_is_not_retried_in_a_loop(
        self, at_home, ward, ward_nurse, doctors
    ):
        roster(ward, ward_nurse, "day", doctors["a"])
        alert = red_alert(at_home)
        services.alerts_escalate(after(16))
        services.alerts_escalate(after(32))
        alert.refresh_from_db()
        assert alert.escalation_failed
        for minutes in (48, 64, 200):
            assert services.alerts_escalate(after(minutes)) == 0
        assert alert.events.count() == 2
        assert Task.objects.filter(owner=doctors["a"]).count() == 1

    def test_an_acknowledged_failed_alert_is_not_retried(self, at_home, ward, ward_nurse, doctors):
        alert = red_alert(at_home)
        services.alerts_escalate(after(16))
        Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.ACKNOWLEDGED)
        roster(ward, ward_nurse, "day", doctors["b"])
        assert services.alerts_escalate(after(20)) == 0
        assert alert.events.count() == 1

    def test_the_retried_round_goes_on_to_the_deputy(self, at_home, ward, ward_nurse, doctors):
        alert = red_alert(at_home)
        services.alerts_escalate(after(16))
        roster(ward, ward_nurse, "day", doctors["a"], doctors["b"])
        services.alerts_escalate(after(20))
        services.alerts_escalate(after(36))
        alert.refresh_from_db()
        assert alert.escalation_round == 1 and alert.escalated_to == doctors["b"]
        assert list(alert.events.values_list("round", "step")) == [(0, 3), (1, 1), (1, 2)]
