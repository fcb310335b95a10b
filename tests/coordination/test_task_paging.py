"""Issue 19: the coordination page's task list is paged like its inbox: 25 tasks a page in
a fixed order, under a filter (Öppna / Försenade / Klara) with the counts of what needs
action; bad parameters fall back to the defaults; the query count does not grow with the
pages; only the shown page's patients are logged; a unit sees only its own tasks of
patients it may list."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.clinical.identifiers import luhn_check_digit
from hemma.coordination.models import Task
from hemma.patients.models import CareRelationship
from tests.conftest import client_for, make_patient

pytestmark = pytest.mark.django_db

WORKLIST = reverse("coordination:worklist")


def made_up_number(i: int) -> str:
    """A valid personnummer (born 1941) for the i-th made-up patient."""
    nine = f"41{1 + i // 28:02d}{1 + i % 28:02d}{300 + i:03d}"
    return f"19{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"


def task(i, unit, staff, *, due_in_days=None, done=False, team=None) -> Task:
    """The i-th patient's task for `unit`, due in i days (or `due_in_days`)."""
    patient = make_patient(made_up_number(i), f"Pat{i:03d}", *(team or [unit]))
    days = i if due_in_days is None else due_in_days
    return Task.objects.create(
        owner_unit=unit,
        title=f"Uppgift {i:03d}",
        patient=patient,
        due_on=timezone.localdate() + timedelta(days=days),
        created_by=staff,
        status=Task.Status.DONE if done else Task.Status.OPEN,
        done_by=staff if done else None,
        done_at=timezone.now() - timedelta(minutes=i) if done else None,
    )


def shown(response) -> list[int]:
    return [t.pk for t in response.context["tasks"]]


def counts(response) -> dict:
    return {name: count for name, _label, count in response.context["task_filters"]}


def test_25_tasks_a_page_by_due_date(client, home_health, home_nurse):
    tasks = [task(i, home_health, home_nurse) for i in range(30)]
    nurse = client_for(client, home_nurse)
    first = nurse.get(WORKLIST)
    second = nurse.get(WORKLIST, {"task_page": 2})
    assert len(shown(first)) == 25 and len(shown(second)) == 5
    assert shown(first) + shown(second) == [t.pk for t in tasks]  # earliest due first
    body = first.content.decode()
    assert "Sida 1 av 2" in body
    assert (
        'href="?status=current&amp;page=1&amp;case_page=1&amp;task_status=open&amp;task_page=2"'
        in body
    )


def test_each_filter_shows_its_tasks_and_counts_what_needs_action(client, home_health, home_nurse):
    late = task(0, home_health, home_nurse, due_in_days=-3)
    due = task(1, home_health, home_nurse, due_in_days=0)
    later = task(2, home_health, home_nurse, due_in_days=5)
    done_first = task(3, home_health, home_nurse, done=True)
    done_last = task(4, home_health, home_nurse, done=True)
    nurse = client_for(client, home_nurse)
    default = nurse.get(WORKLIST)
    assert counts(default) == {"open": 3, "overdue": 1, "done": None}
    assert shown(default) == [late.pk, due.pk, later.pk]
    assert shown(nurse.get(WORKLIST, {"task_status": "overdue"})) == [late.pk]
    done = nurse.get(WORKLIST, {"task_status": "done"})
    assert shown(done) == [done_first.pk, done_last.pk]  # the latest done first
    assert 'data-task-filter="done"' not in done.content.decode()
    Task.objects.filter(pk=late.pk).update(status=Task.Status.DONE)
    empty = nurse.get(WORKLIST, {"task_status": "overdue"})
    assert shown(empty) == [] and "Inga försenade uppgifter." in empty.content.decode()


def test_bad_parameters_fall_back_to_the_defaults(client, home_health, home_nurse):
    for i in range(27):
        task(i, home_health, home_nurse)
    nurse = client_for(client, home_nurse)
    for params, page in (
        ({"task_page": "abc"}, 1),
        ({"task_page": "99999"}, 2),
        ({"task_page": "-1"}, 2),
        ({"task_status": "xyz"}, 1),
        ({"task_status": "", "task_page": "0"}, 2),
    ):
        response = nurse.get(WORKLIST, params)
        assert response.status_code == 200, params
        assert response.context["tasks"].number == page, params
        assert response.context["task_status"] == "open", params


def test_the_other_lists_pagers_keep_the_task_list_state(client, home_health, home_nurse):
    task(0, home_health, home_nurse, done=True)
    response = client_for(client, home_nurse).get(WORKLIST, {"task_status": "done"})
    assert "task_status=done" in response.context["receipts_query"]
    assert "task_status=done" in response.context["cases_query"]


def test_the_query_count_is_the_same_on_page_1_and_page_3(
    client, home_health, home_nurse, settings
):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every display logs its patients
    for i in range(60):
        task(i, home_health, home_nurse)
    nurse = client_for(client, home_nurse)
    nurse.get(WORKLIST)  # the session's first reads

    def queries(page: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = nurse.get(WORKLIST, {"task_page": page})
        assert response.status_code == 200
        assert response.context["tasks"].number == page
        return len(captured)

    assert queries(1) == queries(3)


def test_only_the_shown_pages_patients_are_logged(client, home_health, home_nurse, settings):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0
    tasks = [task(i, home_health, home_nurse) for i in range(27)]
    client_for(client, home_nurse).get(WORKLIST, {"task_page": 2})
    logged = set(
        AccessLogEntry.objects.filter(
            action="list_patients", detail="coordination worklist", unit=home_health
        ).values_list("patient_id", flat=True)
    )
    assert logged == {t.patient_id for t in tasks[25:]}


def test_a_unit_sees_only_its_own_tasks_of_patients_it_may_list(
    client, home_health, home_nurse, primary_care, coordinator
):
    own = task(0, home_health, home_nurse, due_in_days=-1)
    task(1, primary_care, coordinator, team=[primary_care, home_health])  # another unit's
    ended = task(2, home_health, home_nurse, due_in_days=-1)
    CareRelationship.objects.filter(patient=ended.patient, unit=home_health).update(
        started_at=timezone.now() - timedelta(days=60), ended_at=timezone.now() - timedelta(days=30)
    )
    response = client_for(client, home_nurse).get(WORKLIST)
    assert shown(response) == [own.pk]
    assert counts(response) == {"open": 1, "overdue": 1, "done": None}


def test_several_pagers_on_one_page_have_distinct_names(client, home_health, home_nurse):
    """Screen readers list navigation landmarks by name: two "Sidor" would be ambiguous."""
    for i in range(30):
        task(i, home_health, home_nurse)
    body = client_for(client, home_nurse).get(WORKLIST).content.decode()
    labels = re.findall(r'<nav class="pager" aria-label="([^"]+)"', body)
    assert "Sidor i uppgiftslistan" in labels
    assert len(labels) == len(set(labels))
