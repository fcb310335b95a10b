"""The patient's training checklist: ticked and unticked by the ward or the visiting team,
each change logged, shown on the episode page as "Utbildning av patienten: n av m"."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from hemma.audit.models import AccessLogEntry
from hemma.competence import selectors, services
from hemma.competence.models import TrainingCheck
from hemma.errors import HemmaError, NotAllowed
from hemma.patients.models import CareRelationship
from tests.conftest import client_for, make_staff
from tests.flow import write_agreement

pytestmark = pytest.mark.django_db


def url(episode):
    return reverse("competence:training", args=[episode.pk])


def post(client, episode, item, action="tick"):
    return client.post(url(episode), {"item": item, "action": action})


class TestItems:
    def test_an_early_discharge_before_the_agreement_has_seven(self, at_home):
        assert len(selectors.training_items(at_home)) == 7

    def test_the_agreement_decides_pump_and_line(self, at_home, ward_nurse, make_episode):
        write_agreement(at_home, ward_nurse)  # OPAT: pump and PICC/PVK
        assert len(selectors.training_items(at_home)) == 7
        acute = make_episode(pathway="admission_avoidance")
        write_agreement(acute, ward_nurse, "Akut internmedicin i hemmet")
        assert selectors.training_items(acute) == [
            "measure_pulse_spo2",
            "measure_blood_pressure",
            "measure_temperature",
            "red_message",
        ]

    def test_stroke_esd_has_the_tablet_only(self, make_episode):
        assert len(selectors.training_items(make_episode(pathway="stroke_esd"))) == 4


class TestTicking:
    def test_the_ward_ticks_and_the_episode_page_counts(self, as_ward_nurse, at_home, ward_nurse):
        for item in ("measure_pulse_spo2", "measure_temperature", "red_message", "pump_alarm"):
            assert post(as_ward_nurse, at_home, item).status_code == 302
        check = TrainingCheck.objects.get(episode=at_home, item="pump_alarm")
        assert check.ticked_by == ward_nurse and check.ticked_unit == at_home.ward
        body = as_ward_nurse.get(reverse("episodes:detail", args=[at_home.pk])).content.decode()
        assert "Utbildning av patienten: 4 av 7" in body
        entry = AccessLogEntry.objects.filter(
            patient=at_home.patient, action=AccessLogEntry.Action.EDIT_PATIENT
        ).latest("pk")
        assert "training ticked: pump_alarm" in entry.detail

    def test_the_visiting_team_ticks_too(self, as_home_nurse, at_home, home_nurse):
        assert post(as_home_nurse, at_home, "line_care").status_code == 302
        assert TrainingCheck.objects.get(episode=at_home).ticked_by == home_nurse

    def test_untick_keeps_who_ticked_and_who_took_it_back(
        self, as_ward_nurse, at_home, ward_nurse, home_nurse
    ):
        services.training_tick(
            staff=home_nurse, unit=at_home.home_health_unit, episode=at_home, item="pump_connect"
        )
        post(as_ward_nurse, at_home, "pump_connect", "untick")
        check = TrainingCheck.objects.get(episode=at_home)
        assert check.ticked_by == home_nurse and check.unticked_by == ward_nurse
        assert check.unticked_unit == at_home.ward and check.unticked_at is not None
        assert selectors.training_status(at_home).done == 0
        assert AccessLogEntry.objects.filter(detail__contains="training unticked: pump_connect")
        body = as_ward_nurse.get(url(at_home)).content.decode()
        assert "Borttagna bockar" in body and "borttagen av Wardnurse Test" in body
        # and ticked again: a new row, the old one kept
        post(as_ward_nurse, at_home, "pump_connect")
        assert TrainingCheck.objects.filter(episode=at_home).count() == 2

    def test_ticking_twice_stores_one(self, at_home, ward_nurse):
        for _ in range(2):
            services.training_tick(
                staff=ward_nurse, unit=at_home.ward, episode=at_home, item="red_message"
            )
        assert TrainingCheck.objects.filter(episode=at_home).count() == 1

    def test_the_database_holds_one_tick_per_item(self, at_home, ward_nurse):
        services.training_tick(
            staff=ward_nurse, unit=at_home.ward, episode=at_home, item="red_message"
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            TrainingCheck.objects.create(
                episode=at_home,
                item="red_message",
                ticked_by=ward_nurse,
                ticked_unit=at_home.ward,
                ticked_at=at_home.created_at,
            )

    def test_an_item_that_does_not_apply_is_refused(self, as_ward_nurse, make_episode):
        stroke = make_episode(pathway="stroke_esd")
        response = post(as_ward_nurse, stroke, "pump_connect")
        assert response.status_code == 302
        assert not TrainingCheck.objects.exists()
        body = as_ward_nurse.get(url(stroke)).content.decode()
        assert "Momentet gäller inte den här patientens vård i hemmet." in body

    def test_an_unknown_item_is_an_error_not_a_500(self, as_ward_nurse, at_home):
        assert post(as_ward_nurse, at_home, "juggling").status_code == 302
        assert not TrainingCheck.objects.exists()

    def test_untick_of_an_item_not_ticked_is_an_error(self, at_home, ward_nurse):
        with pytest.raises(HemmaError):
            services.training_untick(
                staff=ward_nurse, unit=at_home.ward, episode=at_home, item="red_message"
            )

    def test_a_closed_episode_is_not_ticked(self, at_home, ward_nurse):
        at_home.state = "discharged"
        at_home.save()
        with pytest.raises(NotAllowed):
            services.training_tick(
                staff=ward_nurse, unit=at_home.ward, episode=at_home, item="red_message"
            )


class TestWhoMay:
    def test_primary_care_reads_but_may_not_tick(self, client, at_home, primary_care):
        CareRelationship.objects.create(patient=at_home.patient, unit=primary_care)
        coordinator = make_staff("vcnurse", "nurse", primary_care)  # a reader of the record
        as_coordinator = client_for(client, coordinator)
        assert as_coordinator.get(url(at_home)).status_code == 200
        assert "Klarar det" not in as_coordinator.get(url(at_home)).content.decode()
        before = AccessLogEntry.objects.filter(outcome=AccessLogEntry.Outcome.DENIED).count()
        assert post(as_coordinator, at_home, "red_message").status_code == 403
        assert not TrainingCheck.objects.exists()
        after = AccessLogEntry.objects.filter(outcome=AccessLogEntry.Outcome.DENIED).count()
        assert after == before + 1

    def test_the_service_refuses_too(self, at_home, primary_care):
        coordinator = make_staff("vcnurse", "nurse", primary_care)
        with pytest.raises(NotAllowed):
            services.training_tick(
                staff=coordinator, unit=primary_care, episode=at_home, item="red_message"
            )

    def test_home_care_gets_a_404(self, client, home_care_staff, at_home):
        as_home_care = client_for(client, home_care_staff)
        assert as_home_care.get(url(at_home)).status_code == 404
        assert post(as_home_care, at_home, "red_message").status_code == 404
        assert not TrainingCheck.objects.exists()

    def test_another_ward_gets_a_404(self, client, other_ward_nurse, at_home):
        response = post(client_for(client, other_ward_nurse), at_home, "red_message")
        assert response.status_code == 404
        assert not TrainingCheck.objects.exists()
