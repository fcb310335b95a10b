"""Blocking (spärr) through FHIR: a system client of another care provider does not get the
readings of a unit the patient blocked – not in a search, a read or $everything – while
the blocked unit's own care provider still does."""

import pytest
from django.core.management import call_command

from hemma.accounts.models import Staff
from hemma.episodes.models import Episode
from hemma.monitoring.models import ObservationSet
from hemma.patients.blocks import block_record

from .conftest import access_token, get, register, valid_r4

pytestmark = pytest.mark.django_db
READ = "system/Patient.read system/Encounter.read system/Observation.read"


@pytest.fixture
def lisa():
    call_command("load_demo", quiet=True)
    return Episode.objects.select_related("ward", "home_health_unit").get(
        patient__first_name="Lisa", state="at_home"
    )


def ids(response):
    assert response.status_code == 200, response.json()
    return {e["resource"]["id"] for e in valid_r4(response.json()).get("entry", [])}


def test_a_blocked_wards_readings_are_not_served_to_the_municipality(client, lisa, rsa_key, ec_key):
    ward_set = ObservationSet.objects.filter(episode=lisa).exclude(source="home_health").first()
    assert ward_set is not None
    register("hsv", lisa.home_health_unit, ec_key, scopes=READ)
    municipal = access_token(client, ec_key, "hsv", READ)
    register("cosmic", lisa.ward, rsa_key, scopes=READ)
    ward = access_token(client, rsa_key, "cosmic", READ)
    search = {"patient": str(lisa.patient_id), "_count": 200}
    before = ids(get(client, "/fhir/Observation", municipal, **search))
    assert any(i.startswith(f"{ward_set.pk}-") for i in before)

    anna = Staff.objects.get(user__username="anna.ssk")
    block_record(staff=anna, unit=lisa.ward, patient=lisa.patient, blocked_unit=lisa.ward)

    after = ids(get(client, "/fhir/Observation", municipal, **search))
    assert not any(i.startswith(f"{ward_set.pk}-") for i in after)
    one = next(i for i in before if i.startswith(f"{ward_set.pk}-"))
    assert get(client, f"/fhir/Observation/{one}", municipal).status_code == 404
    everything = ids(get(client, f"/fhir/Patient/{lisa.patient_id}/$everything", municipal))
    assert one not in everything and str(lisa.patient_id) in everything
    # The ward's own care provider is not affected.
    assert one in ids(get(client, "/fhir/Observation", ward, **search))
    assert get(client, f"/fhir/Observation/{one}", ward).status_code == 200
