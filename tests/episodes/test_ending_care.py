"""Care at home ends otherwise than by the criteria: the patient's (or next of kin's)
wish, a death at home, a transfer to another ward or hospital – each by the policy's
role, with the timeline, the safety place released and a notice to every other unit."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.coordination.models import Task
from hemma.episodes import services
from hemma.episodes.models import Episode, SafetyBedReservation
from hemma.errors import HemmaError, NotAllowed
from hemma.patients.models import CareRelationship

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_home(make_episode, kim, ward_nurse, ward, safety_bed):
    episode = make_episode(kim, state="at_home", at_home_since=timezone.now() - timedelta(days=2))
    SafetyBedReservation.objects.create(bed=safety_bed, episode=episode, reserved_by=ward_nurse)
    return episode


def ended_for_every_unit(episode, acting_unit):
    """The safety place is free, relationships run out, every other unit has a notice."""
    assert SafetyBedReservation.objects.get(episode=episode).released_at is not None
    assert CareRelationship.objects.get(patient=episode.patient, unit=episode.ward).ended_at
    notified = set(Task.objects.filter(episode=episode).values_list("owner_unit_id", flat=True))
    expected = {episode.home_health_unit_id, episode.patient.listed_unit_id} - {acting_unit.pk}
    assert notified == expected
    return Task.objects.filter(episode=episode).first().title


def test_the_patients_wish_ends_care_without_the_criteria(physician, ward, at_home):
    services.episode_end_on_request(
        staff=physician,
        unit=ward,
        episode=at_home,
        reason="Vill inte ha fler besök, mår bra",
        summary="Avslutat på egen begäran, tablettbehandling",
    )
    at_home.refresh_from_db()
    assert (at_home.state, at_home.end_reason) == ("discharged", "patient_request")
    assert at_home.discharge_summary.startswith("Avslutat")
    assert "Vill inte ha fler besök" in at_home.transitions.last().reason
    assert "önskan" in ended_for_every_unit(at_home, ward)


def test_the_criteria_guard_still_holds_for_an_ordinary_discharge(physician, ward, at_home):
    from hemma.careplans.models import Agreement, AgreementVersion

    agreement = Agreement.objects.create(episode=at_home)
    AgreementVersion.objects.create(
        agreement=agreement, number=1, created_by=physician, criteria=["Feberfri 48 h"]
    )
    agreement.current_number = 1
    agreement.save()
    with pytest.raises(NotAllowed, match="utskrivningskriterier"):
        services.episode_discharge(
            staff=physician, unit=ward, episode=at_home, summary="x", referral_text=""
        )
    at_home.refresh_from_db()
    assert at_home.state == "at_home" and at_home.end_reason == ""
    services.episode_end_on_request(
        staff=physician, unit=ward, episode=at_home, reason="Vill avsluta", summary="Klar"
    )
    at_home.refresh_from_db()
    assert at_home.state == "discharged"


def test_a_death_at_home_is_recorded_with_time_and_who_confirmed(physician, ward, at_home):
    died = timezone.now() - timedelta(hours=1)
    services.episode_record_death(
        staff=physician,
        unit=ward,
        episode=at_home,
        died_at=died,
        confirmed_by="Dr Eva Läkare, jourläkare",
        expected=True,
        note="Lugnt insomnad",
    )
    at_home.refresh_from_db()
    assert (at_home.state, at_home.end_reason, at_home.death_expected) == ("died", "died", True)
    assert at_home.died_at == died and at_home.ended_at
    title = ended_for_every_unit(at_home, ward)
    assert "Avliden i hemmet" in title and "förväntat" in title and "Dr Eva" in title


def test_a_death_needs_a_plausible_time_and_who_confirmed(physician, ward, at_home):
    for died_at, who, message in (
        (timezone.now() + timedelta(hours=2), "Dr X", "framtiden"),
        (at_home.at_home_since - timedelta(days=1), "Dr X", "före hemgången"),
        (timezone.now(), " ", "konstaterade"),
    ):
        with pytest.raises(HemmaError, match=message):
            services.episode_record_death(
                staff=physician,
                unit=ward,
                episode=at_home,
                died_at=died_at,
                confirmed_by=who,
                expected=False,
            )
    at_home.refresh_from_db()
    assert at_home.state == "at_home" and at_home.died_at is None


def test_the_database_refuses_a_death_without_its_facts(at_home):
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.filter(pk=at_home.pk).update(state="died")
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.filter(pk=at_home.pk).update(state="transferred")


def test_a_transfer_from_the_safety_place(ward_nurse, physician, ward, at_home):
    services.episode_direct_admission(staff=physician, unit=ward, episode=at_home, reason="Sepsis")
    services.episode_transfer(
        staff=ward_nurse,
        unit=ward,
        episode=at_home,
        destination="IVA, Falu lasarett",
        reason="Behöver intensivvård",
    )
    at_home.refresh_from_db()
    assert (at_home.state, at_home.transferred_to) == ("transferred", "IVA, Falu lasarett")
    Task.objects.filter(title__startswith="Direktinlagd").delete()  # the readmission's notice
    assert "IVA" in ended_for_every_unit(at_home, ward)
    states_seen = list(at_home.transitions.values_list("to_state", flat=True))
    assert states_seen == ["readmitted", "transferred"]


def test_only_the_wards_physician_decides_and_records_a_death(
    ward_nurse, home_nurse, ward, home_health, at_home
):
    with pytest.raises(NotAllowed):
        services.episode_end_on_request(
            staff=ward_nurse, unit=ward, episode=at_home, reason="x", summary="y"
        )
    with pytest.raises(NotAllowed):
        services.episode_record_death(
            staff=ward_nurse,
            unit=ward,
            episode=at_home,
            died_at=timezone.now(),
            confirmed_by="Dr X",
            expected=True,
        )
    with pytest.raises(NotAllowed):
        services.episode_transfer(
            staff=home_nurse, unit=home_health, episode=at_home, destination="x", reason="y"
        )
    at_home.refresh_from_db()
    assert at_home.state == "at_home"


def test_an_ended_episode_cannot_end_again(physician, ward, at_home):
    services.episode_transfer(
        staff=physician, unit=ward, episode=at_home, destination="Avd 31", reason="Ortopedi"
    )
    with pytest.raises(NotAllowed, match="Det går inte att gå från"):
        services.episode_record_death(
            staff=physician,
            unit=ward,
            episode=at_home,
            died_at=timezone.now(),
            confirmed_by="Dr X",
            expected=False,
        )


def act(episode, action):
    return reverse("episodes:act", kwargs={"episode_id": episode.pk, "action": action})


def test_the_page_offers_the_endings_to_the_physician_and_posts_them(
    client, physician, ward_nurse, at_home
):
    client.force_login(physician.user)
    page = client.get(reverse("episodes:detail", kwargs={"episode_id": at_home.pk}))
    text = page.content.decode()
    assert "Dödsfall i hemmet" in text and "Patienten eller närstående vill avsluta" in text
    bad = client.post(
        act(at_home, "record_death"),
        {"died_at": "2999-01-01T10:00", "confirmed_by": "Dr X", "expected": "yes"},
        follow=True,
    )
    assert "framtiden" in bad.content.decode()
    at_home.refresh_from_db()
    assert at_home.state == "at_home"
    when = timezone.localtime() - timedelta(minutes=30)
    client.post(
        act(at_home, "record_death"),
        {
            "died_at": when.strftime("%Y-%m-%dT%H:%M"),
            "confirmed_by": "Dr Eva Läkare",
            "expected": "no",
        },
    )
    at_home.refresh_from_db()
    assert at_home.state == "died" and at_home.death_expected is False
    page = client.get(reverse("episodes:detail", kwargs={"episode_id": at_home.pk}))
    assert "Oväntat." in page.content.decode() and "Dr Eva Läkare" in page.content.decode()


def test_a_crafted_post_by_the_nurse_is_refused_and_logged(client, ward_nurse, at_home):
    client.force_login(ward_nurse.user)
    response = client.post(
        act(at_home, "end_on_request"), {"reason": "x", "summary": "y"}, follow=False
    )
    assert response.status_code == 403
    at_home.refresh_from_db()
    assert at_home.state == "at_home"
    assert AccessLogEntry.objects.filter(
        patient=at_home.patient, outcome="denied", detail__contains="end_on_request"
    ).exists()
