"""Blocking (spärr) beyond the record's own pages: the alert lists, care requests, the
documented agreement and the episode's ambulance contacts. What a blocked unit documented
is hidden from staff of other care providers behind the neutral notice; an opening with
the patient's consent shows it again, and the showing is logged (purpose emergency)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.ambulance import services as ambulance
from hemma.audit.models import AccessLogEntry
from hemma.careplans.models import Agreement, AgreementVersion, DischargeCriterionCheck
from hemma.carerequests.models import CareRequest
from hemma.monitoring import services as monitoring
from hemma.monitoring.models import Alert, Level
from hemma.patients import services
from hemma.patients.models import CareRelationship
from hemma.visits.models import SKILLS, Visit
from tests.conftest import client_for, make_staff, make_unit
from tests.monitoring.conftest import RED_SET, at_home  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

NOTICE = "Det finns spärrad information från en annan vårdgivare"
OPEN_LINK = "Öppna med patientens samtycke"
CONCERN = "Hemsjukvardens-oro-6120"
SHOWN_WITH_CONSENT = "blocked information shown with the patient's consent"


def _block(ward_nurse, ward, patient, unit):
    return services.block_record(
        staff=ward_nurse, unit=ward, patient=patient, blocked_unit=unit, note="Patientens önskan"
    )


def _open(staff, unit, patient):
    return services.block_open(
        staff=staff,
        unit=unit,
        patient=patient,
        reason="Akut försämring, patienten samtycker",
        patient_consents=True,
    )


def _page(client, staff, name, *args):
    response = client_for(client, staff).get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def _emergency_entries(staff, where):
    return AccessLogEntry.objects.filter(
        user=staff.user,
        purpose=AccessLogEntry.Purpose.EMERGENCY,
        detail=f"{SHOWN_WITH_CONSENT}: {where}",
    )


@pytest.fixture
def concern(at_home, home_health, home_nurse):  # noqa: F811
    """The municipal home health unit's visit raised a concern to the ward (as
    visits.services.runsheet does: an alert quoting the visit's note, linked from it)."""
    alert = Alert.objects.create(
        episode=at_home,
        unit=at_home.ward,
        kind=Alert.Kind.VISIT_CONCERN,
        level=Level.MEDIUM,
        reasons=[f"Oro vid hembesök (Omläggning): {CONCERN}", "Rapporterad av usk"],
        response="Bedöm inom en timme",
    )
    now = timezone.now()
    Visit.objects.create(
        unit=home_health,
        episode=at_home,
        day=timezone.localdate(),
        what="Omläggning",
        window_start=now - timedelta(hours=2),
        window_end=now - timedelta(hours=1),
        skill=SKILLS[0].value,
        status=Visit.Status.DONE,
        done_at=now,
        done_by=home_nurse,
        concern=CONCERN,
        concern_alert=alert,
        created_by=home_nurse,
    )
    return alert


@pytest.fixture
def red_home_reading(at_home, home_health, home_nurse):  # noqa: F811
    """A red reading recorded at the home health unit's visit: a NEWS2 alert to the ward."""
    monitoring.observation_record(
        episode=at_home,
        values=RED_SET,
        source="home_health",
        client_id="home-red-1",
        method="manual",
        recorded_by=home_nurse,
        unit=home_health,
    )
    alert = Alert.objects.get(episode=at_home, kind=Alert.Kind.VITALS)
    return alert


