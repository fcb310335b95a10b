"""Issue 13 for the care team: read access is not enough to change it. The owning ward of an
open episode adds units (outside an episode the patient's listing centre does); a unit ends
its own relationship, the managing unit ends others'. Every refusal writes a denied entry
and changes nothing; every change writes a granted one."""

import pytest
from django.urls import reverse

from hemma.audit.models import AccessLogEntry
from hemma.episodes.models import Episode
from hemma.errors import NotAllowed
from hemma.patients import services
from hemma.patients.models import CareRelationship
from tests.conftest import make_staff, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ambulance(region):
    return make_unit(region, "Ambulansen Test", "ambulance", "AMB")


@pytest.fixture
def lisas_episode(lisa, ward, ward_nurse, home_health, home_care):
    """Lisa's open episode on the ward; home care is in her team too."""
    CareRelationship.objects.create(patient=lisa, unit=home_care)
    return Episode.objects.create(
        patient=lisa, ward=ward, home_health_unit=home_health, created_by=ward_nurse
    )


def relationship(patient, unit):
    return CareRelationship.objects.get(patient=patient, unit=unit, ended_at__isnull=True)


def end_url(patient, rel):
    return reverse(
        "patients:care_team_end", kwargs={"patient_id": patient.pk, "relationship_id": rel.pk}
    )


def add_url(patient):
    return reverse("patients:care_team_add", kwargs={"patient_id": patient.pk})


def denied(detail_start):
    return AccessLogEntry.objects.filter(outcome="denied", detail__startswith=detail_start)


class TestEnding:
    def test_home_care_cannot_end_the_wards_relationship(
        self, client, lisa, lisas_episode, ward, needs_assessor
    ):
        # The care team is part of the health record: home care (Scope.SOL) gets a 404.
        ward_rel = relationship(lisa, ward)
        client.force_login(needs_assessor.user)
        assert client.get(end_url(lisa, ward_rel)).status_code == 404
        assert client.post(end_url(lisa, ward_rel)).status_code == 404
        ward_rel.refresh_from_db()
        assert ward_rel.ended_at is None
        assert denied("care team end: health record").filter(patient=lisa).count() == 2

    def test_the_visiting_team_cannot_end_the_wards_relationship(
        self, as_home_nurse, lisa, lisas_episode, ward
    ):
        ward_rel = relationship(lisa, ward)
        confirm = as_home_nurse.get(end_url(lisa, ward_rel), follow=True).content.decode()
        assert "Avsluta vårdrelation?" not in confirm
        assert "kan inte avsluta" in confirm
        assert as_home_nurse.post(end_url(lisa, ward_rel)).status_code == 403
        ward_rel.refresh_from_db()
        assert ward_rel.ended_at is None
        assert denied(f"care_relationship_end {ward.hsa_id}").get().patient == lisa

    def test_the_visiting_team_cannot_end_another_units_relationship(
        self, lisa, lisas_episode, home_care, home_nurse, home_health
    ):
        other = relationship(lisa, home_care)
        with pytest.raises(NotAllowed):
            services.care_relationship_end(
                staff=home_nurse, unit=home_health, patient=lisa, relationship_id=other.pk
            )
        other.refresh_from_db()
        assert other.ended_at is None
        assert denied(f"care_relationship_end {home_care.hsa_id}").exists()

    def test_a_unit_ends_its_own(self, as_home_nurse, lisa, lisas_episode, home_health):
        own = relationship(lisa, home_health)
        assert "Avsluta vårdrelation?" in as_home_nurse.get(end_url(lisa, own)).content.decode()
        assert as_home_nurse.post(end_url(lisa, own)).status_code == 302
        own.refresh_from_db()
        assert own.ended_at is not None
        assert AccessLogEntry.objects.filter(
            outcome="granted", detail=f"care_relationship_end {home_health.hsa_id}"
        ).exists()

    def test_the_owning_ward_ends_another_units(
        self, as_ward_nurse, lisa, lisas_episode, home_care
    ):
        other = relationship(lisa, home_care)
        assert as_ward_nurse.post(end_url(lisa, other)).status_code == 302
        other.refresh_from_db()
        assert other.ended_at is not None


