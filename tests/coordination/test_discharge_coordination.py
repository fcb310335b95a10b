"""Lag (2017:612) in Hemma: the admission notice and its deadline, updates, the fixed care
contact, ready / withdrawn, SIP with consent and its deadline, payment days with a local
agreement, receipts per unit, the pages and who may see a case."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.accounts.models import Membership
from hemma.audit.models import AccessLogEntry
from hemma.coordination import selectors, services
from hemma.coordination.models import CaseMessage, MessageReceipt, PaymentAgreement
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.models import CareRelationship, SharingConsent
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def share_with(patient, unit):
    """The unit joins the patient's care and the patient consents to region–municipality
    sharing: what a municipal unit needs to see the case at all (patients.policy)."""
    CareRelationship.objects.create(patient=patient, unit=unit)
    SharingConsent.objects.get_or_create(patient=patient, revoked_at=None)


@pytest.fixture
def manager(primary_care):
    return make_staff("vcchef", "physician", primary_care, role="manager")


@pytest.fixture
def case(ward_nurse, ward, kim, home_health):
    return services.case_open(
        staff=ward_nurse,
        unit=ward,
        patient=kim,
        admitted_at=timezone.now() - timedelta(hours=3),
        estimated_discharge=timezone.localdate() + timedelta(days=4),
        receivers=[home_health],
    )


class TestNotices:
    def test_the_admission_notice_reaches_the_municipality_and_primary_care(
        self, case, home_health, primary_care
    ):
        message = case.messages.get()
        assert message.kind == "admission" and not message.late
        assert set(message.receipts.values_list("unit", flat=True)) == {
            home_health.pk,
            primary_care.pk,
        }

    def test_a_notice_after_24_hours_is_flagged_late(self, ward_nurse, ward, kim, home_health):
        case = services.case_open(
            staff=ward_nurse,
            unit=ward,
            patient=kim,
            admitted_at=timezone.now() - timedelta(hours=30),
            estimated_discharge=timezone.localdate() + timedelta(days=2),
            receivers=[home_health],
        )
        assert case.messages.get().late
        assert selectors.clock(case).notice_late

    def test_the_clock_starts_at_the_support_judgement_when_later(
        self, ward_nurse, ward, kim, home_health
    ):
        case = services.case_open(
            staff=ward_nurse,
            unit=ward,
            patient=kim,
            admitted_at=timezone.now() - timedelta(days=3),
            support_judged_at=timezone.now() - timedelta(hours=2),
            estimated_discharge=timezone.localdate() + timedelta(days=2),
            receivers=[home_health],
        )
        assert not case.messages.get().late

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"receivers": []}, "minst en kommunal"),
            ({"admitted_at": timezone.now() + timedelta(hours=2)}, "framtiden"),
            (
                {"estimated_discharge": timezone.localdate() - timedelta(days=9)},
                "före inskrivningen",
            ),
        ],
    )
    def test_bad_notices_are_refused_and_nothing_is_saved(
        self, ward_nurse, ward, kim, home_health, changes, message
    ):
        fields = {
            "admitted_at": timezone.now() - timedelta(hours=1),
            "estimated_discharge": timezone.localdate() + timedelta(days=2),
            "receivers": [home_health],
        } | changes
        with pytest.raises(HemmaError, match=message):
            services.case_open(staff=ward_nurse, unit=ward, patient=kim, **fields)
        assert not CaseMessage.objects.exists()

    def test_an_update_of_the_estimate_is_sent_and_stale_edits_are_refused(
        self, case, ward_nurse, ward
    ):
        new_date = case.estimated_discharge + timedelta(days=2)
        services.case_update_estimate(
            staff=ward_nurse, unit=ward, case=case, estimated_discharge=new_date, base_version=1
        )
        assert case.messages.filter(kind="update").exists()
        with pytest.raises(Conflict):
            services.case_update_estimate(
                staff=ward_nurse,
                unit=ward,
                case=case,
                estimated_discharge=new_date + timedelta(days=1),
                base_version=1,
            )


class TestFixedContactReadyAndSip:
    def test_only_the_listed_centres_manager_appoints_and_only_once(
        self, case, manager, coordinator, primary_care
    ):
        with pytest.raises(NotAllowed, match="chef"):
            services.fixed_contact_appoint(
                staff=coordinator, unit=primary_care, case=case, contact=coordinator
            )
        services.fixed_contact_appoint(
            staff=manager, unit=primary_care, case=case, contact=coordinator
        )
        case.refresh_from_db()
        assert case.fixed_contact == coordinator
        with pytest.raises(Conflict):
            services.fixed_contact_appoint(
                staff=manager, unit=primary_care, case=case, contact=manager
            )

    def test_ready_withdrawn_and_the_sip_call(
        self, case, physician, ward, manager, coordinator, primary_care
    ):
        with pytest.raises(NotAllowed):
            services.case_mark_ready(staff=coordinator, unit=primary_care, case=case)
        services.case_mark_ready(staff=physician, unit=ward, case=case)
        case.refresh_from_db()
        clock = selectors.clock(case)
        assert clock.sip_deadline is not None and not clock.sip_called
        services.case_withdraw_ready(staff=physician, unit=ward, case=case, reason="Ny feber")
        case.refresh_from_db()
        assert case.ready_at is None and selectors.clock(case).payment_days == 0
        services.case_mark_ready(staff=physician, unit=ward, case=case)

        services.fixed_contact_appoint(
            staff=manager, unit=primary_care, case=case, contact=coordinator
        )
        meeting_at = timezone.now() + timedelta(days=2)
        with pytest.raises(NotAllowed, match="samtycke"):
            services.sip_call(
                staff=coordinator,
                unit=primary_care,
                case=case,
                meeting_at=meeting_at,
                participants="Patienten, dottern, hemsjukvården",
                place="Vårdcentralen",
            )
        services.sip_consent_record(staff=coordinator, unit=primary_care, case=case)
        with pytest.raises(NotAllowed, match="fasta vårdkontakt"):
            services.sip_call(
                staff=manager,
                unit=primary_care,
                case=case,
                meeting_at=meeting_at,
                participants="x",
                place="y",
            )
        services.sip_call(
            staff=coordinator,
            unit=primary_care,
            case=case,
            meeting_at=meeting_at,
            participants="Patienten, dottern, hemsjukvården",
            place="Vårdcentralen",
        )
        case.refresh_from_db()
        assert selectors.clock(case).sip_called
        kinds = list(case.messages.values_list("kind", flat=True))
        assert kinds == [
            "admission",
            "ready",
            "ready_withdrawn",
            "ready",
            "fixed_contact",
            "sip_call",
        ]

    def test_a_sip_not_called_in_three_days_is_flagged(self, case, physician, ward):
        services.case_mark_ready(staff=physician, unit=ward, case=case)
        case.refresh_from_db()
        assert selectors.clock(case, timezone.now() + timedelta(days=3, hours=1)).sip_late


class TestPayment:
    def test_payment_days_and_amount_follow_the_local_agreement(
        self, case, physician, ward, region, municipality
    ):
        services.case_mark_ready(staff=physician, unit=ward, case=case)
        case.refresh_from_db()
        case.ready_at = timezone.now() - timedelta(days=6)
        case.save()
        default = selectors.clock(case)
        assert default.payment_days in (3, 4) and default.payment_amount is None
        PaymentAgreement.objects.create(
            region=region, municipality=municipality, days_after_ready=5, daily_amount=Decimal(8000)
        )
        local = selectors.clock(case)
        assert local.payment_days == default.payment_days - 2
        assert local.payment_amount == Decimal(8000) * local.payment_days


class TestReceipts:
    def test_opening_the_case_reads_and_acknowledging_is_recorded(
        self, case, home_nurse, home_health, kim
    ):
        # The badge counts only patients the unit may list: a care relationship and consent.
        assert selectors.unread_count(home_health, home_nurse) == 0
        share_with(kim, home_health)
        assert selectors.unread_count(home_health, home_nurse) == 1
        services.receipt_read(staff=home_nurse, unit=home_health, case=case)
        assert selectors.unread_count(home_health, home_nurse) == 0
        receipt = MessageReceipt.objects.get(unit=home_health)
        services.receipt_acknowledge(staff=home_nurse, unit=home_health, receipt=receipt)
        with pytest.raises(Conflict):
            services.receipt_acknowledge(staff=home_nurse, unit=home_health, receipt=receipt)
        assert receipt.acknowledged_by == home_nurse


class TestPages:
    def test_the_ward_sends_a_notice_from_the_patient_page(self, as_ward_nurse, kim, home_health):
        url = reverse("coordination:open", args=[kim.pk])
        response = as_ward_nurse.post(
            url,
            {
                "admitted_at": (timezone.localtime() - timedelta(hours=2)).strftime(
                    "%Y-%m-%dT%H:%M"
                ),
                "estimated_discharge": (timezone.localdate() + timedelta(days=3)).isoformat(),
                "receivers": [home_health.pk],
            },
        )
        assert response.status_code == 302
        body = as_ward_nurse.get(reverse("coordination:worklist")).content.decode()
        assert "Kim Testsson" in body and "oläst" in body

    def test_a_bad_form_is_an_error_not_a_500(self, as_ward_nurse, kim):
        response = as_ward_nurse.post(reverse("coordination:open", args=[kim.pk]), {})
        assert response.status_code == 200 and "errorlist" in response.content.decode()

    def test_the_municipality_sees_its_inbox_and_the_case(
        self, case, as_home_nurse, kim, home_health
    ):
        share_with(kim, home_health)
        inbox = as_home_nurse.get(reverse("coordination:worklist")).content.decode()
        assert "Inskrivningsmeddelande" in inbox and "Kim Testsson" in inbox
        page = as_home_nurse.get(reverse("coordination:case", args=[case.pk])).content.decode()
        assert "Kvittera" in page
        assert MessageReceipt.objects.get(unit__kind="home_health_care").read_at is not None

    def test_units_outside_the_case_get_404_and_a_denied_entry(self, case, as_outsider):
        response = as_outsider.get(reverse("coordination:case", args=[case.pk]))
        assert response.status_code == 404
        assert AccessLogEntry.objects.filter(
            outcome="denied", detail=f"discharge case id={case.pk}"
        ).exists()

    @pytest.mark.parametrize("viewer", ["as_ward_nurse", "as_home_nurse"])
    def test_the_worklist_query_count_does_not_grow(
        self, ward_nurse, ward, home_health, viewer, request, settings
    ):
        settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every display logs its patients
        client = request.getfixturevalue(viewer)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from tests.conftest import make_patient

        def add(number):
            services.case_open(
                staff=ward_nurse,
                unit=ward,
                # In both units' care, with consent: the lists show them.
                patient=make_patient(number, "P", ward, home_health),
                admitted_at=timezone.now() - timedelta(hours=1),
                estimated_discharge=timezone.localdate() + timedelta(days=2),
                receivers=[home_health],
            )

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("coordination:worklist")).status_code == 200
            return len(queries)

        add("19440514-9057")
        count()
        few = count()
        for number in ("19380508-9145", "19350404-9135", "19400401-9180"):
            add(number)
        assert count() == few


def test_membership_roles_exist():
    assert Membership.Role.MANAGER == "manager"
