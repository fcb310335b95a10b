"""The ward's inbox (query count constant in the threads), the menu's badge (no hidden
patient), and the response-time page (small numbers shown as "–")."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.episodes.models import Episode
from hemma.messaging.models import Message
from hemma.monitoring.models import DeviceEnrolment
from hemma.patients.models import CareRelationship
from hemma.shell.context_processors import nav_counts
from tests.conftest import client_for, make_patient

pytestmark = pytest.mark.django_db

NUMBERS = ["19370314-9132", "19410303-9188", "19430909-9176", "19121212-1212"]


def device_for(episode, code):
    return DeviceEnrolment.objects.create(
        episode=episode,
        code_hash=code,
        code_expires_at=timezone.now() + timedelta(minutes=30),
        created_by=episode.created_by,
    )


def patient_message(episode, minutes_ago, text="Hej", device=None):
    device = device or device_for(episode, f"code-{episode.pk}-{minutes_ago}")
    return Message.objects.create(
        episode=episode,
        direction="to_ward",
        text=text,
        sent_at=timezone.now() - timedelta(minutes=minutes_ago),
        device=device,
    )


def ward_message(episode, minutes_ago, staff):
    return Message.objects.create(
        episode=episode,
        direction="to_patient",
        text="Svar",
        sent_at=timezone.now() - timedelta(minutes=minutes_ago),
        sender=staff,
        sender_unit=episode.ward,
    )


def episode_with_message(number, ward, nurse):
    patient = make_patient(number, "Pat", ward)
    episode = Episode.objects.create(
        patient=patient,
        ward=ward,
        created_by=nurse,
        state="at_home",
        at_home_since=timezone.now(),
    )
    patient_message(episode, 5)
    return episode


def inbox_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("messaging:inbox")).status_code == 200
    return len(queries)


def test_the_inbox_query_count_does_not_grow_with_the_threads(settings, client, ward, ward_nurse):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every display logs its patients
    nurse = client_for(client, ward_nurse)
    episode_with_message(NUMBERS[0], ward, ward_nurse)
    nurse.get(reverse("messaging:inbox"))  # the session's and the demo check's first reads
    one = inbox_queries(nurse)
    for number in NUMBERS[1:]:
        episode_with_message(number, ward, ward_nurse)
    assert len(nurse.get(reverse("messaging:inbox")).context["threads"]) == 4
    # The filters' counts and the pager's count are one query each.
    assert inbox_queries(nurse) == one == 9


def test_the_inbox_lists_unread_first_and_shows_no_hidden_patient(client, ward, ward_nurse):
    read = episode_with_message(NUMBERS[0], ward, ward_nurse)
    Message.objects.filter(episode=read).update(read_at=timezone.now())
    unread = episode_with_message(NUMBERS[1], ward, ward_nurse)
    hidden = episode_with_message(NUMBERS[2], ward, ward_nurse)
    now = timezone.now()
    CareRelationship.objects.filter(patient=hidden.patient).update(
        started_at=now - timedelta(days=60), ended_at=now - timedelta(days=30)
    )
    threads = client_for(client, ward_nurse).get(reverse("messaging:inbox")).context["threads"]
    assert [e.pk for e in threads] == [unread.pk, read.pk]
    assert nav_counts(ward, ward_nurse)["unread_messages"] == 1


def test_the_menu_shows_the_unread_count_to_the_ward(tablet, at_home, client, ward_nurse):
    from .conftest import send

    send(tablet, "Hej")
    body = client_for(client, ward_nurse).get(reverse("episodes:worklist")).content.decode()
    assert reverse("messaging:inbox") in body
    assert '<span class="count" aria-label="olästa">1</span></a>' in body


def test_another_unit_has_no_inbox(client, home_nurse, at_home):
    patient_message(at_home, 5)
    response = client_for(client, home_nurse).get(reverse("messaging:inbox"))
    assert response.context["threads"] == []
    assert "Inkorgen är avdelningens" in response.content.decode()


def test_response_times_hide_fewer_than_five_messages(client, at_home, ward_nurse):
    device = device_for(at_home, "c")
    for minutes in (100, 90, 80, 70):
        patient_message(at_home, minutes, device=device)
    nurse = client_for(client, ward_nurse)
    rows = nurse.get(reverse("messaging:response_times")).context["rows"]
    assert [row["shown"] for row in rows] == [False, False, False]
    patient_message(at_home, 60, device=device)
    ward_message(at_home, 40, ward_nurse)  # one wait since 100 min ago: 60 min
    patient_message(at_home, 30, device=device)
    ward_message(at_home, 20, ward_nurse)  # 10 min
    patient_message(at_home, 5, device=device)  # unanswered
    response = nurse.get(reverse("messaging:response_times"))
    week = response.context["rows"][0]
    assert week["days"] == 7 and week["shown"]
    figures = week["figures"]
    assert (figures.messages, figures.answered_waits, figures.unanswered) == (7, 2, 1)
    assert figures.median_minutes == pytest.approx(35, abs=0.1)
    assert figures.p90_minutes == pytest.approx(60, abs=0.1)
    assert "<td>35</td><td>60</td><td>1</td>" in response.content.decode()


def test_response_times_are_the_wards(client, home_nurse):
    response = client_for(client, home_nurse).get(reverse("messaging:response_times"))
    assert response.context["rows"] == []