class TestAlertLists:
    def test_the_ward_sees_that_a_blocked_concern_exists_but_not_what_it_says(
        self, client, concern, ward, home_health, ward_nurse
    ):
        _block(ward_nurse, ward, concern.episode.patient, home_health)
        for name in ("monitoring:alerts", "monitoring:alerts_panel"):
            page = _page(client, ward_nurse, name)
            assert CONCERN not in page and "Oro vid hembesök" not in page
            # The alert is there: the patient, its level, the notice and the way to open.
            assert concern.episode.patient.full_name in page
            assert concern.get_level_display() in page
            assert NOTICE in page and OPEN_LINK in page
            assert home_health.name not in page
            assert reverse("monitoring:alert_act", args=[concern.pk, "ack"]) in page
        # Nothing was shown under the patient's consent: no emergency entry.
        assert not _emergency_entries(ward_nurse, "alert list").exists()

    def test_a_failed_escalation_names_the_patient_not_the_blocked_words(
        self, client, concern, ward, home_health, ward_nurse
    ):
        Alert.objects.filter(pk=concern.pk).update(escalation_failed=True)
        _block(ward_nurse, ward, concern.episode.patient, home_health)
        page = _page(client, ward_nurse, "monitoring:alerts_panel")
        failed = page[page.index("escalation-failed") : page.index("</ul>")]
        assert concern.episode.patient.full_name in failed and NOTICE in failed
        assert CONCERN not in page

    def test_the_ward_still_acts_on_a_blocked_alert(
        self, client, concern, ward, home_health, ward_nurse
    ):
        _block(ward_nurse, ward, concern.episode.patient, home_health)
        response = client_for(client, ward_nurse).post(
            reverse("monitoring:alert_act", args=[concern.pk, "ack"])
        )
        assert response.status_code == 302
        concern.refresh_from_db()
        assert concern.status == Alert.Status.ACKNOWLEDGED

    def test_a_blocked_units_reading_alert_is_withheld_the_wards_own_is_not(
        self, client, red_home_reading, ward, home_health, ward_nurse
    ):
        _block(ward_nurse, ward, red_home_reading.episode.patient, home_health)
        page = _page(client, ward_nurse, "monitoring:alerts_panel")
        assert NOTICE in page and "Vitalparametrar" not in page
        assert "<strong>135</strong>" not in page and "135" not in page

    def test_the_blocked_units_own_care_provider_sees_the_content(
        self, client, concern, ward, home_health, ward_nurse, home_nurse
    ):
        _block(ward_nurse, ward, concern.episode.patient, home_health)
        page = _page(client, home_nurse, "monitoring:alerts_panel")
        assert CONCERN in page and NOTICE not in page

    def test_without_a_block_the_concern_is_shown(self, client, concern, ward_nurse):
        page = _page(client, ward_nurse, "monitoring:alerts_panel")
        assert CONCERN in page and NOTICE not in page

    def test_an_opening_with_consent_shows_it_and_is_logged_once_per_window(
        self, client, concern, ward, home_health, ward_nurse
    ):
        patient = concern.episode.patient
        _block(ward_nurse, ward, patient, home_health)
        _open(ward_nurse, ward, patient)
        page = _page(client, ward_nurse, "monitoring:alerts_panel")
        assert CONCERN in page and NOTICE not in page
        _page(client, ward_nurse, "monitoring:alerts_panel")  # the 10-second poll
        entries = _emergency_entries(ward_nurse, "alert list")
        assert entries.count() == 1 and entries.get().patient_id == patient.pk

    def test_the_episode_pages_withhold_the_concern_too(
        self, client, concern, ward, home_health, ward_nurse
    ):
        _block(ward_nurse, ward, concern.episode.patient, home_health)
        for name in ("monitoring:episode", "episodes:detail"):
            page = _page(client, ward_nurse, name, concern.episode_id)
            assert CONCERN not in page and NOTICE in page
        _open(ward_nurse, ward, concern.episode.patient)
        for name in ("monitoring:episode", "episodes:detail"):
            page = _page(client, ward_nurse, name, concern.episode_id)
            assert CONCERN in page


# --- ambulance contacts -------------------------------------------------------------------

CONTACT = "Andnod-ambulans-8812"


@pytest.fixture
def contact(at_home, ward, ward_nurse):  # noqa: F811
    """The ward recorded a 112 call on the episode."""
    return ambulance.ambulance_contact_record(
        staff=ward_nurse,
        unit=ward,
        episode=at_home,
        kind="call_112",
        occurred_at=timezone.now() - timedelta(hours=1),
        summary=CONTACT,
    )


