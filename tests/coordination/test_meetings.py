"""The weekly coordination meeting: the agenda holds exactly the consented shared patients;
notes and tasks; tasks land in the owners' worklists, overdue first; minutes are locked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.coordination import meetings
from hemma.coordination.models import Task
from hemma.episodes.models import Episode
from hemma.errors import NotAllowed
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(ward, primary_care, home_health, ward_nurse):
    """Three patients listed at and in the care of the centre and home health care; one did
    not consent, one is neither inpatient nor at home."""
    team = (primary_care, home_health)
    at_home = make_patient("19440514-9057", "Hemma", *team, listed_unit=primary_care)
    no_consent = make_patient(
        "19380508-9145", "Utan", *team, listed_unit=primary_care, consent=False
    )
    idle = make_patient("19350404-9135", "Vilande", *team, listed_unit=primary_care)
    for patient in (at_home, no_consent):
        Episode.objects.create(patient=patient, ward=ward, created_by=ward_nurse, state="at_home")
    return at_home, no_consent, idle


def test_the_agenda_has_exactly_the_consented_shared_patients(
    shared, coordinator, primary_care, home_health
):
    at_home, _no_consent, _idle = shared
    meeting = meetings.meeting_create(
        staff=coordinator, unit=primary_care, partner=home_health, held_on=timezone.localdate()
    )
    assert [item.patient for item in meeting.items.all()] == [at_home]


def test_notes_and_tasks_then_the_minutes_are_locked(
    shared, coordinator, home_nurse, primary_care, home_health, client
):
    meeting = meetings.meeting_create(
        staff=coordinator, unit=primary_care, partner=home_health, held_on=timezone.localdate()
    )
    item = meeting.items.get()
    meetings.item_note(staff=coordinator, unit=primary_care, item=item, notes="Mer tillsyn")
    task = meetings.task_add(
        staff=coordinator,
        unit=primary_care,
        meeting=meeting,
        patient=item.patient,
        title="Boka hembesök",
        owner_unit=home_health,
        due_on=timezone.localdate() - timedelta(days=1),
        source=f"meeting:{meeting.pk}",
    )
    client.force_login(home_nurse.user)
    body = client.get(reverse("coordination:worklist")).content.decode()
    assert "Boka hembesök" in body and "Försenad" in body
    meetings.meeting_close(staff=coordinator, unit=primary_care, meeting=meeting, minutes="Klart")
    with pytest.raises(NotAllowed, match="justerat"):
        meetings.item_note(staff=coordinator, unit=primary_care, item=item, notes="Ändrat")
    client.post(reverse("coordination:task_done", args=[task.pk]))
    task.refresh_from_db()
    assert task.status == Task.Status.DONE and task.done_by == home_nurse


def test_the_meeting_pages(shared, coordinator, primary_care, home_health, client):
    client.force_login(coordinator.user)
    response = client.post(
        reverse("coordination:meetings"),
        {"partner": home_health.pk, "held_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Hemma Testsson" in page and "Utan Testsson" not in page
    again = client.post(
        reverse("coordination:meetings"),
        {"partner": home_health.pk, "held_on": timezone.localdate().isoformat()},
    )
    assert "redan ett möte" in again.content.decode()


def test_other_units_do_not_see_the_meeting(
    shared, coordinator, primary_care, home_health, as_outsider
):
    meeting = meetings.meeting_create(
        staff=coordinator, unit=primary_care, partner=home_health, held_on=timezone.localdate()
    )
    assert as_outsider.get(reverse("coordination:meeting", args=[meeting.pk])).status_code == 404


def test_the_ambulance_may_join_and_own_tasks(
    shared, coordinator, primary_care, home_health, region
):
    from tests.conftest import make_staff, make_unit

    ambulance = make_unit(region, "Ambulansen", "ambulance", "AMB")
    paramedic = make_staff("paramedic", "nurse", ambulance)
    meeting = meetings.meeting_create(
        staff=coordinator,
        unit=primary_care,
        partner=home_health,
        held_on=timezone.localdate(),
        guests=[ambulance],
    )
    item = meeting.items.get()
    meetings.item_note(staff=paramedic, unit=ambulance, item=item, notes="Larmat två gånger")
    task = meetings.task_add(
        staff=coordinator,
        unit=primary_care,
        meeting=meeting,
        title="Ambulansen ringer hemsjukvården vid larm",
        owner_unit=ambulance,
        due_on=timezone.localdate(),
    )
    assert task.owner_unit == ambulance
