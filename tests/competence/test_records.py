"""The competence transfer: a visiting unit's staff trained in a skill by whom and when,
recorded by the trainer's unit (a ward that sends it patients) or the unit's manager."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from hemma.competence import rules, services
from hemma.competence.models import CompetenceRecord
from hemma.errors import HemmaError, NotAllowed
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def sends_patients(at_home):
    """The ward has an episode with the home health unit visiting: it trains its staff."""
    return at_home


def record(staff, unit, for_unit, trainee, **overrides):
    data = {
        "skill": "picc",
        "trained_on": TODAY - timedelta(days=3),
        "valid_until": TODAY + timedelta(days=365),
        "trainer": None,
        "trainer_name": "PICC-sjuksköterska Eva",
    }
    return services.competence_record(
        staff=staff, unit=unit, for_unit=for_unit, trainee=trainee, **{**data, **overrides}
    )


def form(trainee, **overrides):
    data = {
        "staff": trainee.pk,
        "skill": "infusion_pump",
        "trained_on": (TODAY - timedelta(days=1)).isoformat(),
        "valid_until": "",
        "trainer": "",
        "trainer_name": "",
    }
    return {**data, **overrides}


class TestValidation:
    @pytest.fixture
    def good(self, sends_patients, ward_nurse, ward, home_health, home_nurse):
        return lambda **overrides: record(ward_nurse, ward, home_health, home_nurse, **overrides)

    def test_a_record_by_the_wards_nurse(self, good, ward_nurse, home_nurse):
        made = good(trainer=ward_nurse, trainer_name="")
        assert made.trainer_display == "Wardnurse Test" and made.staff == home_nurse
        assert made.recorded_by == ward_nurse and made.is_valid_on(TODAY)
        assert not made.is_valid_on(TODAY + timedelta(days=366))

    @pytest.mark.parametrize(
        "overrides, message",
        [
            ({"trained_on": TODAY + timedelta(days=1)}, "Utbildningsdagen ligger i framtiden."),
            (
                {"valid_until": TODAY - timedelta(days=3)},
                "Giltig till måste vara efter utbildningsdagen.",
            ),
            (
                {
                    "trained_on": TODAY - timedelta(days=400),
                    "valid_until": TODAY - timedelta(days=1),
                },
                "Kompetensen har redan gått ut.",
            ),
            ({"skill": "juggling"}, "Okänd kompetens."),
            ({"trainer_name": "  "}, "Ange vem som utbildade"),
        ],
    )
    def test_it_refuses_bad_input(self, good, overrides, message):
        with pytest.raises(HemmaError, match=message):
            good(**overrides)
        assert not CompetenceRecord.objects.exists()

    def test_a_trainer_in_the_list_or_a_name_not_both(self, good, ward_nurse):
        with pytest.raises(HemmaError, match="inte båda"):
            good(trainer=ward_nurse)

    def test_nobody_trains_themselves(self, good, home_health, home_nurse, home_health_manager):
        with pytest.raises(HemmaError, match="sig själv"):
            record(
                home_health_manager,
                home_health,
                home_health,
                home_nurse,
                trainer=home_nurse,
                trainer_name="",
            )

    def test_the_trainer_works_on_a_ward_that_trains_the_unit(self, good, other_ward_nurse):
        with pytest.raises(HemmaError, match="arbetar inte på en avdelning"):
            good(trainer=other_ward_nurse, trainer_name="")

    def test_the_trainee_works_on_the_unit(self, sends_patients, ward_nurse, ward, home_health):
        with pytest.raises(HemmaError, match="arbetar inte på enheten"):
            record(ward_nurse, ward, home_health, ward_nurse)

    def test_the_database_refuses_a_record_without_trainer(self, good, ward_nurse, home_nurse):
        made = good()
        with pytest.raises(IntegrityError), transaction.atomic():
            CompetenceRecord.objects.filter(pk=made.pk).update(trainer_name="")
        with pytest.raises(IntegrityError), transaction.atomic():
            CompetenceRecord.objects.filter(pk=made.pk).update(valid_until=made.trained_on)
        with pytest.raises(IntegrityError), transaction.atomic():
            CompetenceRecord.objects.filter(pk=made.pk).update(skill="juggling")

    def test_withdrawn_with_a_reason_and_no_longer_valid(self, good, ward_nurse, ward):
        made = good()
        with pytest.raises(HemmaError):
            services.competence_withdraw(staff=ward_nurse, unit=ward, record=made, reason=" ")
        services.competence_withdraw(staff=ward_nurse, unit=ward, record=made, reason="Fel person")
        made.refresh_from_db()
        assert made.withdrawn_by == ward_nurse and not made.is_valid_on(TODAY)
        assert CompetenceRecord.objects.count() == 1  # kept, never deleted


class TestWhoMay:
    def test_the_rules(
        self,
        sends_patients,
        ward_nurse,
        ward,
        home_health,
        home_nurse,
        home_health_manager,
        other_ward_nurse,
        other_ward,
    ):
        assert rules.may_record(staff=ward_nurse, acting_unit=ward, unit=home_health)
        assert rules.may_record(
            staff=home_health_manager, acting_unit=home_health, unit=home_health
        )
        assert not rules.may_record(staff=home_nurse, acting_unit=home_health, unit=home_health)
        assert rules.may_read(staff=home_nurse, acting_unit=home_health, unit=home_health)
        assert not rules.may_read(staff=other_ward_nurse, acting_unit=other_ward, unit=home_health)
        # a ward is no visiting unit: nobody records competences for it here
        assert not rules.may_record(staff=ward_nurse, acting_unit=ward, unit=ward)

    def test_the_service_refuses_a_member_who_is_no_manager(
        self, sends_patients, home_health, home_nurse
    ):
        with pytest.raises(NotAllowed):
            record(home_nurse, home_health, home_health, home_nurse)

    def test_the_ward_records_through_the_form(
        self, sends_patients, as_ward_nurse, home_health, home_nurse, ward_nurse
    ):
        url = reverse("competence:unit", args=[home_health.pk])
        page = as_ward_nurse.get(url)
        assert page.status_code == 200 and "Registrera utbildning" in page.content.decode()
        response = as_ward_nurse.post(url, form(home_nurse, trainer=ward_nurse.pk))
        assert response.status_code == 302
        made = CompetenceRecord.objects.get()
        assert made.skill == "infusion_pump" and made.trainer == ward_nurse
        assert made.recorded_unit == sends_patients.ward
        body = as_ward_nurse.get(url).content.decode()
        assert "Antibiotikapump (infusionspump)" in body and "tills vidare" in body

    def test_bad_form_input_is_a_400_with_the_reason(
        self, sends_patients, as_ward_nurse, home_health, home_nurse
    ):
        url = reverse("competence:unit", args=[home_health.pk])
        tomorrow = (TODAY + timedelta(days=1)).isoformat()
        response = as_ward_nurse.post(url, form(home_nurse, trained_on=tomorrow, trainer_name="X"))
        assert response.status_code == 400
        assert "Utbildningsdagen ligger i framtiden." in response.content.decode()
        response = as_ward_nurse.post(url, form(home_nurse, skill="juggling", trainer_name="X"))
        assert response.status_code == 400
        response = as_ward_nurse.post(url, form(home_nurse))  # no trainer
        assert response.status_code == 400 and "Ange vem som utbildade" in response.content.decode()
        assert not CompetenceRecord.objects.exists()

    def test_a_member_reads_but_may_not_record(
        self, sends_patients, as_home_nurse, home_health, home_nurse
    ):
        url = reverse("competence:unit", args=[home_health.pk])
        page = as_home_nurse.get(url)
        assert page.status_code == 200 and "Registrera utbildning" not in page.content.decode()
        assert as_home_nurse.post(url, form(home_nurse, trainer_name="X")).status_code == 403
        assert not CompetenceRecord.objects.exists()

    def test_the_units_manager_records(
        self, sends_patients, client, home_health, home_nurse, home_health_manager
    ):
        url = reverse("competence:unit", args=[home_health.pk])
        as_manager = client_for(client, home_health_manager)
        assert (
            as_manager.post(url, form(home_nurse, trainer_name="Leverantören")).status_code == 302
        )
        assert CompetenceRecord.objects.get().recorded_by == home_health_manager

    def test_another_ward_gets_a_403(
        self, sends_patients, client, other_ward_nurse, home_health, home_nurse
    ):
        url = reverse("competence:unit", args=[home_health.pk])
        as_other = client_for(client, other_ward_nurse)
        assert as_other.get(url).status_code == 403
        assert as_other.post(url, form(home_nurse, trainer_name="X")).status_code == 403
        assert not CompetenceRecord.objects.exists()

    def test_a_ward_that_sends_no_patients_gets_a_403(self, as_ward_nurse, home_health):
        url = reverse("competence:unit", args=[home_health.pk])
        assert as_ward_nurse.get(url).status_code == 403

    def test_withdraw_by_someone_else_is_a_403(
        self, sends_patients, ward_nurse, ward, home_health, home_nurse, as_home_nurse
    ):
        made = record(ward_nurse, ward, home_health, home_nurse)
        url = reverse("competence:withdraw", args=[made.pk])
        assert as_home_nurse.post(url, {"reason": "x"}).status_code == 403
        made.refresh_from_db()
        assert made.withdrawn_at is None

    def test_an_unknown_unit_or_record_is_a_404(self, as_ward_nurse):
        assert as_ward_nurse.get(reverse("competence:unit", args=[999999])).status_code == 404
        url = reverse("competence:withdraw", args=[999999])
        assert as_ward_nurse.post(url, {"reason": "x"}).status_code == 404

    def test_the_units_list_shows_the_units_the_ward_trains(
        self, sends_patients, as_ward_nurse, home_health
    ):
        body = as_ward_nurse.get(reverse("competence:units")).content.decode()
        assert reverse("competence:unit", args=[home_health.pk]) in body
