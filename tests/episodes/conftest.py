import pytest

from hemma.episodes.models import Episode
from hemma.episodes.services import safety_beds_ensure


@pytest.fixture
def safety_bed(ward):
    return safety_beds_ensure(ward=ward)[0]


@pytest.fixture
def make_episode(ward, home_health, ward_nurse):
    def make(patient, state="candidate", **fields):
        return Episode.objects.create(
            patient=patient,
            ward=ward,
            home_health_unit=home_health,
            created_by=ward_nurse,
            state=state,
            tier="kim",
            **fields,
        )

    return make


@pytest.fixture
def other_ward(region):
    from tests.conftest import make_unit

    return make_unit(region, "Medicinavdelning 31", "ward", "M31", beds=20)


@pytest.fixture
def other_ward_nurse(other_ward):
    from tests.conftest import make_staff

    return make_staff("othernurse", "nurse", other_ward)


@pytest.fixture
def lisa_and_everyone(lisa, other_ward, home_care, primary_care):
    """Lisa (the ward and home health care in her team, consent to sharing) read by every
    unit of the attack: another ward, home care and primary care hold care relationships
    too, so each one sees her and is refused by its role, not by the see question."""
    from hemma.patients.models import CareRelationship

    for unit in (other_ward, home_care, primary_care):
        CareRelationship.objects.create(patient=lisa, unit=unit)
    return lisa
