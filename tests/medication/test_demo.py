"""The demo's medication: a different, believable list per patient, Omar's run sheet and
list agree on cefotaxim, and loading the demo again changes nothing."""

import pytest
from django.core.management import call_command

from hemma.carerequests.models import Medication
from hemma.medication.models import DoseAdministration, MedicationListVersion
from hemma.medication.selectors import current_items_by_episode
from hemma.medication.services import current_version
from hemma.patients.models import Patient
from hemma.visits.models import Visit

pytestmark = pytest.mark.django_db


def episode_of(first_name):
    patient = Patient.objects.get(first_name=first_name, last_name__endswith="(demo)")
    return patient.episodes.order_by("-pk").first()


def drugs(first_name):
    version = current_version(episode_of(first_name))
    return [(i.drug, i.dose, i.route) for i in version.items.all()]


def test_each_demo_patient_has_their_own_list_and_it_loads_once():
    call_command("load_demo", quiet=True)
    counts = (MedicationListVersion.objects.count(), DoseAdministration.objects.count())
    assert drugs("Kim")[0] == ("Ceftriaxon", "2 g", "iv")
    assert drugs("Omar")[0] == ("Cefotaxim", "1 g", "iv")
    assert drugs("Lisa")[0] == ("Kloxacillin", "2 g", "iv")
    assert current_version(episode_of("Lisa")).number == 2  # the dose was raised
    assert current_version(episode_of("Greta")).items.first().self_administered
    firsts = {drugs(name)[0] for name in ("Kim", "Lisa", "Omar", "Greta", "Tolvan")}
    assert len(firsts) == 5
    assert DoseAdministration.objects.filter(episode=episode_of("Lisa")).exists()
    call_command("load_demo", quiet=True)
    assert (MedicationListVersion.objects.count(), DoseAdministration.objects.count()) == counts


@pytest.mark.usefixtures("daytime_clock")  # the run sheet of a planning day (06–06)
def test_omars_visits_run_sheet_and_care_request_say_cefotaxim():
    call_command("load_demo", quiet=True)
    omar = episode_of("Omar")
    texts = " ".join(Visit.objects.filter(episode=omar).values_list("what", flat=True))
    assert "bensylpenicillin" not in texts.casefold()
    assert "IV-antibiotika enligt läkemedelslistan: Cefotaxim 1 g iv" in texts
    sheet = current_items_by_episode([omar.pk], omar.visits.first().day)[omar.pk]
    assert sheet[0].drug == "Cefotaxim"
    sent = Medication.objects.filter(care_request__episode=omar).values_list("drug", flat=True)
    assert "Cefotaxim" in sent and "Bensylpenicillin" not in sent
