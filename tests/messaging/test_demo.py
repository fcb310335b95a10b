"""The demo has a short thread for Lisa at home: yesterday evening's question, answered
and read; this morning her question, the ward's answer (read on her tablet) and her thanks
(unread: the ward's menu shows it). Loading again adds nothing."""

import pytest
from django.core.management import call_command

from hemma.accounts.models import Staff
from hemma.messaging.models import Message
from hemma.shell.context_processors import nav_counts

pytestmark = pytest.mark.django_db


def test_the_demo_has_lisas_thread_once():
    call_command("load_demo", quiet=True)
    call_command("load_demo", quiet=True)
    thread = list(Message.objects.select_related("episode__patient", "episode__ward"))
    assert [m.direction for m in thread] == ["to_ward", "to_patient", "to_ward"] * 2
    assert {m.episode.patient.first_name for m in thread} == {"Lisa"}
    assert [m.read_at is not None for m in thread] == [True] * 5 + [False]
    assert thread[0].read_by.user.username == "anna.ssk"
    nurse = Staff.objects.get(user__username="anna.ssk")
    assert nav_counts(thread[0].episode.ward, nurse)["unread_messages"] == 1
