import pytest

from hemma.accounts.models import Organisation
from hemma.careplans.models import Agreement, AgreementVersion
from hemma.patients.models import AmbulanceConsent
from tests.conftest import make_staff, make_unit
from tests.monitoring.conftest import at_home  # noqa: F401 - the fixture, shared

IF_WORSE = "Direktinläggning på trygghetsplatsen via avdelningen, ingen akutmottagning."
CALL_112 = "Ring 112 vid andnöd, bröstsmärta eller medvetandepåverkan."
CRITERION = "CRP sjunkande hemlig"


@pytest.fixture
def ambulance(region):
    return make_unit(region, "Ambulanssjukvården Test", "ambulance", "AMB")


@pytest.fixture
def paramedic(ambulance):
    return make_staff("paramedic", "nurse", ambulance)


@pytest.fixture
def other_region(db):
    return Organisation.objects.create(
        kind="region",
        name="Region Granne",
        organisation_number="232100-0016",
        hsa_id="SE2321000016-TEST",
    )


@pytest.fixture
def other_paramedic(other_region):
    return make_staff(
        "otherparamedic", "nurse", make_unit(other_region, "Ambulans", "ambulance", "AMB2")
    )


@pytest.fixture
def agreement(at_home, ward_nurse):  # noqa: F811
    agreement = Agreement.objects.create(episode=at_home, current_number=1)
    AgreementVersion.objects.create(
        agreement=agreement,
        number=1,
        created_by=ward_nurse,
        contacts=[{"name": "Avdelningen", "phone": "023-49 11 22", "hours": "dygnet runt"}],
        criteria=[CRITERION],
        if_worse=IF_WORSE,
        call_112=CALL_112,
    )
    return agreement


def consent(patient, ward_nurse, ward):
    return AmbulanceConsent.objects.create(
        patient=patient, recorded_by=ward_nurse, recorded_unit=ward
    )