class TestAmbulanceContacts:
    def test_a_blocked_units_contact_is_hidden_from_another_care_provider(
        self, client, contact, ward, ward_nurse, home_nurse
    ):
        episode = contact.episode
        _block(ward_nurse, ward, episode.patient, ward)
        for name in ("episodes:detail", "ambulance:contact"):
            page = _page(client, home_nurse, name, episode.pk)
            assert CONTACT not in page and NOTICE in page
        # The ward's own care provider still reads it.
        for name in ("episodes:detail", "ambulance:contact"):
            assert CONTACT in _page(client, ward_nurse, name, episode.pk)

    def test_without_a_block_the_contact_is_shown(self, client, contact, home_nurse):
        page = _page(client, home_nurse, "ambulance:contact", contact.episode_id)
        assert CONTACT in page and NOTICE not in page

    def test_an_opening_shows_it_and_is_logged(
        self, client, contact, ward, home_health, ward_nurse, home_nurse
    ):
        episode = contact.episode
        _block(ward_nurse, ward, episode.patient, ward)
        _open(home_nurse, home_health, episode.patient)
        assert CONTACT in _page(client, home_nurse, "ambulance:contact", episode.pk)
        assert _emergency_entries(home_nurse, f"ambulance contacts of episode {episode.pk}")


# --- the documented agreement --------------------------------------------------------------

ACTIVITY = "Dropp-aktivitet-9931"
CRITERION = "Feberfri-kriterium-4411"
EQUIPMENT = "Pump-utrustning-5512"
CHANGE_NOTE = "Andrad-dos-3301"
IF_WORSE = "Ring-avdelningen-7781"
CALL_112 = "Andnod-ring-112-6620"
PHONE = "023-49 11 22"


@pytest.fixture
def agreement(at_home, ward_nurse):  # noqa: F811
    """The ward's documented agreement with Kim."""
    written = Agreement.objects.create(episode=at_home)
    AgreementVersion.objects.create(
        agreement=written,
        number=1,
        created_by=ward_nurse,
        change_note=CHANGE_NOTE,
        activities=[{"what": ACTIVITY, "who": "Hemsjukvården", "when": "dagligen"}],
        contacts=[{"name": "Avdelningen", "phone": PHONE, "hours": "dygnet runt"}],
        criteria=[CRITERION],
        if_worse=IF_WORSE,
        call_112=CALL_112,
        equipment=[EQUIPMENT],
    )
    return written


SAFE_PARTS = (PHONE, IF_WORSE, CALL_112)
WITHHELD = (ACTIVITY, CRITERION, EQUIPMENT, CHANGE_NOTE)


class TestTheAgreement:
    def test_a_blocked_wards_agreement_shows_other_providers_only_what_they_act_on(
        self, client, agreement, ward, ward_nurse, home_nurse
    ):
        episode = agreement.episode
        _block(ward_nurse, ward, episode.patient, ward)
        pages = (
            ("careplans:agreement", episode.pk),
            ("careplans:version", episode.pk, 1),
            ("careplans:print", episode.pk),
        )
        for name, *args in pages:
            page = _page(client, home_nurse, name, *args)
            assert NOTICE in page, name
            assert all(part not in page for part in WITHHELD), name
            assert all(part in page for part in SAFE_PARTS), name
        page = _page(client, home_nurse, "episodes:detail", episode.pk)
        assert ACTIVITY not in page and CRITERION not in page and PHONE in page
        # The ward itself reads all of it, without a notice.
        page = _page(client, ward_nurse, "careplans:agreement", episode.pk)
        assert all(part in page for part in WITHHELD + SAFE_PARTS) and NOTICE not in page

    def test_the_visiting_units_worklist_withholds_the_activities(
        self, client, agreement, ward, ward_nurse, home_nurse
    ):
        _block(ward_nurse, ward, agreement.episode.patient, ward)
        page = _page(client, home_nurse, "episodes:worklist")
        assert ACTIVITY not in page and NOTICE in page

    def test_without_a_block_the_visiting_unit_reads_the_whole_agreement(
        self, client, agreement, home_nurse
    ):
        page = _page(client, home_nurse, "careplans:agreement", agreement.episode_id)
        assert all(part in page for part in WITHHELD + SAFE_PARTS) and NOTICE not in page
        assert ACTIVITY in _page(client, home_nurse, "episodes:worklist")

    def test_a_crafted_criterion_post_is_refused_and_logged(
        self, client, agreement, ward, ward_nurse, home_nurse
    ):
        episode = agreement.episode
        _block(ward_nurse, ward, episode.patient, ward)
        response = client_for(client, home_nurse).post(
            reverse("careplans:criterion", args=[episode.pk]),
            {"criterion": CRITERION, "met": "yes"},
        )
        assert response.status_code == 403
        assert not DischargeCriterionCheck.objects.filter(agreement=agreement).exists()
        assert AccessLogEntry.objects.filter(
            user=home_nurse.user,
            outcome=AccessLogEntry.Outcome.DENIED,
            detail=f"criterion of episode {episode.pk}: blocked information",
        ).exists()

    def test_an_opening_shows_it_all_and_is_logged(
        self, client, agreement, ward, home_health, ward_nurse, home_nurse
    ):
        episode = agreement.episode
        _block(ward_nurse, ward, episode.patient, ward)
        _open(home_nurse, home_health, episode.patient)
        page = _page(client, home_nurse, "careplans:agreement", episode.pk)
        assert all(part in page for part in WITHHELD) and NOTICE not in page
        assert _emergency_entries(home_nurse, f"agreement of episode {episode.pk}").exists()


