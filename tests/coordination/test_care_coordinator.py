"""The care coordinator's list for a primary care centre, and temporary visits."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.coordination import care_coordinator, services
from hemma.coordination.models import EdVisit, FrailtyScreening, TemporaryVisit
from hemma.coordination.screening import temporary_visit_record
from hemma.errors import HemmaError
from hemma.patients.models import CareRelationship
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db


def test_the_list_holds_complex_listed_patients_with_the_next_action(
    ward_nurse, ward, home_health, primary_care, kim, coordinator
):
    services.case_open(
        staff=ward_nurse,
        unit=ward,
        patient=kim,
        admitted_at=timezone.now() - timedelta(hours=2),
        estimated_discharge=timezone.localdate() + timedelta(days=2),
        receivers=[home_health],
    )
    # Listed and in the centre's care: the list shows only patients the centre may list.
    CareRelationship.objects.create(patient=kim, unit=primary_care)
    frail = make_patient("19380508-9145", "Skör", primary_care, listed_unit=primary_care)
    FrailtyScreening.objects.create(
        patient=frail,
        level=7,
        assessed_on=timezone.localdate(),
        assessed_by=coordinator,
        unit=primary_care,
    )
    frequent = make_patient("19350404-9135", "Ofta", primary_care, listed_unit=primary_care)
    for days in (5, 20, 60):
        EdVisit.objects.create(
            patient=frequent, visited_on=timezone.localdate() - timedelta(days=days)
        )
    make_patient("19400401-9180", "Frisk", primary_care, listed_unit=primary_care)
    rows = {
        row.patient.first_name: row for row in care_coordinator.worklist(primary_care, coordinator)
    }
    assert set(rows) == {"Kim", "Skör", "Ofta"}
    assert rows["Kim"].next_action == "Utse fast vårdkontakt"
    assert "CFS 7" in rows["Skör"].reasons
    assert "Frekvent besökare" in rows["Ofta"].reasons


def test_the_list_shows_on_the_centres_worklist(
    kim, ward, ward_nurse, home_health, client, coordinator, primary_care
):
    CareRelationship.objects.create(patient=kim, unit=primary_care)
    services.case_open(
        staff=ward_nurse,
        unit=ward,
        patient=kim,
        admitted_at=timezone.now() - timedelta(hours=2),
        estimated_discharge=timezone.localdate() + timedelta(days=2),
        receivers=[home_health],
    )
    client.force_login(coordinator.user)
    body = client.get(reverse("coordination:worklist")).content.decode()
    assert "Vårdkoordinatorns lista" in body and "Utse fast vårdkontakt" in body


def test_a_temporary_visit_is_recorded_and_seen_by_primary_care(
    kim, home_nurse, home_health, primary_care, client, coordinator
):
    CareRelationship.objects.create(patient=kim, unit=primary_care)
    client.force_login(home_nurse.user)
    response = client.post(
        reverse("coordination:temporary_visit"),
        {
            "personal_number": "19440514-9057",
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "reason": "Fall i hemmet",
            "outcome": "Ingen fraktur, åter till vårdcentralen",
        },
    )
    assert response.status_code == 302
    assert TemporaryVisit.objects.get().unit == home_health
    rows = care_coordinator.worklist(primary_care, coordinator)
    assert "Tillfälligt besök" in rows[0].reasons
    with pytest.raises(HemmaError, match="Ogiltigt personnummer"):
        temporary_visit_record(
            staff=home_nurse,
            unit=home_health,
            personal_number="123",
            visited_at=timezone.now(),
            reason="x",
            outcome="y",
        )


def test_the_patient_sees_the_fixed_care_contact_on_the_tablet(
    ward_nurse, ward, home_health, primary_care, kim, coordinator, client
):
    from hemma.episodes.models import Episode
    from hemma.monitoring import services as monitoring
    from tests.conftest import make_staff

    manager = make_staff("chef", "physician", primary_care, role="manager")
    case = services.case_open(
        staff=ward_nurse,
        unit=ward,
        patient=kim,
        admitted_at=timezone.now() - timedelta(hours=2),
        estimated_discharge=timezone.localdate() + timedelta(days=2),
        receivers=[home_health],
    )
    services.fixed_contact_appoint(staff=manager, unit=primary_care, case=case, contact=coordinator)
    episode = Episode.objects.create(patient=kim, ward=ward, created_by=ward_nurse, state="at_home")
    code = monitoring.enrolment_issue(staff=ward_nurse, unit=ward, episode=episode)
    client.post(reverse("monitoring:patient_start"), {"code": code})
    page = client.get(reverse("monitoring:patient_home")).content.decode()
    assert "Din fasta vårdkontakt: Coordinator Test" in page
