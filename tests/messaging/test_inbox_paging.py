"""Issue 19: the ward's message inbox a page at a time (25 threads), under a filter
(Aktuella / Olästa / Historik) with the count of each, a menu badge that counts only what
needs action (unread patient messages of episodes going on), bad parameters that fall back
to the defaults, a query count that does not grow with the pages, and only the ward's own
threads."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.clinical.identifiers import luhn_check_digit
from hemma.episodes.models import Episode
from hemma.messaging.models import Message
from hemma.monitoring.models import DeviceEnrolment
from hemma.shell.context_processors import nav_counts
from tests.conftest import client_for, make_patient

pytestmark = pytest.mark.django_db

INBOX = reverse("messaging:inbox")


def made_up_number(i: int) -> str:
    """A valid personnummer (born 1941) for the i-th made-up patient."""
    nine = f"41{1 + i // 28:02d}{1 + i % 28:02d}{200 + i:03d}"
    return f"19{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"


def thread(i: int, ward, nurse, *, unread=True, state="at_home", minutes_ago=None) -> Episode:
    """The i-th patient's episode on `ward` with one message from the patient."""
    patient = make_patient(made_up_number(i), f"Pat{i:03d}", ward)
    episode = Episode.objects.create(
        patient=patient, ward=ward, created_by=nurse, state=state, at_home_since=timezone.now()
    )
    device = DeviceEnrolment.objects.create(
        episode=episode,
        code_hash=f"code-{i}",
        code_expires_at=timezone.now() + timedelta(minutes=30),
        created_by=nurse,
    )
    Message.objects.create(
        episode=episode,
        direction="to_ward",
        text="Hej",
        sent_at=timezone.now() - timedelta(minutes=i if minutes_ago is None else minutes_ago),
        device=device,
        read_at=None if unread else timezone.now(),
    )
    return episode


def counts(response) -> dict[str, int]:
    return {name: count for name, _label, count in response.context["filters"]}


def shown(response) -> list[int]:
    return [episode.pk for episode in response.context["threads"]]


def test_25_threads_a_page_in_a_stable_order(client, ward, ward_nurse):
    episodes = [thread(i, ward, ward_nurse) for i in range(30)]
    nurse = client_for(client, ward_nurse)
    first = nurse.get(INBOX)
    second = nurse.get(INBOX, {"page": 2})
    assert len(shown(first)) == 25 and len(shown(second)) == 5
    # Newest first (all unread), every thread once.
    assert shown(first) + shown(second) == [e.pk for e in episodes]
    body = first.content.decode()
    assert "Sida 1 av 2" in body and 'href="?status=current&amp;page=2"' in body


def test_bad_parameters_fall_back_to_the_defaults(client, ward, ward_nurse):
    episodes = [thread(i, ward, ward_nurse) for i in range(27)]
    nurse = client_for(client, ward_nurse)
    for params, page, status in (
        ({"page": "abc"}, 1, "current"),
        ({"page": "99999"}, 2, "current"),
        ({"page": "-3"}, 2, "current"),
        ({"status": "xyz"}, 1, "current"),
        ({"status": "xyz", "page": "x"}, 1, "current"),
    ):
        response = nurse.get(INBOX, params)
        assert response.status_code == 200, params
        assert response.context["page"].number == page, params
        assert response.context["status"] == status, params
    assert shown(nurse.get(INBOX, {"page": "99999"})) == [e.pk for e in episodes[25:]]


def test_each_filter_shows_its_threads_and_counts_them(client, ward, ward_nurse):
    unread = thread(0, ward, ward_nurse)
    read = thread(1, ward, ward_nurse, unread=False)
    ended = thread(2, ward, ward_nurse, state="discharged")  # unread, but history
    nurse = client_for(client, ward_nurse)
    current = nurse.get(INBOX)
    assert counts(current) == {"current": 2, "unread": 1, "historic": 1}
    assert shown(current) == [unread.pk, read.pk]
    assert shown(nurse.get(INBOX, {"status": "unread"})) == [unread.pk]
    assert shown(nurse.get(INBOX, {"status": "historic"})) == [ended.pk]
    Message.objects.filter(episode=unread).update(read_at=timezone.now())
    empty = nurse.get(INBOX, {"status": "unread"})
    assert shown(empty) == [] and "Inga olästa meddelanden." in empty.content.decode()


def test_the_badge_counts_only_unread_messages_of_episodes_going_on(client, ward, ward_nurse):
    thread(0, ward, ward_nurse)
    thread(1, ward, ward_nurse, unread=False)
    thread(2, ward, ward_nurse, state="discharged")
    thread(3, ward, ward_nurse, state="cancelled")
    assert nav_counts(ward, ward_nurse)["unread_messages"] == 1
    body = client_for(client, ward_nurse).get(INBOX).content.decode()
    assert '<span class="count" aria-label="olästa">1</span></a>' in body


def test_the_query_count_is_the_same_on_page_1_and_page_3(client, ward, ward_nurse, settings):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every display logs its patients
    for i in range(60):
        thread(i, ward, ward_nurse)
    nurse = client_for(client, ward_nurse)
    nurse.get(INBOX)  # the session's first reads

    def queries(page: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = nurse.get(INBOX, {"page": page})
        assert response.status_code == 200 and response.context["page"].number == page
        return len(captured)

    assert queries(1) == queries(3)


def test_a_ward_sees_only_its_own_threads(client, ward, ward_nurse, other_ward_nurse):
    own = thread(0, ward, ward_nurse)
    other_ward = other_ward_nurse.memberships.get().unit
    thread(1, other_ward, other_ward_nurse)
    response = client_for(client, ward_nurse).get(INBOX)
    assert shown(response) == [own.pk]
    assert counts(response) == {"current": 1, "unread": 1, "historic": 0}
    assert nav_counts(ward, ward_nurse)["unread_messages"] == 1


def test_the_shown_threads_are_logged(client, ward, ward_nurse, settings):
    from hemma.audit.models import AccessLogEntry

    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0
    episodes = [thread(i, ward, ward_nurse) for i in range(27)]
    client_for(client, ward_nurse).get(INBOX, {"page": 2})
    logged = set(
        AccessLogEntry.objects.filter(
            action="list_patients", detail="patient messages"
        ).values_list("patient_id", flat=True)
    )
    assert logged == {e.patient_id for e in episodes[25:]}