# --- care requests -------------------------------------------------------------------------

REQUEST_REASON = "Vardbegaran-orsak-2207"


@pytest.fixture
def care_request(at_home, ward, home_health, ward_nurse):  # noqa: F811
    """The ward's request to the municipal home health unit."""
    return CareRequest.objects.create(
        episode=at_home,
        kind=CareRequest.Kind.HOME_HEALTH,
        from_unit=ward,
        to_unit=home_health,
        reason=REQUEST_REASON,
        start_at=timezone.now(),
        interventions="Dropp",
        sent_by=ward_nurse,
    )


@pytest.fixture
def third_party(at_home, other_municipality):  # noqa: F811
    """A nurse of another municipality's home health unit, in Kim's care team: another
    care provider than both the ward and the addressee."""
    unit = make_unit(other_municipality, "Hemsjukvården Grannkommun", "home_health_care", "HSV2")
    CareRelationship.objects.create(patient=at_home.patient, unit=unit)
    return make_staff("thirdnurse", "nurse", unit), unit


class TestCareRequests:
    def test_a_third_care_provider_does_not_see_the_blocked_senders_request(
        self, client, care_request, third_party, ward, ward_nurse
    ):
        episode = care_request.episode
        link = reverse("carerequests:detail", args=[care_request.pk])
        nurse, _unit = third_party
        # Listed, but not linked: only its sender and addressee open it (issue 19: a link
        # shown to a role must not lead it to a 404).
        row = f"{care_request.get_kind_display()} → {care_request.to_unit.name}"
        page = _page(client, nurse, "episodes:detail", episode.pk)
        assert row in page and link not in page
        _block(ward_nurse, ward, episode.patient, ward)
        page = _page(client, nurse, "episodes:detail", episode.pk)
        assert row not in page and link not in page and NOTICE in page
        # It never could open the request itself: not a party to it.
        response = client_for(client, nurse).get(link)
        assert response.status_code == 404
        assert REQUEST_REASON not in response.content.decode()

    def test_the_addressee_still_reads_the_request_sent_to_it(
        self, client, care_request, ward, ward_nurse, home_nurse
    ):
        episode = care_request.episode
        _block(ward_nurse, ward, episode.patient, ward)
        link = reverse("carerequests:detail", args=[care_request.pk])
        assert link in _page(client, home_nurse, "episodes:detail", episode.pk)
        page = client_for(client, home_nurse).get(link).content.decode()
        assert REQUEST_REASON in page
        # The current medication list beside it is the shared record: withheld.
        assert NOTICE in page

    def test_the_addressee_without_a_block_sees_the_current_list(
        self, client, care_request, home_nurse
    ):
        link = reverse("carerequests:detail", args=[care_request.pk])
        page = client_for(client, home_nurse).get(link).content.decode()
        assert REQUEST_REASON in page and NOTICE not in page
