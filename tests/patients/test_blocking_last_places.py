"""Blocking (spärr), the last places: the medication list and the doses, coordination
(tasks, the referral, the discharge summary) and the clinical summary's round hint. What a
blocked unit documented is hidden from staff of other care providers behind the neutral
notice; a document or a care request sent to a unit is a disclosure to that unit."""

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.carerequests.models import CareRequest
from hemma.coordination.models import Task
from hemma.episodes.models import Referral
from hemma.medication import services as medication
from hemma.medication.models import DoseAdministration
from hemma.patients.models import CareRelationship
from tests.conftest import client_for, make_staff, make_unit
from tests.medication.conftest import local
from tests.monitoring.conftest import at_home  # noqa: F401 (a fixture)
from tests.patients.test_blocking_everywhere import (
    NOTICE,
    OPEN_LINK,
    _block,
    _emergency_entries,
    _open,
    _page,
)

pytestmark = pytest.mark.django_db

DRUG = "Cefotaxim-spärrtest-4417"
LIST_REASON = "Listans-orsak-5521"
DOSE_REASON = "Dosens-orsak-7734"


@pytest.fixture
def listed(at_home, physician, ward):  # noqa: F811
    """The ward physician's list: the iv drug at 08, 16 and 24 from today; scheduled at
    00:30 with Kim at home since midnight (so today's 08 and 16 doses exist)."""
    today = timezone.localdate()
    at_home.at_home_since = local(today, 0)
    at_home.save(update_fields=["at_home_since"])
    version = medication.medication_list_save(
        staff=physician,
        unit=ward,
        episode=at_home,
        items=[
            {
                "drug": DRUG,
                "dose": "1 g",
                "route": "iv",
                "times": "08, 16, 24",
                "starts_on": today,
                "ends_on": None,
            }
        ],
        reason=LIST_REASON,
        now=local(today, 0, 30),
    )
    assert DoseAdministration.objects.filter(episode=at_home, due_at=local(today, 8)).exists()
    return version


@pytest.fixture
def third_party(at_home, other_municipality):  # noqa: F811
    """A nurse of another municipality's home health unit in Kim's care team: neither the
    ward's care provider nor the addressee of its care request."""
    unit = make_unit(other_municipality, "Hemsjukvården Grannkommun", "home_health_care", "HSV2")
    CareRelationship.objects.create(patient=at_home.patient, unit=unit)
    return make_staff("thirdnurse", "nurse", unit), unit


@pytest.fixture
def care_request(at_home, ward, home_health, ward_nurse):  # noqa: F811
    """The ward's live request to the municipal home health unit to give the doses."""
    return CareRequest.objects.create(
        episode=at_home,
        kind=CareRequest.Kind.HOME_HEALTH,
        from_unit=ward,
        to_unit=home_health,
        reason="Iv-antibiotika i hemmet",
        start_at=timezone.now(),
        interventions="Dropp",
        sent_by=ward_nurse,
        status=CareRequest.Status.ACCEPTED,
    )


def _dose(episode, hour):
    return DoseAdministration.objects.get(episode=episode, due_at=local(timezone.localdate(), hour))


