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
