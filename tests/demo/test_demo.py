"""The demo region: idempotent, fictive, and usable with the printed logins."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from hemma.accounts.models import Membership, Organisation, Staff, Unit
from hemma.clinical.identifiers import parse_personal_identity
from hemma.demo.data import DEMO_PASSWORD, PATIENTS, STAFF
from hemma.patients.models import CareRelationship, NextOfKin, Patient


def counts():
    models = (Organisation, Unit, Staff, Membership, Patient, CareRelationship, NextOfKin)
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_loading_twice_changes_nothing(capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first
    # the demo's own patients, plus the generated history behind the outcome dashboard
    from hemma.patients.models import Patient

    assert Patient.objects.exclude(last_name__endswith="(historik)").count() == len(PATIENTS)
    assert first["Patient"] > len(PATIENTS)
    assert first["Staff"] == len(STAFF)
    output = capsys.readouterr().out
    assert DEMO_PASSWORD in output and "anna.ssk" in output


@pytest.mark.django_db
def test_the_demo_has_a_22_bed_ward_and_every_profession():
    call_command("load_demo", "--quiet")
    assert Unit.objects.get(kind="ward").beds == 22
    professions = set(Staff.objects.values_list("profession", flat=True))
    # Every profession a person has; "system" is an integration's profile (hemma fhir_client).
    assert professions == set(Staff.Profession.values) - {Staff.Profession.SYSTEM}
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert {"ward", "primary_care", "home_health_care", "home_care", "ambulance"} <= kinds


def test_demo_patients_use_only_skatteverket_test_numbers():
    for number in PATIENTS:
        identity = parse_personal_identity(number)
        serial = int(number[8:11])
        # Skatteverket's test numbers: 19121212-1212, or birth numbers 9xx.
        assert number == "191212121212" or serial >= 900, number
        assert identity.kind == "personnummer"


def test_the_personas_are_there():
    names = {spec["first_name"] for spec in PATIENTS.values()}
    assert {"Kim", "Lisa", "Omar"} <= names


@pytest.mark.django_db
def test_the_banner_shows_when_the_demo_is_loaded(client):
    assert "DEMO – fiktiva patienter" not in client.get(reverse("login")).content.decode()
    call_command("load_demo", "--quiet")
    assert "DEMO – fiktiva patienter" in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_a_printed_demo_login_works(client):
    call_command("load_demo", "--quiet")
    response = client.post(reverse("login"), {"username": "karin.hsv", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("patients:list")).content.decode()
    assert "Lisa" in page and "Kim" in page
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "peter.vk", "password": DEMO_PASSWORD})
    page = client.get(reverse("patients:list")).content.decode()
    assert "Kim" in page
    assert "Omar" not in page  # listed elsewhere, never in Kvarnen's care


@pytest.mark.django_db
def test_the_demo_has_an_episode_in_every_state_with_content_on_each_page():
    from hemma.careplans.models import Agreement
    from hemma.carerequests.models import CareRequest, LogisticsOrder
    from hemma.clinical.episode_states import STATES
    from hemma.episodes.models import Episode, Referral

    call_command("load_demo", "--quiet")
    assert set(Episode.objects.values_list("state", flat=True)) == set(STATES)
    assert Agreement.objects.count() >= 5
    assert CareRequest.objects.filter(status="sent").exists()  # the inboxes have work
    assert CareRequest.objects.filter(kind="home_care").exists()
    assert LogisticsOrder.objects.filter(travels_with_patient=True).exists()
    assert Referral.objects.exists()


@pytest.mark.django_db
def test_the_demo_has_discharge_cases_at_each_step():
    from hemma.coordination.models import DischargeCase
    from hemma.coordination.selectors import clock

    call_command("load_demo", "--quiet")
    call_command("load_demo", "--quiet")
    cases = list(DischargeCase.objects.all())
    assert len(cases) == 4
    assert any(c.fixed_contact_id for c in cases) and any(c.ready_at for c in cases)
    assert any(clock(c).notice_late for c in cases)
    assert any(clock(c).payment_days for c in cases)