class TestTheMedicationList:
    def test_a_third_care_provider_sees_neither_the_list_nor_the_doses(
        self, client, listed, third_party, ward, ward_nurse
    ):
        episode = listed.episode
        nurse, _unit = third_party
        page = _page(client, nurse, "medication:episode", episode.pk)
        assert DRUG in page and NOTICE not in page  # without a block
        _block(ward_nurse, ward, episode.patient, ward)
        page = _page(client, nurse, "medication:episode", episode.pk)
        assert DRUG not in page and LIST_REASON not in page
        assert NOTICE in page and OPEN_LINK in page and ward.name not in page
        page = _page(client, nurse, "episodes:detail", episode.pk)
        assert DRUG not in page
        # Nothing was shown under the patient's consent: no emergency entry.
        assert not _emergency_entries(nurse, f"medication of episode {episode.pk}").exists()

    def test_a_crafted_dose_record_of_a_withheld_dose_is_refused_and_logged(
        self, client, listed, care_request, ward, ward_nurse, home_nurse
    ):
        """The visiting unit may record doses, but with the ward blocked and no live
        request from it the dose is withheld: recording it would confirm what it says."""
        episode = listed.episode
        CareRequest.objects.filter(pk=care_request.pk).update(status=CareRequest.Status.WITHDRAWN)
        _block(ward_nurse, ward, episode.patient, ward)
        dose = _dose(episode, 8)
        response = client_for(client, home_nurse).post(
            reverse("medication:dose_record", args=[dose.pk]),
            {"outcome": "given", "given_at": "08:05"},
        )
        assert response.status_code == 403
        dose.refresh_from_db()
        assert dose.status == DoseAdministration.Status.PLANNED
        assert AccessLogEntry.objects.filter(
            user=home_nurse.user,
            outcome=AccessLogEntry.Outcome.DENIED,
            detail=f"dose {dose.pk}, episode {episode.pk}: blocked information",
        ).exists()

    @pytest.mark.usefixtures("daytime_clock")  # today's 08:00 dose given at 08:05: past
    def test_the_addressee_gives_the_doses_but_not_the_live_list(
        self, client, listed, care_request, ward, ward_nurse, home_nurse
    ):
        """Safety: the ward's care request asks the visiting unit to give the doses – a
        disclosure. The dose to give stays; the list itself (its versions, the reason,
        who wrote it) is the shared record, and the request carries the list as sent."""
        episode = listed.episode
        _block(ward_nurse, ward, episode.patient, ward)
        page = _page(client, home_nurse, "medication:episode", episode.pk)
        assert LIST_REASON not in page and NOTICE in page
        assert DRUG in page  # today's doses to give
        assert reverse("carerequests:detail", args=[care_request.pk]) in page
        response = client_for(client, home_nurse).post(
            reverse("medication:dose_record", args=[_dose(episode, 8).pk]),
            {"outcome": "given", "given_at": "08:05"},
        )
        assert response.status_code == 302
        assert _dose(episode, 8).status == DoseAdministration.Status.GIVEN

    def test_without_a_live_request_the_visiting_unit_sees_no_doses(
        self, client, listed, care_request, ward, ward_nurse, home_nurse
    ):
        CareRequest.objects.filter(pk=care_request.pk).update(status=CareRequest.Status.WITHDRAWN)
        _block(ward_nurse, ward, listed.episode.patient, ward)
        page = _page(client, home_nurse, "medication:episode", listed.episode_id)
        assert DRUG not in page and NOTICE in page

    def test_a_blocked_visiting_units_dose_record_keeps_its_status_not_its_words(
        self, client, listed, home_health, home_nurse, ward, ward_nurse
    ):
        """Whether a dose was given stays (it must not be given twice); who recorded it
        and why it was not given are the visiting unit's documentation."""
        episode = listed.episode
        today = timezone.localdate()
        medication.dose_record(
            staff=home_nurse,
            unit=home_health,
            dose=_dose(episode, 8),
            outcome="not_given",
            reason=DOSE_REASON,
            now=local(today, 8, 15),
        )
        page = _page(client, ward_nurse, "medication:episode", episode.pk)
        assert DOSE_REASON in page and home_health.name in page  # without a block
        _block(ward_nurse, ward, episode.patient, home_health)
        page = _page(client, ward_nurse, "medication:episode", episode.pk)
        assert DOSE_REASON not in page and home_health.name not in page
        assert DRUG in page and "Inte given" in page and NOTICE in page

    def test_the_wards_own_care_provider_sees_everything(self, client, listed, ward, ward_nurse):
        _block(ward_nurse, ward, listed.episode.patient, ward)
        page = _page(client, ward_nurse, "medication:episode", listed.episode_id)
        assert DRUG in page and LIST_REASON in page and NOTICE not in page

    def test_an_opening_with_consent_shows_it_and_is_logged(
        self, client, listed, third_party, ward, ward_nurse
    ):
        episode = listed.episode
        nurse, unit = third_party
        _block(ward_nurse, ward, episode.patient, ward)
        _open(nurse, unit, episode.patient)
        page = _page(client, nurse, "medication:episode", episode.pk)
        assert DRUG in page and LIST_REASON in page and NOTICE not in page
        assert _emergency_entries(nurse, f"medication of episode {episode.pk}").exists()


ROUND_HINT = "Dagens rond är inte hållen."


class TestTheRoundHint:
    def test_whether_a_blocked_ward_held_its_round_is_not_shown(
        self,
        client,
        at_home,  # noqa: F811
        ward,
        ward_nurse,
        home_nurse,  # noqa: F811
    ):
        assert ROUND_HINT in _page(client, home_nurse, "episodes:detail", at_home.pk)
        _block(ward_nurse, ward, at_home.patient, ward)
        assert ROUND_HINT not in _page(client, home_nurse, "episodes:detail", at_home.pk)
        # The ward itself still sees its own hint.
        assert ROUND_HINT in _page(client, ward_nurse, "episodes:detail", at_home.pk)

    def test_an_opening_shows_it_again(
        self,
        client,
        at_home,  # noqa: F811
        ward,
        home_health,
        ward_nurse,
        home_nurse,  # noqa: F811
    ):
        _block(ward_nurse, ward, at_home.patient, ward)
        _open(home_nurse, home_health, at_home.patient)
        assert ROUND_HINT in _page(client, home_nurse, "episodes:detail", at_home.pk)


# --- coordination: tasks and the referral ----------------------------------------------------

WARD_TASK = "Kvallssamtal-uppgift-3390"
NOTICE_TASK = "Direktinlagd-notis-6612"
REFERRAL = "Remiss-text-8854"


