"""Coordination follows the access policy (issue 13): discharge cases (lag 2017:612), their
messages, SIP plans, meetings, tasks and the care coordinator's list show a patient only
while the acting unit may see the patient – its own open or in-grace care relationship and,
for a municipal unit, the patient's consent to sharing. Home care (SoL) never sees the SIP.
Every refusal writes a denied entry naming the object, unknown ids included."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.coordination import care_coordinator, meetings, selectors, services
from hemma.coordination.models import EdVisit, MeetingItem, SipPlan, Task
from hemma.patients.models import CareRelationship
from hemma.patients.services import sharing_consent_revoke
from tests.conftest import client_for, make_patient, make_staff

pytestmark = pytest.mark.django_db


def open_case(patient, ward, nurse, *receivers):
    return services.case_open(
        staff=nurse,
        unit=ward,
        patient=patient,
        admitted_at=timezone.now() - timedelta(hours=3),
        estimated_discharge=timezone.localdate() + timedelta(days=4),
        receivers=list(receivers),
    )


def write_sip_plan(case, staff, unit):
    services.sip_consent_record(staff=staff, unit=unit, case=case)
    return services.sip_plan_save(
        staff=staff,
        unit=unit,
        case=case,
        base_number=0,
        needs="Tillsyn och måltider",
        goals="Klara sig hemma",
        actions=[{"who": "Dottern", "what": "Handlar", "when": "Fredagar"}],
        follow_up_on=timezone.localdate() + timedelta(days=14),
    )


def denied(detail: str, patient=None) -> bool:
    entries = AccessLogEntry.objects.filter(outcome="denied", detail=detail)
    if patient is not None:
        entries = entries.filter(patient=patient)
    return entries.exists()


@pytest.fixture
def shared_lisa(lisa, primary_care):
    """Lisa, listed at and in the care of the centre, the ward and home health care, with
    consent to sharing."""
    lisa.listed_unit = primary_care
    lisa.save(update_fields=["listed_unit"])
    CareRelationship.objects.create(patient=lisa, unit=primary_care)
    return lisa


@pytest.fixture
def case(shared_lisa, ward, ward_nurse, home_health):
    case = open_case(shared_lisa, ward, ward_nurse, home_health)
    write_sip_plan(case, ward_nurse, ward)
    return case


@pytest.fixture
def meeting(case, coordinator, primary_care, home_health):
    return meetings.meeting_create(
        staff=coordinator, unit=primary_care, partner=home_health, held_on=timezone.localdate()
    )


def urls(case):
    return (
        reverse("coordination:case", args=[case.pk]),
        reverse("coordination:sip_plan", args=[case.pk]),
        reverse("coordination:sip_plan", args=[case.pk]) + "?print=1",
    )


class TestConsent:
    def test_a_revoked_consent_hides_lisa_from_home_health_at_once(
        self,
        case,
        meeting,
        shared_lisa,
        coordinator,
        primary_care,
        home_health,
        home_nurse,
        as_home_nurse,
    ):
        worklist = reverse("coordination:worklist")
        meeting_url = reverse("coordination:meeting", args=[meeting.pk])
        before = as_home_nurse.get(worklist)
        assert "Lisa Testsson" in before.content.decode()
        assert before.context["unread_coordination"] == 1
        assert "Lisa Testsson" in as_home_nurse.get(meeting_url).content.decode()

        sharing_consent_revoke(staff=coordinator, unit=primary_care, patient=shared_lisa)

        after = as_home_nurse.get(worklist)
        assert "Lisa Testsson" not in after.content.decode()
        assert not after.context["unread_coordination"]  # the badge counts no hidden patient
        assert selectors.unread_count(home_health, home_nurse) == 0
        assert list(selectors.cases_for_unit(home_health, home_nurse)) == []
        assert "Lisa Testsson" not in as_home_nurse.get(meeting_url).content.decode()
        for url in urls(case):
            response = as_home_nurse.get(url)
            assert response.status_code == 404
            assert "Klara sig hemma" not in response.content.decode()
        assert denied(f"discharge case id={case.pk}", shared_lisa)
        assert denied(f"SIP plan, discharge case id={case.pk}", shared_lisa)
        # Nothing was marked read by the refused opening.
        assert not case.messages.filter(
            receipts__unit=home_health, receipts__read_at__isnull=False
        ).exists()

    def test_the_region_still_sees_the_case_and_the_meeting_row(
        self, case, meeting, shared_lisa, coordinator, primary_care, as_ward_nurse, client
    ):
        sharing_consent_revoke(staff=coordinator, unit=primary_care, patient=shared_lisa)
        for url in urls(case):
            assert as_ward_nurse.get(url).status_code == 200
        as_centre = client_for(client, coordinator)
        page = as_centre.get(reverse("coordination:meeting", args=[meeting.pk])).content.decode()
        assert "Lisa Testsson" in page


class TestRelationship:
    def test_an_assistant_nurse_without_relationship_cannot_read_the_sip_plan(
        self, kim, ward, ward_nurse, home_health, client
    ):
        """Kim is in the ward's care only and has not consented: home health care received
        the notice, but neither its nurse nor its assistant nurse reads the case or SIP."""
        case = open_case(kim, ward, ward_nurse, home_health)
        write_sip_plan(case, ward_nurse, ward)
        assistant = client_for(client, make_staff("usk", "assistant_nurse", home_health))
        for url in urls(case):
            response = assistant.get(url)
            assert response.status_code == 404
            assert "Klara sig hemma" not in response.content.decode()
        assert denied(f"SIP plan, discharge case id={case.pk}", kim)
        assert denied(f"discharge case id={case.pk}", kim)
        assert (
            "Kim Testsson" not in assistant.get(reverse("coordination:worklist")).content.decode()
        )

    def test_with_the_units_relationship_the_assistant_nurse_reads_it(
        self, case, home_health, client
    ):
        assistant = client_for(client, make_staff("usk", "assistant_nurse", home_health))
        response = assistant.get(reverse("coordination:sip_plan", args=[case.pk]))
        assert response.status_code == 200 and "Klara sig hemma" in response.content.decode()

    def test_a_case_is_readable_within_the_grace_period_and_refused_after(
        self, case, shared_lisa, home_health, as_home_nurse
    ):
        relationship = CareRelationship.objects.filter(patient=shared_lisa, unit=home_health)
        started = timezone.now() - timedelta(days=30)
        relationship.update(started_at=started, ended_at=timezone.now() + timedelta(days=3))
        assert as_home_nurse.get(reverse("coordination:case", args=[case.pk])).status_code == 200
        worklist = reverse("coordination:worklist")
        assert "Lisa Testsson" in as_home_nurse.get(worklist).content.decode()

        relationship.update(ended_at=timezone.now() - timedelta(days=1))
        assert as_home_nurse.get(reverse("coordination:case", args=[case.pk])).status_code == 404
        assert denied(f"discharge case id={case.pk}", shared_lisa)
        assert "Lisa Testsson" not in as_home_nurse.get(worklist).content.decode()

    def test_the_care_coordinator_lists_only_patients_in_the_centres_care(
        self, case, shared_lisa, primary_care, coordinator, client
    ):
        # Listed at the centre, a frequent attender, but not in the centre's care.
        outside = make_patient("19440514-9057", "Utanför", listed_unit=primary_care)
        for days in (5, 20, 60):
            EdVisit.objects.create(
                patient=outside, visited_on=timezone.localdate() - timedelta(days=days)
            )
        rows = care_coordinator.worklist(primary_care, coordinator)
        assert [row.patient for row in rows] == [shared_lisa]
        as_centre = client_for(client, coordinator)
        body = as_centre.get(reverse("coordination:worklist")).content.decode()
        assert "Lisa Testsson" in body and "Utanför" not in body
        logged = AccessLogEntry.objects.filter(
            action="list_patients", detail="coordination worklist", outcome="granted"
        )
        assert list(logged.values_list("patient", flat=True)) == [shared_lisa.pk]


class TestHomeCare:
    def test_home_care_reads_its_notice_but_never_the_sip(
        self, shared_lisa, ward, ward_nurse, home_care, needs_assessor, client
    ):
        CareRelationship.objects.create(patient=shared_lisa, unit=home_care)
        case = open_case(shared_lisa, ward, ward_nurse, home_care)
        write_sip_plan(case, ward_nurse, ward)
        as_assessor = client_for(client, needs_assessor)
        page = as_assessor.get(reverse("coordination:case", args=[case.pk]))
        assert page.status_code == 200
        assert reverse("coordination:sip_plan", args=[case.pk]) not in page.content.decode()
        sip = reverse("coordination:sip_plan", args=[case.pk])
        for url in (sip, sip + "?print=1"):
            response = as_assessor.get(url)
            assert response.status_code == 404
            assert "Klara sig hemma" not in response.content.decode()
        assert denied(f"SIP plan, discharge case id={case.pk} (home care)", shared_lisa)
        response = as_assessor.post(
            sip,
            {
                "needs": "x",
                "goals": "y",
                "actions": "Hemtjänsten | Tillsyn | Morgon",
                "follow_up_on": timezone.localdate().isoformat(),
                "base_number": "1",
            },
        )
        assert response.status_code == 404 and SipPlan.objects.count() == 1


class TestActionsAndUnknownIds:
    def test_a_crafted_case_action_of_the_wrong_unit_is_refused_and_logged(
        self, case, as_home_nurse
    ):
        response = as_home_nurse.post(reverse("coordination:act", args=[case.pk, "discharge"]))
        assert response.status_code == 404
        case.refresh_from_db()
        assert case.status == "open"
        assert denied(f"discharge case id={case.pk}: discharge", case.patient)

    def test_a_receipt_of_another_unit_cannot_be_acknowledged(self, case, as_home_nurse):
        ward_receipt = case.messages.get(kind="admission").receipts.exclude(
            unit__kind="home_health_care"
        )[0]
        response = as_home_nurse.post(
            reverse("coordination:act", args=[case.pk, "acknowledge"]),
            {"receipt": ward_receipt.pk},
        )
        assert response.status_code == 404
        ward_receipt.refresh_from_db()
        assert ward_receipt.acknowledged_at is None
        assert denied(f"discharge case id={case.pk}: acknowledge")

    @pytest.mark.parametrize(
        ("name", "method", "detail"),
        [
            ("coordination:case", "get", "discharge case id=987654"),
            ("coordination:sip_plan", "get", "SIP plan, discharge case id=987654"),
            ("coordination:meeting", "get", "coordination meeting id=987654"),
            ("coordination:task_done", "post", "task id=987654"),
        ],
    )
    def test_unknown_ids_write_a_denied_entry(self, as_home_nurse, name, method, detail):
        response = getattr(as_home_nurse, method)(reverse(name, args=[987654]))
        assert response.status_code == 404
        assert denied(detail)

    def test_hidden_patients_tasks_and_meeting_rows_are_refused(
        self, case, meeting, shared_lisa, coordinator, primary_care, home_health, as_home_nurse
    ):
        item = MeetingItem.objects.get(meeting=meeting, patient=shared_lisa)
        task = meetings.task_add(
            staff=coordinator,
            unit=primary_care,
            meeting=meeting,
            patient=shared_lisa,
            title="Ring dottern",
            owner_unit=home_health,
            due_on=timezone.localdate(),
            source=f"meeting:{meeting.pk}",
        )
        assert (
            "Ring dottern" in as_home_nurse.get(reverse("coordination:worklist")).content.decode()
        )
        sharing_consent_revoke(staff=coordinator, unit=primary_care, patient=shared_lisa)

        assert (
            "Ring dottern"
            not in as_home_nurse.get(reverse("coordination:worklist")).content.decode()
        )
        response = as_home_nurse.post(reverse("coordination:task_done", args=[task.pk]))
        assert response.status_code == 404
        task.refresh_from_db()
        assert task.status == Task.Status.OPEN
        assert denied(f"task id={task.pk}", shared_lisa)
        response = as_home_nurse.post(
            reverse("coordination:meeting_act", args=[meeting.pk, "note"]),
            {"item": item.pk, "notes": "Skrivet efter återkallat samtycke"},
        )
        assert response.status_code == 404
        item.refresh_from_db()
        assert item.notes == ""
        assert denied(f"coordination meeting id={meeting.pk} item id={item.pk}", shared_lisa)


class TestLists:
    def test_the_meeting_page_logs_each_row_with_constant_queries(
        self, ward, ward_nurse, primary_care, home_health, coordinator, client, settings
    ):
        settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0
        team = (ward, primary_care, home_health)
        numbers = ["19440514-9057", "19380508-9145", "19350404-9135", "19400401-9180"]
        patients = [
            make_patient(n, f"P{i}", *team, listed_unit=primary_care) for i, n in enumerate(numbers)
        ]
        open_case(patients[0], ward, ward_nurse, home_health)
        first = meetings.meeting_create(
            staff=coordinator, unit=primary_care, partner=home_health, held_on=timezone.localdate()
        )
        for patient in patients[1:]:
            open_case(patient, ward, ward_nurse, home_health)
        many = meetings.meeting_create(
            staff=coordinator,
            unit=primary_care,
            partner=home_health,
            held_on=timezone.localdate() + timedelta(days=7),
        )
        as_centre = client_for(client, coordinator)

        def queries(meeting):
            url = reverse("coordination:meeting", args=[meeting.pk])
            with CaptureQueriesContext(connection) as captured:
                assert as_centre.get(url).status_code == 200
            return len(captured)

        queries(first)  # warm-up
        assert queries(many) == queries(first)
        logged = AccessLogEntry.objects.filter(
            action="list_patients", detail=f"coordination meeting {many.pk}"
        )
        assert {e.patient_id for e in logged} == {p.pk for p in patients}
