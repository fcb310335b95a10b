"""Entering a lab result on the episode's lab page: the ward and the visiting team may,
with field errors in Swedish for an implausible value, a time in the future or before the
episode and an unknown analyte; anyone else meets 403/404 with a denied entry and
nothing stored."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.errors import HemmaError, NotAllowed
from hemma.labs import services
from hemma.labs.models import LabResult
from hemma.patients.models import CareRelationship
from hemma.patients.services import sharing_consent_revoke
from tests.conftest import client_for, make_staff

pytestmark = pytest.mark.django_db


def url(episode):
    return reverse("labs:episode", args=[episode.pk])


def text(response):
    return response.content.decode()


class TestEntry:
    def test_the_ward_enters_crp(self, client, at_home, ward_nurse, lab_form):
        response = client_for(client, ward_nurse).post(url(at_home), lab_form(value="112"))
        assert response.status_code == 302
        result = LabResult.objects.get()
        assert (result.analyte, result.value, result.source) == ("crp", Decimal("112"), "ward")
        assert result.entered_by == ward_nurse and result.unit == at_home.ward
        assert AccessLogEntry.objects.filter(
            user=ward_nurse.user, action="edit_patient", detail__contains="lab result"
        ).exists()
        page = text(client.get(url(at_home)))
        assert "112 mg/L" in page and "chart-lab-crp" in page

    def test_home_health_enters_at_the_visit_with_a_decimal_comma(
        self, client, at_home, home_nurse, lab_form
    ):
        response = client_for(client, home_nurse).post(
            url(at_home), lab_form(analyte="kalium", value="4,1")
        )
        assert response.status_code == 302
        result = LabResult.objects.get()
        assert (result.value, result.source) == (Decimal("4.1"), "home_health")

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"value": "1200"}, "är inte rimligt"),
            ({"analyte": "kalium", "value": "41"}, "kontrollera värdet och enheten"),
            ({"value": "-3"}, "är inte rimligt"),
            ({"analyte": "glukos"}, "Okänd analys."),
            ({"value": "många"}, "Fyll i ett tal."),
        ],
    )
    def test_bad_values_are_field_errors(
        self, client, at_home, ward_nurse, lab_form, fields, message
    ):
        response = client_for(client, ward_nurse).post(url(at_home), lab_form(**fields))
        assert response.status_code == 400
        assert message in text(response)
        assert 'class="errorlist"' in text(response)
        assert not LabResult.objects.exists()

    def test_a_time_in_the_future_is_refused(self, client, at_home, ward_nurse, lab_form):
        later = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
        response = client_for(client, ward_nurse).post(url(at_home), lab_form(taken_at=later))
        assert response.status_code == 400
        assert "Provtagningstiden ligger i framtiden." in text(response)
        assert not LabResult.objects.exists()

    def test_a_time_before_the_episode_is_refused(self, client, at_home, ward_nurse, lab_form):
        before = (timezone.localtime() - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
        response = client_for(client, ward_nurse).post(url(at_home), lab_form(taken_at=before))
        assert response.status_code == 400
        assert "Provet är taget före vårdtillfället." in text(response)
        assert not LabResult.objects.exists()

    def test_the_stay_before_the_nomination_counts(self, at_home, ward_nurse):
        result = services.lab_result_record(
            staff=ward_nurse,
            unit=at_home.ward,
            episode=at_home,
            analyte="crp",
            value=Decimal("160"),
            taken_at=timezone.now() - timedelta(hours=48),
        )
        assert result.pk

    def test_the_service_checks_too(self, at_home, ward_nurse):
        with pytest.raises(HemmaError):
            services.lab_result_record(
                staff=ward_nurse,
                unit=at_home.ward,
                episode=at_home,
                analyte="crp",
                value=Decimal("9000"),
                taken_at=timezone.now(),
            )
        assert not LabResult.objects.exists()

    def test_a_closed_episode_takes_no_results(self, at_home, ward_nurse):
        at_home.state = "discharged"
        at_home.save()
        with pytest.raises(NotAllowed):
            services.lab_result_record(
                staff=ward_nurse,
                unit=at_home.ward,
                episode=at_home,
                analyte="crp",
                value=Decimal("40"),
                taken_at=timezone.now(),
            )


class TestRefusals:
    def test_a_reader_unit_sees_but_may_not_enter(
        self, client, at_home, kim, primary_care, coordinator, lab_form
    ):
        CareRelationship.objects.create(patient=kim, unit=primary_care)
        as_reader = client_for(client, coordinator)
        page = as_reader.get(url(at_home))
        assert page.status_code == 200
        assert "Registrera provsvar" not in text(page)
        response = as_reader.post(url(at_home), lab_form())
        assert response.status_code == 403
        assert not LabResult.objects.exists()
        assert AccessLogEntry.objects.filter(
            user=coordinator.user, outcome="denied", patient=kim
        ).exists()

    def test_another_ward_without_relationship_gets_404(self, client, at_home, region, lab_form):
        from tests.conftest import make_unit

        other = make_staff(
            "annan", "nurse", make_unit(region, "Annan avdelning", "ward", "X9", beds=10)
        )
        as_other = client_for(client, other)
        assert as_other.get(url(at_home)).status_code == 404
        assert as_other.post(url(at_home), lab_form()).status_code == 404
        assert not LabResult.objects.exists()

    def test_home_care_never_reads_labs(self, client, at_home, kim, home_care, lab_form):
        assistant = make_staff("hemtjanst", "assistant_nurse", home_care)
        CareRelationship.objects.create(patient=kim, unit=home_care)
        as_home_care = client_for(client, assistant)
        assert as_home_care.get(url(at_home)).status_code == 404
        assert as_home_care.post(url(at_home), lab_form()).status_code == 404
        assert not LabResult.objects.exists()

    def test_municipal_home_health_after_consent_revoked(
        self, client, at_home, kim, home_nurse, ward_nurse, ward, lab_form
    ):
        as_home = client_for(client, home_nurse)
        assert as_home.get(url(at_home)).status_code == 200
        sharing_consent_revoke(staff=ward_nurse, unit=ward, patient=kim)
        assert as_home.get(url(at_home)).status_code == 404
        assert as_home.post(url(at_home), lab_form()).status_code == 404
        assert not LabResult.objects.exists()
        assert AccessLogEntry.objects.filter(
            user=home_nurse.user, outcome="denied", patient=kim
        ).exists()

    def test_a_double_submit_stores_one(self, client, at_home, ward_nurse, lab_form):
        as_ward = client_for(client, ward_nurse)
        data = lab_form(submission_token="0b6f0c53-3b52-4d36-8d7e-6f6f9d1f3b11")
        as_ward.post(url(at_home), data)
        as_ward.post(url(at_home), data)
        assert LabResult.objects.count() == 1