@pytest.fixture
def tasks(at_home, ward, home_health, ward_nurse):  # noqa: F811
    """The ward's own task (its evening call) and the flow's notice to home health care
    (written by the ward, owned by the visiting unit)."""
    today = timezone.localdate()
    Task.objects.create(
        title=WARD_TASK,
        kind=Task.Kind.EVENING_CALL,
        episode=at_home,
        patient=at_home.patient,
        owner_unit=ward,
        due_on=today,
        source="flow",
        created_by=ward_nurse,
    )
    Task.objects.create(
        title=NOTICE_TASK,
        kind=Task.Kind.OTHER,
        episode=at_home,
        patient=at_home.patient,
        owner_unit=home_health,
        due_on=today,
        source="flow",
        created_by=ward_nurse,
    )
    return at_home


class TestTasks:
    def test_a_third_care_provider_sees_neither_task_of_a_blocked_ward(
        self, client, tasks, third_party, ward, ward_nurse
    ):
        nurse, _unit = third_party
        page = _page(client, nurse, "episodes:detail", tasks.pk)
        assert WARD_TASK in page and NOTICE_TASK in page  # without a block
        _block(ward_nurse, ward, tasks.patient, ward)
        page = _page(client, nurse, "episodes:detail", tasks.pk)
        assert WARD_TASK not in page and NOTICE_TASK not in page and NOTICE in page

    def test_the_owner_reads_the_notice_sent_to_it_not_the_wards_own_task(
        self, client, tasks, ward, ward_nurse, home_nurse
    ):
        _block(ward_nurse, ward, tasks.patient, ward)
        page = _page(client, home_nurse, "episodes:detail", tasks.pk)
        assert NOTICE_TASK in page and WARD_TASK not in page and NOTICE in page

    def test_a_blocked_visiting_units_task_is_hidden_from_the_ward(
        self, client, tasks, ward, home_health, ward_nurse
    ):
        _block(ward_nurse, ward, tasks.patient, home_health)
        page = _page(client, ward_nurse, "episodes:detail", tasks.pk)
        assert NOTICE_TASK not in page and WARD_TASK in page and NOTICE in page

    def test_the_wards_own_care_provider_sees_both(self, client, tasks, ward, ward_nurse):
        _block(ward_nurse, ward, tasks.patient, ward)
        page = _page(client, ward_nurse, "episodes:detail", tasks.pk)
        assert WARD_TASK in page and NOTICE_TASK in page and NOTICE not in page

    def test_an_opening_shows_them(self, client, tasks, third_party, ward, ward_nurse):
        nurse, unit = third_party
        _block(ward_nurse, ward, tasks.patient, ward)
        _open(nurse, unit, tasks.patient)
        page = _page(client, nurse, "episodes:detail", tasks.pk)
        assert WARD_TASK in page and NOTICE_TASK in page
        assert _emergency_entries(nurse, f"episode {tasks.pk}").exists()


class TestTheReferral:
    def test_a_blocked_wards_referral_is_read_only_by_its_addressee(
        self,
        client,
        at_home,  # noqa: F811
        third_party,
        ward,
        ward_nurse,
        home_nurse,  # noqa: F811
    ):
        nurse, unit = third_party
        Referral.objects.create(episode=at_home, to_unit=unit, text=REFERRAL, created_by=ward_nurse)
        assert REFERRAL in _page(client, home_nurse, "episodes:detail", at_home.pk)
        _block(ward_nurse, ward, at_home.patient, ward)
        page = _page(client, home_nurse, "episodes:detail", at_home.pk)
        assert REFERRAL not in page and NOTICE in page
        # Sent to the third party's unit: a disclosure to it.
        assert REFERRAL in _page(client, nurse, "episodes:detail", at_home.pk)
        assert REFERRAL in _page(client, ward_nurse, "episodes:detail", at_home.pk)


class TestTheRunSheet:
    """The nurse's run sheet shows the list as the medication page does: withheld from a
    visiting unit of another care provider when the ward is blocked and sent no live
    care request."""

    def _visit(self, episode, unit, nurse):
        from hemma.visits.models import Assignment, Visit

        start = local(timezone.localdate(), 8)
        visit = Visit.objects.create(
            unit=unit,
            episode=episode,
            day=timezone.localdate(),
            what="IV-antibiotika",
            window_start=start,
            window_end=start + timezone.timedelta(minutes=30),
            duration_minutes=30,
            skill="nurse",
            created_by=nurse,
        )
        Assignment.objects.create(
            visit=visit, staff=nurse, position=0, planned_arrival=start, planned_start=start
        )

    def test_the_list_is_left_out_without_a_live_request_and_kept_with_one(
        self, listed, care_request, home_health, home_nurse, ward, ward_nurse
    ):
        from hemma.visits.selectors import run_sheet

        episode = listed.episode
        self._visit(episode, home_health, home_nurse)
        _block(ward_nurse, ward, episode.patient, ward)
        (row,) = run_sheet(home_nurse, home_health, timezone.localdate())
        assert [m.drug for m in row["medication"]] == [DRUG] and not row["medication_blocked"]
        CareRequest.objects.filter(pk=care_request.pk).update(status=CareRequest.Status.WITHDRAWN)
        (row,) = run_sheet(home_nurse, home_health, timezone.localdate())
        assert row["medication"] == [] and row["medication_blocked"]
