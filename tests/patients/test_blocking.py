"""Blocking (spärr, patientdatalagen 4 kap. 4 §, 6 kap. 2–3 §§): the patient blocks what a
unit documented from other care providers; the blocked unit's own care provider still
sees it; recording and lifting follow the sharing consent's rule; an opening needs the
patient's consent and is logged and flagged for review."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.coordination.models import FrailtyScreening
from hemma.episodes.models import EpisodeTransition
from hemma.errors import Conflict, NotAllowed
from hemma.logreview.selectors import unreviewed_emergency_accesses
from hemma.monitoring import services as monitoring
from hemma.patients import policy, services
from hemma.patients.models import Block, EmergencyAccess
from tests.conftest import client_for, make_staff
from tests.monitoring.conftest import at_home  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

NOTICE = "Det finns spärrad information från en annan vårdgivare"
HOME_NOTE = "Hemsjukvardens-anteckning-7731"
WARD_REASON = "Avdelningens-motivering-4410"


def _reading(episode, staff, unit, source, pulse, note):
    monitoring.observation_record(
        episode=episode,
        values={"pulse": pulse, "spo2": 96},
        source=source,
        client_id=f"{source}-{pulse}",
        method="manual",
        recorded_by=staff,
        unit=unit,
        note=note,
        measured_at=timezone.now() - timedelta(hours=1 if source == "ward" else 0),
    )


@pytest.fixture
def documented(at_home, ward, home_health, ward_nurse, home_nurse):  # noqa: F811
    """Kim at home: the ward and the municipal home health unit have each documented."""
    _reading(at_home, ward_nurse, ward, "ward", 61, "")
    _reading(at_home, home_nurse, home_health, "home_health", 88, HOME_NOTE)
    EpisodeTransition.objects.create(
        episode=at_home,
        from_state="going_home",
        to_state="at_home",
        by=ward_nurse,
        reason=WARD_REASON,
    )
    return at_home


def _block(ward_nurse, ward, patient, unit, note=""):
    return services.block_record(
        staff=ward_nurse, unit=ward, patient=patient, blocked_unit=unit, note=note
    )


def _page(client, staff, name, *args):
    response = client_for(client, staff).get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


class TestThePolicy:
    def test_a_block_hides_from_other_care_providers_only(
        self, documented, ward, home_health, primary_care, ward_nurse, home_nurse, coordinator
    ):
        kim = documented.patient
        _block(ward_nurse, ward, kim, ward)
        # The municipality's nurse: another care provider.
        assert policy.blocked_units_for(staff=home_nurse, acting_unit=home_health, patient=kim) == {
            ward.pk
        }
        # The region's own units (the ward, primary care) are not affected.
        for staff, unit in ((ward_nurse, ward), (coordinator, primary_care)):
            assert policy.blocked_units_for(staff=staff, acting_unit=unit, patient=kim) == set()
        # Without an acting unit every block applies.
        assert policy.blocked_units_for(staff=home_nurse, acting_unit=None, patient=kim) == {
            ward.pk
        }

    def test_two_active_blocks_of_one_unit_are_refused_by_the_database(
        self, documented, ward, home_health, ward_nurse
    ):
        kim = documented.patient
        _block(ward_nurse, ward, kim, home_health)
        with pytest.raises(IntegrityError), transaction.atomic():
            Block.objects.create(
                patient=kim, blocked_unit=home_health, created_by=ward_nurse, created_unit=ward
            )
        with pytest.raises(Conflict):
            _block(ward_nurse, ward, kim, home_health)
        assert Block.objects.filter(patient=kim).count() == 1

    def test_an_opening_without_the_patients_consent_is_refused_by_the_database(
        self, kim, ward, ward_nurse
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            EmergencyAccess.objects.create(
                staff=ward_nurse,
                unit=ward,
                patient=kim,
                reason="utan samtycke",
                expires_at=timezone.now() + timedelta(hours=1),
                opens_blocks=True,
                patient_consent=False,
            )

    def test_only_a_unit_that_documented_can_be_blocked(
        self, documented, ward, home_care, ward_nurse
    ):
        with pytest.raises(Conflict):
            _block(ward_nurse, ward, documented.patient, home_care)

    def test_an_opening_opens_no_record_by_itself(self, documented, ward, home_nurse):
        kim = documented.patient
        EmergencyAccess.objects.create(
            staff=home_nurse,
            unit=home_nurse.memberships.get().unit,
            patient=kim,
            reason="med samtycke",
            expires_at=timezone.now() + timedelta(hours=1),
            opens_blocks=True,
            patient_consent=True,
        )
        assert policy.active_emergency_access(staff=home_nurse, patient=kim) is None


class TestThePages:
    def test_another_care_provider_does_not_see_the_blocked_units_readings(
        self, client, documented, ward, home_health, ward_nurse, home_nurse
    ):
        _block(ward_nurse, ward, documented.patient, home_health, note="Vill inte att ...")
        page = _page(client, ward_nurse, "monitoring:episode", documented.pk)
        assert NOTICE in page
        assert "<strong>88</strong>" not in page and "<strong>61</strong>" in page
        # The municipality's own nurse still sees its readings, without a notice.
        page = _page(client, home_nurse, "monitoring:episode", documented.pk)
        assert "<strong>88</strong>" in page and NOTICE not in page

    def test_the_ward_blocked_hides_its_timeline_and_readings_from_the_municipality(
        self, client, documented, ward, ward_nurse, home_nurse
    ):
        _block(ward_nurse, ward, documented.patient, ward)
        page = _page(client, home_nurse, "episodes:detail", documented.pk)
        assert NOTICE in page and WARD_REASON not in page
        page = _page(client, home_nurse, "monitoring:episode", documented.pk)
        assert NOTICE in page and "<strong>61</strong>" not in page
        assert "<strong>88</strong>" in page
        # The ward (the blocked unit's own care provider) sees everything.
        page = _page(client, ward_nurse, "episodes:detail", documented.pk)
        assert WARD_REASON in page and NOTICE not in page

    def test_the_notice_never_names_the_unit_and_the_patient_page_shows_it(
        self, client, documented, ward, ward_nurse, home_nurse
    ):
        _block(ward_nurse, ward, documented.patient, ward, note="Patientens ord 5521")
        page = _page(client, home_nurse, "patients:detail", documented.patient.pk)
        assert NOTICE in page
        notice = page[page.index(NOTICE) - 200 : page.index(NOTICE) + 200]
        assert ward.name not in notice
        # The blocks section is the managing unit's: not shown here, nor the patient's words.
        assert "Patientens ord 5521" not in page and 'id="blocks"' not in page
        page = _page(client, ward_nurse, "patients:detail", documented.patient.pk)
        assert 'id="blocks"' in page and "Patientens ord 5521" in page and "data-confirm" in page

    def test_lifting_restores_and_is_recorded(
        self, client, documented, ward, home_health, ward_nurse
    ):
        block = _block(ward_nurse, ward, documented.patient, home_health)
        response = client_for(client, ward_nurse).post(
            reverse("patients:block_lift", args=[documented.patient.pk, block.pk])
        )
        assert response.status_code == 302
        block.refresh_from_db()
        assert block.lifted_at and block.lifted_by == ward_nurse and block.lifted_unit == ward
        page = _page(client, ward_nurse, "monitoring:episode", documented.pk)
        assert "<strong>88</strong>" in page and NOTICE not in page
        assert AccessLogEntry.objects.filter(
            detail=f"block lift {home_health.hsa_id} on the patient's request"
        ).exists()
        # A new block of the same unit is possible after the lifting.
        _block(ward_nurse, ward, documented.patient, home_health)


class TestWhoMayRecordAndLift:
    def test_the_managing_ward_records_from_the_page_and_it_is_logged(
        self, client, documented, ward, home_health, ward_nurse
    ):
        response = client_for(client, ward_nurse).post(
            reverse("patients:block_add", args=[documented.patient.pk]),
            {"blocked_unit": home_health.pk, "note": "Vill inte"},
        )
        assert response.status_code == 302
        block = Block.objects.get(patient=documented.patient, lifted_at=None)
        assert (block.blocked_unit, block.created_by, block.note) == (
            home_health,
            ward_nurse,
            "Vill inte",
        )
        entry = AccessLogEntry.objects.filter(detail=f"block record {home_health.hsa_id}").get()
        assert entry.outcome == "granted" and entry.unit_id == ward.pk

    def test_a_team_member_that_does_not_manage_gets_403_and_a_denied_entry(
        self, client, documented, ward, home_health, ward_nurse, home_nurse
    ):
        kim = documented.patient
        client = client_for(client, home_nurse)
        response = client.post(
            reverse("patients:block_add", args=[kim.pk]), {"blocked_unit": ward.pk}
        )
        assert response.status_code == 403
        assert not Block.objects.exists()
        assert AccessLogEntry.objects.filter(
            outcome="denied", detail=f"block record {ward.hsa_id}: refused"
        ).exists()
        block = _block(ward_nurse, ward, kim, home_health)
        response = client.post(reverse("patients:block_lift", args=[kim.pk, block.pk]))
        assert response.status_code == 403
        block.refresh_from_db()
        assert block.lifted_at is None
        assert AccessLogEntry.objects.filter(
            outcome="denied", detail=f"block lift {home_health.hsa_id}: refused"
        ).exists()
        with pytest.raises(NotAllowed):
            services.block_lift(staff=home_nurse, unit=home_health, patient=kim, block_id=block.pk)

    def test_an_outsider_is_answered_404_with_a_denied_entry(
        self, client, documented, ward, outsider
    ):
        response = client_for(client, outsider).post(
            reverse("patients:block_add", args=[documented.patient.pk]), {"blocked_unit": ward.pk}
        )
        assert response.status_code == 404
        assert not Block.objects.exists()
        assert AccessLogEntry.objects.filter(
            outcome="denied", patient=documented.patient, user=outsider.user
        ).exists()


class TestOpeningWithTheConsent:
    def test_without_the_patients_consent_nothing_opens(
        self, client, documented, ward, ward_nurse, home_nurse
    ):
        _block(ward_nurse, ward, documented.patient, ward)
        response = client_for(client, home_nurse).post(
            reverse("patients:block_open", args=[documented.patient.pk]),
            {"reason": "Behöver avdelningens bedömning nu"},
        )
        assert response.status_code == 200
        assert "kan bara öppnas om patienten samtycker" in response.content.decode()
        assert not EmergencyAccess.objects.exists()
        assert AccessLogEntry.objects.filter(
            outcome="denied", detail="block open without the patient's consent: refused"
        ).exists()
        assert WARD_REASON not in _page(client, home_nurse, "episodes:detail", documented.pk)

    def test_with_the_consent_it_shows_and_everything_is_logged_and_flagged(
        self, client, documented, ward, home_health, ward_nurse, home_nurse
    ):
        kim = documented.patient
        _block(ward_nurse, ward, kim, ward)
        response = client_for(client, home_nurse).post(
            reverse("patients:block_open", args=[kim.pk]),
            {"reason": "Behöver avdelningens bedömning nu", "patient_consents": "on"},
        )
        assert response.status_code == 302
        opening = EmergencyAccess.objects.get()
        assert opening.opens_blocks and opening.patient_consent
        assert opening.unit == home_health and opening.reviewed_at is None
        entry = AccessLogEntry.objects.get(action="emergency_access")
        assert entry.purpose == "emergency" and entry.detail.startswith(
            "block opened with the patient's consent: Behöver"
        )
        page = _page(client, home_nurse, "episodes:detail", documented.pk)
        assert WARD_REASON in page and NOTICE not in page
        assert AccessLogEntry.objects.filter(
            purpose="emergency",
            detail=f"blocked information shown with the patient's consent: episode {documented.pk}",
        ).exists()
        # Flagged for the municipality's log review like an emergency access.
        municipal_reviewer = make_staff(
            "kommun.granskare", "administrator", home_health, role="log_reviewer"
        )
        assert opening in unreviewed_emergency_accesses(municipal_reviewer)

    def test_nothing_to_open_is_said_and_refused(self, client, documented, home_nurse):
        page = _page(client, home_nurse, "patients:block_open", documented.patient.pk)
        assert "ingen spärrad information" in page
        with pytest.raises(Conflict):
            services.block_open(
                staff=home_nurse,
                unit=home_nurse.memberships.get().unit,
                patient=documented.patient,
                reason="Behöver informationen nu",
                patient_consents=True,
            )


def test_the_patient_page_hides_a_blocked_units_frailty_screening(
    client, documented, ward, ward_nurse, home_nurse
):
    kim = documented.patient
    FrailtyScreening.objects.create(
        patient=kim, level=6, assessed_on=timezone.localdate(), assessed_by=ward_nurse, unit=ward
    )
    _block(ward_nurse, ward, kim, ward)
    page = _page(client, home_nurse, "patients:detail", kim.pk)
    assert "CFS 6" not in page and page.count(NOTICE) == 2
    assert "CFS 6" in _page(client, ward_nurse, "patients:detail", kim.pk)
