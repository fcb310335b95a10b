"""Idempotent create forms: the same rendered form sent twice (a double click, a resent
POST) creates one logistics order, next of kin, meeting task or visit, and the repeat is
answered "Redan sparat." on the same page; different tokens create two; no token creates
as before; the database's unique token decides between two concurrent submits."""

import re
import threading
import uuid

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from hemma.carerequests.models import LogisticsOrder
from hemma.coordination import meetings
from hemma.coordination.models import Task
from hemma.episodes.models import Episode
from hemma.errors import HemmaError
from hemma.patients import services as patients
from hemma.patients.models import NextOfKin
from hemma.visits.models import Visit
from hemma.web.idempotency import AlreadySubmitted, submit_once
from hemma.web.models import SubmissionToken
from tests.conftest import client_for, make_patient
from tests.flow import to_agreed
from tests.visits.conftest import DAY, home_patients, team  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="submission_token" value="([0-9a-f-]{36})"')


def token() -> str:
    return str(uuid.uuid4())


def said(response) -> list[str]:
    """The messages stored for the user so far (a redirect not followed keeps them)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def answered_as_repeat(first, second) -> bool:
    return "Redan sparat." not in said(first) and said(second)[-1] == "Redan sparat."


def twice(client, url, data, first_token, second_token):
    first = client.post(url, {**data, "submission_token": first_token})
    second = client.post(url, {**data, "submission_token": second_token})
    return first, second


# --- Logistics orders ------------------------------------------------------------------


@pytest.fixture
def logistics(kim, ward, ward_nurse, physician):
    episode = to_agreed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
    url = reverse("carerequests:logistics", args=[episode.pk])
    data = {
        "category": "assistive_device",
        "item": "Rollator",
        "quantity": "1",
        "delivery_place": "home",
        "responsible_unit": ward.pk,
    }
    return url, data


class TestLogisticsOrder:
    def test_the_same_token_orders_once(self, as_ward_nurse, logistics):
        url, data = logistics
        same = token()
        first, second = twice(as_ward_nurse, url, data, same, same)
        assert LogisticsOrder.objects.count() == 1
        assert first.status_code == second.status_code == 302
        assert first["Location"] == second["Location"] == url
        assert answered_as_repeat(first, second)
        claim = SubmissionToken.objects.get()
        assert (str(claim.token), claim.result_url) == (same, url)

    def test_two_tokens_order_twice(self, as_ward_nurse, logistics):
        url, data = logistics
        twice(as_ward_nurse, url, data, token(), token())
        assert LogisticsOrder.objects.count() == 2

    def test_the_form_carries_a_fresh_token(self, as_ward_nurse, logistics):
        url, _data = logistics
        first = TOKEN.findall(as_ward_nurse.get(url).content.decode())
        second = TOKEN.findall(as_ward_nurse.get(url).content.decode())
        assert len(first) == len(second) == 1 and first != second


# --- Next of kin -----------------------------------------------------------------------

KIN = {"name": "Robin Testsson", "relation": "barn", "phone": "070-174 06 99"}


class TestNextOfKin:
    def test_the_same_token_adds_once(self, as_ward_nurse, kim):
        url = reverse("patients:next_of_kin_add", args=[kim.pk])
        assert TOKEN.search(as_ward_nurse.get(url).content.decode())
        same = token()
        first, second = twice(as_ward_nurse, url, KIN, same, same)
        assert NextOfKin.objects.filter(patient=kim, name="Robin Testsson").count() == 1
        detail = reverse("patients:detail", args=[kim.pk])
        assert first["Location"] == second["Location"] == detail
        assert answered_as_repeat(first, second)
        page = as_ward_nurse.get(detail).content.decode()
        assert "Redan sparat." in page and page.count("Robin Testsson") == 1

    def test_two_tokens_add_twice(self, as_ward_nurse, kim):
        url = reverse("patients:next_of_kin_add", args=[kim.pk])
        twice(as_ward_nurse, url, KIN, token(), token())
        assert NextOfKin.objects.filter(patient=kim, name="Robin Testsson").count() == 2

    def test_without_a_token_it_adds_as_before(self, as_ward_nurse, kim):
        url = reverse("patients:next_of_kin_add", args=[kim.pk])
        assert as_ward_nurse.post(url, KIN).status_code == 302
        assert as_ward_nurse.post(url, {**KIN, "submission_token": "not-a-uuid"}).status_code == 302
        assert NextOfKin.objects.filter(patient=kim, name="Robin Testsson").count() == 2
        assert not SubmissionToken.objects.exists()


# --- Coordination meeting tasks --------------------------------------------------------


@pytest.fixture
def meeting(ward, ward_nurse, primary_care, home_health, coordinator):
    at_home = make_patient(
        "19440514-9057", "Hemma", home_health, primary_care, listed_unit=primary_care
    )
    Episode.objects.create(patient=at_home, ward=ward, created_by=ward_nurse, state="at_home")
    return meetings.meeting_create(
        staff=coordinator, unit=primary_care, partner=home_health, held_on=timezone.localdate()
    )


class TestMeetingTask:
    def _task(self, meeting, owner_unit):
        return {
            "item": meeting.items.get().pk,
            "title": "Boka hembesök",
            "owner_unit": owner_unit.pk,
            "due_on": timezone.localdate().isoformat(),
        }

    def test_the_same_token_adds_one_task(self, client, home_nurse, home_health, meeting):
        as_nurse = client_for(client, home_nurse)
        url = reverse("coordination:meeting_act", args=[meeting.pk, "task"])
        same = token()
        first, second = twice(as_nurse, url, self._task(meeting, home_health), same, same)
        assert Task.objects.filter(title="Boka hembesök").count() == 1
        page = reverse("coordination:meeting", args=[meeting.pk])
        assert first["Location"] == second["Location"] == page
        assert answered_as_repeat(first, second)
        assert TOKEN.search(as_nurse.get(page).content.decode())

    def test_two_tokens_add_two_tasks(self, client, home_nurse, home_health, meeting):
        as_nurse = client_for(client, home_nurse)
        url = reverse("coordination:meeting_act", args=[meeting.pk, "task"])
        twice(as_nurse, url, self._task(meeting, home_health), token(), token())
        assert Task.objects.filter(title="Boka hembesök").count() == 2


# --- Ad-hoc visits ---------------------------------------------------------------------


@pytest.fixture
def visit_form(team, home_patients):  # noqa: F811
    return {
        "day": f"{DAY}",
        "episode": home_patients[0].pk,
        "what": "Provtagning efter larm",
        "earliest": "10:00",
        "latest": "12:00",
        "duration_minutes": 20,
        "skill": "nurse",
        "staff_needed": 1,
        "priority": 2,
    }


class TestAdHocVisit:
    def test_the_same_token_adds_one_visit(self, client, team, visit_form):  # noqa: F811
        as_nurse = client_for(client, team["nurse"])
        assert TOKEN.search(
            as_nurse.get(reverse("visits:planner"), {"day": f"{DAY}"}).content.decode()
        )
        same = token()
        first, second = twice(as_nurse, reverse("visits:add"), visit_form, same, same)
        assert Visit.objects.filter(what="Provtagning efter larm").count() == 1
        assert first["Location"] == second["Location"]
        assert answered_as_repeat(first, second)

    def test_two_tokens_add_two_visits(self, client, team, visit_form):  # noqa: F811
        as_nurse = client_for(client, team["nurse"])
        twice(as_nurse, reverse("visits:add"), visit_form, token(), token())
        assert Visit.objects.filter(what="Provtagning efter larm").count() == 2

    def test_a_refused_submit_does_not_use_up_its_token(self, client, team, visit_form):  # noqa: F811
        as_nurse = client_for(client, team["nurse"])
        same = token()
        refused = as_nurse.post(
            reverse("visits:add"), {**visit_form, "latest": "09:00", "submission_token": same}
        )
        assert refused.status_code == 400
        assert "Senaste start måste vara" in refused.content.decode()
        assert not SubmissionToken.objects.exists()
        as_nurse.post(reverse("visits:add"), {**visit_form, "submission_token": same})
        assert Visit.objects.filter(what="Provtagning efter larm").count() == 1


# --- The mechanism ---------------------------------------------------------------------


def post(user, value):
    request = RequestFactory().post("/", {"submission_token": value})
    request.user = user
    return request


def add_kin(staff, patient, name="Robin Testsson"):
    return patients.next_of_kin_add(
        staff=staff, unit=staff.memberships.first().unit, patient=patient, name=name,
        relation="barn", phone="0701740699",
    )  # fmt: skip


def test_a_failing_block_rolls_back_its_claim_and_its_writes(ward_nurse, kim):
    same = token()
    with pytest.raises(HemmaError), submit_once(post(ward_nurse.user, same)):
        add_kin(ward_nurse, kim)
        raise HemmaError("refused")
    assert not SubmissionToken.objects.exists()
    assert not NextOfKin.objects.filter(name="Robin Testsson").exists()


def test_another_users_token_creates_nothing_and_reveals_nothing(ward_nurse, physician, kim):
    same = token()
    with submit_once(post(ward_nurse.user, same), result_url="/patients/x/"):
        add_kin(ward_nurse, kim)
    with pytest.raises(AlreadySubmitted) as repeat, submit_once(post(physician.user, same)):
        add_kin(physician, kim, name="Someone Else")
    assert repeat.value.result_url == ""
    assert not NextOfKin.objects.filter(name="Someone Else").exists()


def test_a_users_tokens_older_than_the_limit_are_forgotten(ward_nurse, physician, kim):
    from datetime import timedelta

    from django.utils import timezone

    from hemma.web.idempotency import TOKEN_DAYS

    old = timezone.now() - timedelta(days=TOKEN_DAYS + 1)
    SubmissionToken.objects.create(token=token(), user=ward_nurse.user, created_at=old)
    others = SubmissionToken.objects.create(token=token(), user=physician.user, created_at=old)
    with submit_once(post(ward_nurse.user, token())):
        add_kin(ward_nurse, kim)
    remaining = SubmissionToken.objects.filter(user=ward_nurse.user)
    assert remaining.count() == 1 and remaining.get().created_at > old
    assert SubmissionToken.objects.filter(pk=others.pk).exists()  # not this user's to clear


def test_the_unique_token_decides_when_the_check_was_passed(ward_nurse, kim, monkeypatch):
    """The second submit's look-up ran before the first committed: the insert decides."""
    from hemma.web import idempotency

    same = token()
    with submit_once(post(ward_nurse.user, same)):
        add_kin(ward_nurse, kim)
    monkeypatch.setattr(idempotency, "_previous", lambda *args: None)
    with pytest.raises(AlreadySubmitted), submit_once(post(ward_nurse.user, same)):
        add_kin(ward_nurse, kim)
    assert NextOfKin.objects.filter(name="Robin Testsson").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_create_exactly_one(ward_nurse, kim):
    """Two connections at once (PostgreSQL): the second waits on the unique index while the
    first is still in its transaction, then is answered as a repeat."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions (PostgreSQL)")
    same = token()
    claimed, outcomes = threading.Event(), {}

    def first():
        try:
            with submit_once(post(ward_nurse.user, same)):
                add_kin(ward_nurse, kim)
                claimed.set()
                threading.Event().wait(0.5)  # still uncommitted while the second one starts
            outcomes["first"] = "created"
        finally:
            claimed.set()
            connection.close()

    def second():
        claimed.wait(5)
        try:
            with submit_once(post(ward_nurse.user, same)):
                add_kin(ward_nurse, kim)
            outcomes["second"] = "created"
        except AlreadySubmitted:
            outcomes["second"] = "repeat"
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes == {"first": "created", "second": "repeat"}
    assert NextOfKin.objects.filter(name="Robin Testsson").count() == 1
