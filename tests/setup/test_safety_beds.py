"""Safety places per ward: add (unique per ward), take out of service and back, never
while reserved; administrators and the ward's manager only; every change logged."""

import pytest

from hemma.accounts.models import AdministrationLogEntry
from hemma.episodes import services as episodes
from hemma.episodes.models import SafetyBed
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.setup import selectors, services
from tests import flow
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def test_add_a_place_unique_per_ward(region_admin, ward, region):
    bed = services.safety_bed_add(by=region_admin.user, ward=ward, label="  Plats   23 ")
    assert bed.label == "Plats 23" and bed.in_service
    with pytest.raises(Conflict, match="Infektionsavdelning har redan en trygghetsplats som heter"):
        services.safety_bed_add(by=region_admin.user, ward=ward, label="plats 23")
    with pytest.raises(HemmaError, match="Ange platsens namn"):
        services.safety_bed_add(by=region_admin.user, ward=ward, label="   ")
    entry = AdministrationLogEntry.objects.get()
    assert entry.organisation == region and entry.action == "unit_changed"
    assert entry.detail == "Infektionsavdelning: trygghetsplats tillagd: Plats 23"


def test_out_of_service_and_back(region_admin, ward):
    bed = services.safety_bed_add(by=region_admin.user, ward=ward, label="Plats 23")
    services.safety_bed_set_in_service(by=region_admin.user, bed=bed, in_service=False)
    bed.refresh_from_db()
    assert not bed.in_service
    services.safety_bed_set_in_service(by=region_admin.user, bed=bed, in_service=True)
    bed.refresh_from_db()
    assert bed.in_service
    assert list(AdministrationLogEntry.objects.order_by("id").values_list("detail", flat=True)) == [
        "Infektionsavdelning: trygghetsplats tillagd: Plats 23",
        "Infektionsavdelning: trygghetsplats Plats 23 tagen ur drift",
        "Infektionsavdelning: trygghetsplats Plats 23 åter i drift",
    ]


def test_a_reserved_place_cannot_be_taken_out(region_admin, ward, ward_nurse, physician, kim):
    bed = services.safety_bed_add(by=region_admin.user, ward=ward, label="Plats 23")
    episode = flow.to_agreed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
    episodes.safety_bed_reserve(staff=ward_nurse, unit=ward, episode=episode)
    with pytest.raises(Conflict, match="Plats 23 är reserverad för en patient i hemmet"):
        services.safety_bed_set_in_service(by=region_admin.user, bed=bed, in_service=False)
    bed.refresh_from_db()
    assert bed.in_service
    (state,) = selectors.safety_bed_overview(region_admin.user)[0].beds
    assert state.reserved and state.episode_id == episode.pk and not state.occupied


def test_an_out_of_service_place_is_never_reserved(region_admin, ward, ward_nurse, physician, kim):
    bed = services.safety_bed_add(by=region_admin.user, ward=ward, label="Plats 23")
    services.safety_bed_set_in_service(by=region_admin.user, bed=bed, in_service=False)
    episode = flow.to_agreed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
    with pytest.raises(Conflict, match="Alla trygghetsplatser"):
        episodes.safety_bed_reserve(staff=ward_nurse, unit=ward, episode=episode)


def test_the_wards_manager_may_a_nurse_may_not(ward, ward_nurse, home_health, municipality):
    manager = make_staff("avdchef", "nurse", ward, role="manager")
    bed = services.safety_bed_add(by=manager.user, ward=ward, label="Plats 23")
    with pytest.raises(NotAllowed, match="Bara organisationens administratör"):
        services.safety_bed_add(by=ward_nurse.user, ward=ward, label="Plats 24")
    with pytest.raises(NotAllowed):
        services.safety_bed_set_in_service(by=ward_nurse.user, bed=bed, in_service=False)
    other_admin = make_staff("kommunadmin", "administrator", home_health)
    with pytest.raises(NotAllowed):
        services.safety_bed_add(by=other_admin.user, ward=ward, label="Plats 24")
    with pytest.raises(NotAllowed, match="Bara vårdavdelningar"):
        services.safety_bed_add(by=other_admin.user, ward=home_health, label="Plats 1")
    assert list(SafetyBed.objects.values_list("label", flat=True)) == ["Plats 23"]
