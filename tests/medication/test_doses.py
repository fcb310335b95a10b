"""Scheduled doses from the current list, recorded once as given / not given / delayed by
the visiting nurse or the ward, and the ward's alert for a missed or late dose."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.medication import services
from hemma.medication.models import DoseAdministration
from hemma.monitoring.models import Alert
from tests.conftest import client_for

from .conftest import IV, local

pytestmark = pytest.mark.django_db


def times_of(episode):
    return [(d.due_at, d.drug, d.dose) for d in DoseAdministration.objects.filter(episode=episode)]


class TestSchedule:
    def test_the_list_gives_the_iv_doses_of_the_coming_days(self, listed, today):
        tomorrow = today + timedelta(days=1)
        # From the patient's homecoming (06:00) to the end of tomorrow; no tablet is scheduled.
        assert times_of(listed.episode) == [
            (local(today, 8), "Cefotaxim", "1 g"),
            (local(today, 16), "Cefotaxim", "1 g"),
            (local(tomorrow, 0), "Cefotaxim", "1 g"),
            (local(tomorrow, 8), "Cefotaxim", "1 g"),
            (local(tomorrow, 16), "Cefotaxim", "1 g"),
        ]

    def test_scheduling_again_changes_nothing(self, listed, today):
        before = times_of(listed.episode)
        assert services.doses_schedule(episode=listed.episode, now=local(today, 9)) == 0
        assert times_of(listed.episode) == before

    def test_a_new_dose_moves_the_planned_doses_and_keeps_the_recorded(
        self, listed, physician, ward, home_nurse, home_health, today
    ):
        first = DoseAdministration.objects.get(due_at=local(today, 8))
        services.dose_record(
            staff=home_nurse,
            unit=home_health,
            dose=first,
            outcome="given",
            given_at=local(today, 8, 5),
            now=local(today, 8, 10),
        )
        services.medication_list_save(
            staff=physician,
            unit=ward,
            episode=listed.episode,
            items=[IV | {"dose": "2 g", "starts_on": today}],
            reason="Högre dos",
            now=local(today, 10),
        )
        doses = times_of(listed.episode)
        assert doses[0] == (local(today, 8), "Cefotaxim", "1 g")  # given: as it was
        assert {dose for _at, _drug, dose in doses[1:]} == {"2 g"}
        assert len(doses) == 5

    def test_the_course_end_stops_the_doses_after_its_last_day(
        self, listed, physician, ward, today
    ):
        item = listed.items.get(drug="Cefotaxim")
        version = services.medication_course_end(
            staff=physician,
            unit=ward,
            item=item,
            ends_on=today - timedelta(days=0),
            reason="Klar med kuren",
            now=local(today, 9),
        )
        assert version.number == 2 and version.kind == "course_end"
        tomorrow = today + timedelta(days=1)
        # The last day's doses, its 24:00 dose included; none after it.
        assert [at for at, _d, _x in times_of(listed.episode)] == [
            local(today, 8),
            local(today, 16),
            local(tomorrow, 0),
        ]

    def test_the_switch_to_tablets_ends_iv_the_day_before(self, listed, physician, ward, today):
        item = listed.items.get(drug="Cefotaxim")
        tomorrow = today + timedelta(days=1)
        version = services.medication_switch_to_oral(
            staff=physician,
            unit=ward,
            item=item,
            drug="Cefuroxim",
            dose="500 mg",
            times="08, 20",
            starts_on=tomorrow,
            ends_on=tomorrow + timedelta(days=5),
            reason="Feberfri, äter och dricker",
            now=local(today, 9),
        )
        items = list(version.items.all())
        assert [(i.drug, i.route, i.ends_on) for i in items[:2]] == [
            ("Cefotaxim", "iv", today),
            ("Cefuroxim", "po", tomorrow + timedelta(days=5)),
        ]
        # Tablets are listed, not scheduled: the IV doses end with today's 24:00.
        assert [at for at, _d, _x in times_of(listed.episode)][-1] == local(tomorrow, 0)
        with pytest.raises(HemmaError):
            services.medication_switch_to_oral(
                staff=physician,
                unit=ward,
                item=item,  # no longer in the current version
                drug="x",
                dose="x",
                times="08",
                starts_on=tomorrow,
                ends_on=None,
                reason="x",
            )

    def test_no_doses_before_the_patient_is_home(self, at_home, physician, ward, today):
        at_home.state = "preparing"
        at_home.save()
        services.medication_list_save(
            staff=physician, unit=ward, episode=at_home, items=[IV], reason="x"
        )
        assert not DoseAdministration.objects.exists()


def dose_at(episode, day, hour):
    return DoseAdministration.objects.get(episode=episode, due_at=local(day, hour))


class TestRecording:
    def test_the_home_health_nurse_records_a_dose_given(
        self, listed, home_nurse, home_health, today
    ):
        dose = services.dose_record(
            staff=home_nurse,
            unit=home_health,
            dose=dose_at(listed.episode, today, 8),
            outcome="given",
            given_at=local(today, 8, 10),
            now=local(today, 8, 15),
        )
        assert (dose.status, dose.recorded_by, dose.recorded_unit) == (
            "given",
            home_nurse,
            home_health,
        )
        assert not Alert.objects.exists()

    @pytest.mark.parametrize(
        ("outcome", "given_at", "reason", "message"),
        [
            ("not_given", None, "", "varför"),
            ("given", (12, 0), "", "framtiden"),
            ("given", (5, 0), "", "före den planerade"),
            ("given", (10, 0), "", "försenad"),
            ("delayed", (7, 59), "", "efter den planerade"),
        ],
    )
    def test_it_refuses_what_cannot_be_and_saves_nothing(
        self, listed, home_nurse, home_health, today, outcome, given_at, reason, message
    ):
        dose = dose_at(listed.episode, today, 8)
        with pytest.raises(HemmaError, match=message):
            services.dose_record(
                staff=home_nurse,
                unit=home_health,
                dose=dose,
                outcome=outcome,
                given_at=local(today, *given_at) if given_at else None,
                reason=reason,
                now=local(today, 11),
            )
        dose.refresh_from_db()
        assert dose.status == "planned" and dose.recorded_at is None
        assert not Alert.objects.exists()

    def test_a_second_recording_is_a_conflict_not_a_second_row(
        self, listed, home_nurse, home_health, ward_nurse, ward, today
    ):
        dose = dose_at(listed.episode, today, 8)
        services.dose_record(
            staff=home_nurse, unit=home_health, dose=dose, outcome="given", now=local(today, 8)
        )
        with pytest.raises(Conflict):
            services.dose_record(
                staff=ward_nurse,
                unit=ward,
                dose=dose,
                outcome="not_given",
                reason="x",
                now=local(today, 8, 1),
            )
        assert DoseAdministration.objects.filter(due_at=local(today, 8)).count() == 1
        dose.refresh_from_db()
        assert dose.status == "given" and dose.recorded_by == home_nurse

    def test_not_given_alerts_the_ward_at_once_and_once(
        self, listed, home_nurse, home_health, ward, today
    ):
        dose = services.dose_record(
            staff=home_nurse,
            unit=home_health,
            dose=dose_at(listed.episode, today, 8),
            outcome="not_given",
            reason="PICC-linjen stopp",
            now=local(today, 8, 30),
        )
        alert = Alert.objects.get()
        assert (alert.kind, alert.unit, alert.level) == ("missed_dose", ward, "low_medium")
        assert "Cefotaxim 1 g iv" in alert.reasons[0] and "PICC-linjen stopp" in alert.reasons[0]
        assert dose.alert == alert
        assert services.doses_overdue_check(now=local(today, 12)) == 0
        assert Alert.objects.count() == 1

    def test_a_delayed_dose_beyond_the_tolerance_alerts_within_it_not(
        self, listed, home_nurse, home_health, today
    ):
        services.dose_record(
            staff=home_nurse,
            unit=home_health,
            dose=dose_at(listed.episode, today, 8),
            outcome="delayed",
            given_at=local(today, 8, 45),
            now=local(today, 9),
        )
        assert not Alert.objects.exists()
        services.dose_record(
            staff=home_nurse,
            unit=home_health,
            dose=dose_at(listed.episode, today, 16),
            outcome="delayed",
            given_at=local(today, 17, 30),
            now=local(today, 17, 35),
        )
        alert = Alert.objects.get()
        assert "för sent, kl. 17:30" in alert.reasons[0]

    def test_municipal_nurse_after_consent_revoked_and_primary_care_may_not(
        self, listed, home_nurse, home_health, coordinator, primary_care, today
    ):
        from hemma.patients.models import CareRelationship

        CareRelationship.objects.create(patient=listed.episode.patient, unit=primary_care)
        with pytest.raises(NotAllowed):
            services.dose_record(
                staff=coordinator,
                unit=primary_care,
                dose=dose_at(listed.episode, today, 8),
                outcome="given",
                now=local(today, 8),
            )


class TestMissedDose:
    def test_an_unrecorded_dose_alerts_once_after_the_tolerance(self, listed, ward, today):
        assert services.doses_overdue_check(now=local(today, 9)) == 0  # within the hour
        assert services.doses_overdue_check(now=local(today, 9, 1)) == 1
        assert services.doses_overdue_check(now=local(today, 9, 30)) == 0  # not twice
        alert = Alert.objects.get()
        assert alert.kind == Alert.Kind.MISSED_DOSE and alert.unit == ward
        assert f"kl. {today.isoformat()} 08:00: ingen registrering" in alert.reasons[0]
        assert dose_at(listed.episode, today, 8).alert == alert

    def test_the_tolerance_is_a_setting(self, listed, settings, today):
        settings.HEMMA_DOSE_TOLERANCE_MINUTES = 15
        assert services.doses_overdue_check(now=local(today, 8, 16)) == 1

    def test_a_dose_recorded_late_after_the_alert_raises_no_second(
        self, listed, home_nurse, home_health, today
    ):
        services.doses_overdue_check(now=local(today, 9, 30))
        services.dose_record(
            staff=home_nurse,
            unit=home_health,
            dose=dose_at(listed.episode, today, 8),
            outcome="delayed",
            given_at=local(today, 9, 40),
            now=local(today, 9, 45),
        )
        assert Alert.objects.count() == 1

    def test_the_worker_runs_the_check(self, listed, monkeypatch, today):
        from django.utils import timezone

        monkeypatch.setattr(timezone, "now", lambda: local(today, 10))
        out = StringIO()
        call_command("monitor", "--once", stdout=out)
        assert "doses 1" in out.getvalue()
        assert Alert.objects.filter(kind="missed_dose").count() == 1

    def test_no_alert_for_an_episode_no_longer_at_home(self, listed, today):
        listed.episode.state = "readmitted"
        listed.episode.save()
        assert services.doses_overdue_check(now=local(today, 12)) == 0


class TestPages:
    def test_the_nurse_records_from_the_episodes_page(
        self, client, listed, home_nurse, today, monkeypatch
    ):
        from django.utils import timezone

        monkeypatch.setattr(timezone, "now", lambda: local(today, 8, 20))
        as_nurse = client_for(client, home_nurse)
        page = as_nurse.get(reverse("medication:episode", args=[listed.episode.pk]))
        assert page.context["may_record"] and len(page.context["doses"]) == 2  # 24:00 is tomorrow
        dose = dose_at(listed.episode, today, 8)
        url = reverse("medication:dose_record", args=[dose.pk])
        as_nurse.post(url, {"outcome": "given", "given_at": "08:10"})
        dose.refresh_from_db()
        assert dose.status == "given" and dose.given_at == local(today, 8, 10)
        again = as_nurse.post(url, {"outcome": "not_given", "reason": "x"}, follow=True)
        assert "redan registrerad" in again.content.decode()
        assert DoseAdministration.objects.filter(status="given").count() == 1
        no_reason = dose_at(listed.episode, today, 16)
        response = as_nurse.post(
            reverse("medication:dose_record", args=[no_reason.pk]),
            {"outcome": "not_given"},
            follow=True,
        )
        assert response.status_code == 200 and "varför dosen inte gavs" in response.content.decode()

    def test_a_bad_dose_record_comes_back_in_its_row(
        self, client, listed, home_nurse, today, monkeypatch
    ):
        """Issue 19: the typed values kept and the errors in the dose's row, once."""
        from django.utils import timezone

        monkeypatch.setattr(timezone, "now", lambda: local(today, 8, 20))
        as_nurse = client_for(client, home_nurse)
        dose = dose_at(listed.episode, today, 8)
        url = reverse("medication:dose_record", args=[dose.pk])
        data = {"outcome": "delayed", "given_at": "25:99", "reason": "Sov"}
        response = as_nurse.post(url, data, follow=True)
        body = response.content.decode()
        assert "Inget sparades: rätta de markerade fälten." in body
        row = body[body.index(f'action="{url}"') :]
        row = row[: row.index("</form>")]
        assert '<option value="delayed" selected>' in row and 'value="Sov"' in row
        assert 'value="25:99" aria-invalid="true"' in row and "Given kl.: " in row
        dose.refresh_from_db()
        assert not dose.is_recorded
        page = as_nurse.get(reverse("medication:episode", args=[listed.episode.pk]))
        assert 'aria-invalid="true"' not in page.content.decode()

    def test_a_dose_given_at_2350_for_the_midnight_dose_is_the_evening_before(self, today):
        from hemma.medication.views import near

        midnight = local(today + timedelta(days=1), 0)
        clock = local(today, 23, 50).timetz().replace(tzinfo=None)
        assert near(midnight, clock) == local(today, 23, 50)

    def test_the_ward_nurse_sees_the_doses_but_primary_care_may_not_record(
        self, client, listed, coordinator, primary_care, today
    ):
        from hemma.patients.models import CareRelationship

        CareRelationship.objects.create(patient=listed.episode.patient, unit=primary_care)
        as_coordinator = client_for(client, coordinator)
        page = as_coordinator.get(reverse("medication:episode", args=[listed.episode.pk]))
        assert page.status_code == 200 and not page.context["may_record"]
        dose = dose_at(listed.episode, today, 8)
        response = as_coordinator.post(
            reverse("medication:dose_record", args=[dose.pk]), {"outcome": "given"}
        )
        assert response.status_code == 403
        dose.refresh_from_db()
        assert dose.status == "planned"