class TestAdding:
    def test_the_visiting_team_cannot_add_the_ambulance(
        self, as_home_nurse, lisa, lisas_episode, ambulance
    ):
        assert as_home_nurse.post(add_url(lisa), {"unit": ambulance.pk}).status_code == 403
        assert not CareRelationship.objects.filter(unit=ambulance).exists()
        assert denied(f"care_relationship_start {ambulance.hsa_id}").get().patient == lisa

    def test_the_ambulance_on_emergency_access_cannot_add_itself(
        self, client, lisa, lisas_episode, ambulance
    ):
        paramedic = make_staff("paramedic", "nurse", ambulance)
        client.force_login(paramedic.user)
        client.post(
            reverse("patients:emergency_access"),
            {"personal_number": "193805089145", "reason": "Larm: andningsbesvär i hemmet"},
        )
        assert client.post(add_url(lisa), {"unit": ambulance.pk}).status_code == 403
        assert not CareRelationship.objects.filter(unit=ambulance).exists()
        assert denied(f"care_relationship_start {ambulance.hsa_id}").exists()

    def test_during_an_episode_the_listing_centre_does_not_add(
        self, lisa, lisas_episode, primary_care, coordinator, ambulance
    ):
        lisa.listed_unit = primary_care
        lisa.save()
        CareRelationship.objects.create(patient=lisa, unit=primary_care)
        with pytest.raises(NotAllowed):
            services.care_relationship_start(
                staff=coordinator, unit=primary_care, patient=lisa, target_unit=ambulance
            )
        assert not CareRelationship.objects.filter(unit=ambulance).exists()

    def test_outside_an_episode_the_listing_centre_adds_and_the_ward_does_not(
        self, client, kim, primary_care, coordinator, ward_nurse, ward, home_health
    ):
        CareRelationship.objects.create(patient=kim, unit=primary_care)
        with pytest.raises(NotAllowed):
            services.care_relationship_start(
                staff=ward_nurse, unit=ward, patient=kim, target_unit=home_health
            )
        client.force_login(coordinator.user)
        assert client.post(add_url(kim), {"unit": home_health.pk}).status_code == 302
        assert relationship(kim, home_health).started_by == coordinator.user
        assert AccessLogEntry.objects.filter(
            outcome="granted", detail=f"care_relationship_start {home_health.hsa_id}"
        ).exists()


class TestThePatientPage:
    def test_the_visiting_team_may_end_only_its_own_and_add_nobody(
        self, as_home_nurse, lisa, lisas_episode, ward, home_health, home_care
    ):
        body = as_home_nurse.get(reverse("patients:detail", args=[lisa.pk])).content.decode()
        assert end_url(lisa, relationship(lisa, home_health)) in body
        assert end_url(lisa, relationship(lisa, ward)) not in body
        assert end_url(lisa, relationship(lisa, home_care)) not in body
        assert f'action="{add_url(lisa)}"' not in body

    def test_the_owning_ward_manages_the_team(
        self, as_ward_nurse, lisa, lisas_episode, ward, home_health, home_care
    ):
        body = as_ward_nurse.get(reverse("patients:detail", args=[lisa.pk])).content.decode()
        for unit in (ward, home_health, home_care):
            assert end_url(lisa, relationship(lisa, unit)) in body
        assert f'action="{add_url(lisa)}"' in body


def test_a_crafted_add_with_a_bad_unit_is_refused_not_explained(
    client, lisas_episode, lisa, home_nurse
):
    """Found by the policy matrix on PostgreSQL: an invalid form answered with a form error
    before the policy was asked. A unit that may not add gets the refusal either way."""
    client.force_login(home_nurse.user)
    teams = CareRelationship.objects.count()
    response = client.post(add_url(lisa), {"unit": "999999"})
    assert response.status_code == 403
    assert denied("care team add").exists()
    assert CareRelationship.objects.count() == teams
