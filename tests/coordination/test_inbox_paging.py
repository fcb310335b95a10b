"""Issue 19: the coordination inboxes (a receiving unit's and the ward's) show the unit's
messages a page at a time (25), under a filter (Aktuella / Olästa / Okvitterade / Historik)
with the count of each, and the open cases a page at a time; the menu badge counts only
what needs action (messages of current cases not yet acknowledged); bad parameters fall
back to the defaults; the query count does not grow with the pages; a unit sees only its
own messages of patients it may list."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.clinical.identifiers import luhn_check_digit
from hemma.coordination.models import CaseMessage, DischargeCase, MessageReceipt
from hemma.patients.models import CareRelationship
from hemma.shell.context_processors import nav_counts
from tests.conftest import client_for, make_patient

pytestmark = pytest.mark.django_db

WORKLIST = reverse("coordination:worklist")


def made_up_number(i: int) -> str:
    """A valid personnummer (born 1942) for the i-th made-up patient."""
    nine = f"42{1 + i // 28:02d}{1 + i % 28:02d}{300 + i:03d}"
    return f"19{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"


def case_with_message(
    i, ward, nurse, to_unit, *, read=False, acknowledged=False, discharged_days_ago=None
) -> MessageReceipt:
    """The i-th patient's case on `ward` (in `to_unit`'s care too) with one message from
    the ward, sent i minutes ago, and `to_unit`'s receipt of it."""
    now = timezone.now()
    patient = make_patient(made_up_number(i), f"Pat{i:03d}", ward, to_unit)
    discharged = discharged_days_ago is not None
    case = DischargeCase.objects.create(
        patient=patient,
        ward=ward,
        admitted_at=now - timedelta(days=40),
        support_judged_at=now - timedelta(days=40),
        estimated_discharge=timezone.localdate() + timedelta(days=i),
        created_by=nurse,
        status="discharged" if discharged else "open",
        discharged_at=now - timedelta(days=discharged_days_ago) if discharged else None,
    )
    case.receivers.add(to_unit)
    message = CaseMessage.objects.create(case=case, kind="admission", sent_by=nurse, from_unit=ward)
    CaseMessage.objects.filter(pk=message.pk).update(sent_at=now - timedelta(minutes=i))
    return MessageReceipt.objects.create(
        message=message,
        unit=to_unit,
        read_at=now if read or acknowledged else None,
        acknowledged_at=now if acknowledged else None,
    )


def counts(response) -> dict[str, int]:
    return {name: count for name, _label, count in response.context["filters"]}


def shown(response) -> list[int]:
    return [receipt.pk for receipt in response.context["receipts"]]


def test_25_messages_and_25_cases_a_page_in_a_stable_order(
    client, ward, ward_nurse, home_health, home_nurse
):
    receipts = [case_with_message(i, ward, ward_nurse, home_health) for i in range(30)]
    nurse = client_for(client, home_nurse)
    first = nurse.get(WORKLIST)
    second = nurse.get(WORKLIST, {"page": 2})
    assert len(shown(first)) == 25 and len(shown(second)) == 5
    assert shown(first) + shown(second) == [r.pk for r in receipts]  # newest first
    # The open cases, earliest estimated discharge first, on pages of their own.
    cases = [case.pk for case, _clock in first.context["cases"]]
    more = [case.pk for case, _clock in nurse.get(WORKLIST, {"case_page": 2}).context["cases"]]
    assert len(cases) == 25 and cases + more == [r.message.case_id for r in receipts]
    body = first.content.decode()
    assert "Sida 1 av 2" in body
    assert 'href="?status=current&amp;case_page=1&amp;page=2"' in body
    assert 'href="?status=current&amp;page=1&amp;case_page=2"' in body


def test_bad_parameters_fall_back_to_the_defaults(
    client, ward, ward_nurse, home_health, home_nurse
):
    for i in range(27):
        case_with_message(i, ward, ward_nurse, home_health)
    nurse = client_for(client, home_nurse)
    for params, page, case_page in (
        ({"page": "abc"}, 1, 1),
        ({"page": "99999", "case_page": "x"}, 2, 1),
        ({"case_page": "99999"}, 1, 2),
        ({"status": "xyz"}, 1, 1),
        ({"status": "", "page": "0"}, 2, 1),
    ):
        response = nurse.get(WORKLIST, params)
        assert response.status_code == 200, params
        assert response.context["receipts"].number == page, params
        assert response.context["cases_page"].number == case_page, params
        assert response.context["status"] == "current", params


