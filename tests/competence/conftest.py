import pytest

from hemma.episodes.models import Episode
from hemma.patients.models import CareRelationship
from tests.conftest import make_patient, make_staff, make_unit
from tests.monitoring.conftest import at_home  # noqa: F401 - the fixture, shared

WARD_PHONE = "023-49 00 30"
HOME_HEALTH_PHONE = "023-83 10 00"


@pytest.fixture(autouse=True)
def _real_numbers(request):
    """The test units with real-looking numbers (not the demo's test, which has its own)."""
    if request.node.module.__name__.endswith("test_demo"):
        return
    ward, home_health = request.getfixturevalue("ward"), request.getfixturevalue("home_health")
    ward.phone = WARD_PHONE
    ward.save()
    home_health.phone = HOME_HEALTH_PHONE
    home_health.save()


@pytest.fixture
def other_ward(region):
    return make_unit(region, "Avdelning 31", "ward", "A31", beds=20)


@pytest.fixture
def other_ward_nurse(other_ward):
    return make_staff("othernurse", "nurse", other_ward)


@pytest.fixture
def home_care_staff(home_care, kim):
    CareRelationship.objects.create(patient=kim, unit=home_care)
    return make_staff("homecare", "assistant_nurse", home_care)


@pytest.fixture
def home_health_manager(home_health):
    return make_staff("hsvchef", "nurse", home_health, role="manager")


@pytest.fixture
def make_episode(ward, ward_nurse, home_health):
    """An open episode of a fresh patient on the ward, of the given pathway and visiting."""
    numbers = iter(["19380508-9145", "19350404-9135", "19400401-9180", "19370314-9132"])

    def build(pathway="early_discharge", visiting="home_health", state="at_home"):
        unit = home_health if visiting == "home_health" else None
        patient = make_patient(next(numbers), "Pat", ward, *([unit] if unit else []))
        return Episode.objects.create(
            patient=patient,
            ward=ward,
            home_health_unit=unit,
            visiting=visiting,
            pathway=pathway,
            created_by=ward_nurse,
            state=state,
        )

    return build
