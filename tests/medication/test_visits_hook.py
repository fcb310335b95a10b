"""Visits in the planner carry the dose of the current medication list, and the run sheet
shows the current list (not a care request's frozen copy, never a withdrawn one)."""

import pytest

from hemma.carerequests.models import CareRequest
from hemma.medication import services
from hemma.medication.selectors import current_items_by_episode
from hemma.visits import services as visits
from hemma.visits.models import Visit
from tests.visits.conftest import DAY, at, home_patients, team  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def omar(episodes):
    return next(e for e in episodes if e.patient.first_name == "Omar")


def test_a_dose_visit_names_the_drug_and_dose_of_the_current_list(
    home_patients,  # noqa: F811
    team,  # noqa: F811
    home_health,
    physician,
    ward,
):
    episode = omar(home_patients)
    for dose in ("1 g", "2 g"):
        services.medication_list_save(
            staff=physician,
            unit=ward,
            episode=episode,
            items=[
                {
                    "drug": "Cefotaxim",
                    "dose": dose,
                    "route": "iv",
                    "times": "08, 16, 24",
                    "starts_on": DAY,
                }
            ],
            reason="Ändrad dos",
        )
    visits.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    doses = Visit.objects.filter(episode=episode, what__contains="IV-antibiotika")
    assert {v.window_start for v in doses} == {at("07:30"), at("15:30"), at("23:30")}
    for visit in doses:
        assert visit.what.endswith(": Cefotaxim 2 g iv") and "1 g" not in visit.what
    # A visit at another time carries no dose.
    others = Visit.objects.filter(episode=episode).exclude(what__contains="IV-antibiotika")
    assert others and not any("Cefotaxim" in v.what for v in others)


def test_the_run_sheet_list_is_the_current_one(
    home_patients,  # noqa: F811
    physician,
    ward,
):
    episode, other = omar(home_patients), home_patients[0]
    services.medication_list_save(
        staff=physician,
        unit=ward,
        episode=episode,
        items=[
            {"drug": "Cefotaxim", "dose": "1 g", "route": "iv", "times": "08", "starts_on": DAY}
        ],
        reason="Start",
    )
    # Lisa has no versioned list: her live care request's list is shown; once withdrawn, none.
    found = current_items_by_episode([episode.pk, other.pk], DAY)
    assert [m.drug for m in found[episode.pk]] == ["Cefotaxim"]
    assert [m.drug for m in found[other.pk]] == ["Cefotaxim", "Alvedon"]
    CareRequest.objects.filter(episode=other).update(status="withdrawn")
    assert current_items_by_episode([other.pk], DAY).get(other.pk, []) == []