def test_each_filter_shows_its_messages_and_counts_them(
    client, ward, ward_nurse, home_health, home_nurse
):
    unread = case_with_message(0, ward, ward_nurse, home_health)
    read = case_with_message(1, ward, ward_nurse, home_health, read=True)
    done = case_with_message(2, ward, ward_nurse, home_health, acknowledged=True)
    # Discharged two days ago: its discharge notice is still current work.
    recent = case_with_message(3, ward, ward_nurse, home_health, discharged_days_ago=2)
    old = case_with_message(4, ward, ward_nurse, home_health, discharged_days_ago=30)
    nurse = client_for(client, home_nurse)
    current = nurse.get(WORKLIST)
    assert counts(current) == {"current": 4, "unread": 2, "open": 3, "historic": 1}
    assert shown(current) == [unread.pk, recent.pk, read.pk, done.pk]  # unread first
    assert shown(nurse.get(WORKLIST, {"status": "unread"})) == [unread.pk, recent.pk]
    assert shown(nurse.get(WORKLIST, {"status": "open"})) == [unread.pk, recent.pk, read.pk]
    assert shown(nurse.get(WORKLIST, {"status": "historic"})) == [old.pk]
    MessageReceipt.objects.update(read_at=timezone.now())
    empty = nurse.get(WORKLIST, {"status": "unread"})
    assert shown(empty) == [] and "Inga olästa meddelanden." in empty.content.decode()


def test_the_badge_counts_only_messages_to_acknowledge_of_current_cases(
    client, ward, ward_nurse, home_health, home_nurse
):
    case_with_message(0, ward, ward_nurse, home_health)  # unread
    case_with_message(1, ward, ward_nurse, home_health, read=True)  # read, not acknowledged
    case_with_message(2, ward, ward_nurse, home_health, acknowledged=True)
    case_with_message(3, ward, ward_nurse, home_health, discharged_days_ago=30)  # history
    case_with_message(4, ward, ward_nurse, home_health, discharged_days_ago=20)  # history
    assert nav_counts(home_health, home_nurse)["unread_coordination"] == 2
    body = client_for(client, home_nurse).get(WORKLIST).content.decode()
    assert 'Samordning <span class="count">2</span>' in body


def test_the_query_count_is_the_same_on_page_1_and_page_3(
    client, ward, ward_nurse, home_health, home_nurse, settings
):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every display logs its patients
    for i in range(60):
        case_with_message(i, ward, ward_nurse, home_health)
    nurse = client_for(client, home_nurse)
    nurse.get(WORKLIST)  # the session's first reads

    def queries(page: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = nurse.get(WORKLIST, {"page": page, "case_page": page})
        assert response.status_code == 200
        assert response.context["receipts"].number == page
        assert response.context["cases_page"].number == page
        return len(captured)

    assert queries(1) == queries(3)


def test_a_unit_sees_only_its_own_messages_of_patients_it_may_list(
    client, ward, ward_nurse, home_health, home_nurse, primary_care
):
    own = case_with_message(0, ward, ward_nurse, home_health)
    case_with_message(1, ward, ward_nurse, primary_care)  # another unit's message
    ended = case_with_message(2, ward, ward_nurse, home_health)
    CareRelationship.objects.filter(patient=ended.message.case.patient, unit=home_health).update(
        started_at=timezone.now() - timedelta(days=60), ended_at=timezone.now() - timedelta(days=30)
    )
    response = client_for(client, home_nurse).get(WORKLIST)
    assert shown(response) == [own.pk]
    assert counts(response) == {"current": 1, "unread": 1, "open": 1, "historic": 0}
    assert [case.pk for case, _clock in response.context["cases"]] == [own.message.case_id]
    assert nav_counts(home_health, home_nurse)["unread_coordination"] == 1


def test_the_ward_pages_its_cases_and_shows_its_own_messages(client, ward, ward_nurse, home_health):
    receipts = [case_with_message(i, ward, ward_nurse, home_health) for i in range(27)]
    # A message to the ward (the fixed care contact appointed by primary care).
    case = receipts[0].message.case
    message = CaseMessage.objects.create(
        case=case, kind="fixed_contact", sent_by=ward_nurse, from_unit=home_health
    )
    to_ward = MessageReceipt.objects.create(message=message, unit=ward)
    nurse = client_for(client, ward_nurse)
    response = nurse.get(WORKLIST)
    assert response.templates[0].name == "coordination/ward.html"
    assert len(response.context["cases"]) == 25
    assert len(nurse.get(WORKLIST, {"case_page": 2}).context["cases"]) == 2
    assert shown(response) == [to_ward.pk]
    assert counts(response)["open"] == 1
    assert nav_counts(ward, ward_nurse)["unread_coordination"] == 1


def test_the_shown_patients_are_logged(client, ward, ward_nurse, home_health, home_nurse, settings):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0
    receipts = [case_with_message(i, ward, ward_nurse, home_health) for i in range(27)]
    client_for(client, home_nurse).get(WORKLIST, {"page": 2, "case_page": 2})
    logged = set(
        AccessLogEntry.objects.filter(
            action="list_patients", detail="coordination worklist", unit=home_health
        ).values_list("patient_id", flat=True)
    )
    assert logged == {r.message.case.patient_id for r in receipts[25:]}
