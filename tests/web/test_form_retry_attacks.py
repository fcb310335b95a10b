"""Issue 19's forms that are drawn again after a failed POST, attacked from another unit.

A physician (and manager) of another ward of the demo region has no care relationship with
Lisa, the demo's patient at home, and no part in her episode, meeting, visits or the
visiting unit's competence records. A crafted POST to each retried form, with valid data,
must be refused (403/404, as the page refuses), change nothing, keep no form in the
session that the attacker's next page could draw (with the patient's data), and - where
the access policy is asked about the patient - write a denied access-log entry.

The demo is loaded once for the module (it takes long); each test runs in a savepoint.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from hemma.accounts.models import Membership, Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.careplans.models import Agreement, DischargeCriterionCheck
from hemma.competence.models import CompetenceRecord
from hemma.coordination.models import CoordinationMeeting, MeetingItem, Task
from hemma.episodes.models import Episode, SafetyBed
from hemma.medication.models import MedicationItem, MedicationListVersion
from hemma.monitoring.models import Alert, RoundEntry
from hemma.patients import policy
from hemma.patients.models import Block, CareRelationship, Patient
from hemma.visits.models import Assignment, Shift, Visit
from hemma.web.form_retry import SESSION_KEY
from tests.module_db import rolled_back_after_the_module
from tests.outsiders import other_ward_member

ATTEMPT = "Försök från fel enhet"
FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo and an attacker, in a transaction rolled back after the module's tests."""
    with rolled_back_after_the_module(django_db_blocker):
        with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHING):
            call_command("load_demo", quiet=True)
            _attacker()
            _meeting()
        yield


def _attacker() -> Staff:
    return other_ward_member(
        ward_name="Avdelning 31 (angripare)",
        ward_hsa_id="SE2321000180-AT31",
        username="other.lak",
        hsa_id="SE2321000180-ATL1",
        profession="physician",
        role=Membership.Role.MANAGER,
    )


def _meeting():
    meeting = CoordinationMeeting.objects.create(
        primary_care=Unit.objects.get(name="Vårdcentral Kvarnen"),
        home_health=Unit.objects.get(kind=Unit.Kind.HOME_HEALTH_CARE),
        held_on=timezone.localdate(),
        created_by=Staff.objects.get(user__username="peter.vk"),
    )
    MeetingItem.objects.create(meeting=meeting, patient=_lisa(), reason="Fallit")


def _lisa() -> Patient:
    return Patient.objects.get(first_name="Lisa", last_name__endswith="(demo)")


def _episode() -> Episode:
    return Episode.objects.get(patient=_lisa(), state="at_home")


@dataclass(frozen=True)
class Attack:
    """One retried form: its URL and valid data, what a refusal must leave unchanged, the
    attacker's own page that draws that kind of form, a demo user whose same POST is
    saved (so the attack's data is valid and only access refuses it), and whether the
    access policy is asked about the patient (then it logs the denial)."""

    post: Callable[[], tuple[str, dict]]
    state: Callable[[], object]
    own_page: str
    rightful: str
    logs_patient: bool = True


def _round():
    url = reverse("monitoring:round_record", args=[_episode().pk])
    day = timezone.localdate().isoformat()
    return url, {"day": day, "decision": "continue", "participants": "Erik", "note": ATTEMPT}


def _alert_resolve():
    alert = Alert.objects.get(episode=_episode(), status=Alert.Status.OPEN)
    return reverse("monitoring:alert_act", args=[alert.pk, "resolve"]), {
        "action": "phoned",
        "note": ATTEMPT,
    }


def _task_done():
    task = Task.objects.filter(episode=_episode(), status="open").first()
    url = reverse("episodes:act", kwargs={"episode_id": task.episode_id, "action": "task_done"})
    return url, {"task": task.pk, "note": ATTEMPT}


def _meeting_note():
    item = MeetingItem.objects.get(patient=_lisa())
    url = reverse("coordination:meeting_act", args=[item.meeting_id, "note"])
    return url, {"item": item.pk, "notes": ATTEMPT}


def _competence_withdraw():
    record = CompetenceRecord.objects.filter(withdrawn_at=None).order_by("pk").first()
    return reverse("competence:withdraw", args=[record.pk]), {"reason": ATTEMPT}


def _criterion():
    episode = _episode()
    version = Agreement.objects.get(episode=episode).versions.order_by("-number").first()
    url = reverse("careplans:criterion", args=[episode.pk])
    return url, {"criterion": version.criteria[0], "met": "yes", "note": ATTEMPT}


def _block():
    lisa = _lisa()
    home_health = Unit.objects.get(kind=Unit.Kind.HOME_HEALTH_CARE)
    url = reverse("patients:block_add", args=[lisa.pk])
    return url, {"blocked_unit": home_health.pk, "note": ATTEMPT}


def _care_team_add():
    """The attacker's own ward into Lisa's care team: it would open her record to it."""
    own = Unit.objects.get(name="Avdelning 31 (angripare)")
    return reverse("patients:care_team_add", args=[_lisa().pk]), {"unit": own.pk}


def _safety_bed():
    ward = Unit.objects.get(kind=Unit.Kind.WARD, name__startswith="Infektion")
    return reverse("setup:safety_bed_add", args=[ward.pk]), {"label": "Plats 99"}


def _planner_move():
    """One of Lisa's visits not yet started, into the route of someone on shift that day."""
    open_ = (Visit.Status.PLANNED, Visit.Status.ASSIGNED)
    visit = Visit.objects.filter(episode=_episode(), status__in=open_).order_by("day", "pk")[0]
    data = {"day": f"{visit.day}", "position": "1"}
    if assigned := visit.assignments.first():
        data["from_staff"] = assigned.staff_id
    on_duty = Shift.objects.filter(unit=visit.unit, day=visit.day).exclude(
        staff_id=data.get("from_staff")
    )
    data["to_staff"] = on_duty.order_by("staff_id").values_list("staff_id", flat=True)[0]
    return reverse("visits:move", args=[visit.pk]), data


def _end_course():
    current = MedicationListVersion.objects.filter(episode=_episode()).order_by("-number").first()
    item = current.items.order_by("pk").first()
    url = reverse("medication:item_act", args=[item.pk, "end"])
    return url, {"ends_on": timezone.localdate().isoformat(), "reason": ATTEMPT}


ATTACKS = {
    "round decision": Attack(
        _round, lambda: RoundEntry.objects.count(), reverse("monitoring:round"), "erik.lak"
    ),
    "alert resolve": Attack(
        _alert_resolve,
        lambda: list(Alert.objects.values_list("pk", "status", "action_note")),
        reverse("monitoring:alerts"),
        "anna.ssk",
    ),
    "episode task done": Attack(
        _task_done,
        lambda: list(Task.objects.values_list("pk", "status")),
        reverse("home"),
        "anna.ssk",
    ),
    "meeting note": Attack(
        _meeting_note,
        lambda: list(MeetingItem.objects.values_list("pk", "notes")),
        reverse("coordination:meetings"),
        "peter.vk",
    ),
    "competence withdraw": Attack(
        _competence_withdraw,
        lambda: list(CompetenceRecord.objects.values_list("pk", "withdrawn_at")),
        reverse("competence:units"),
        "anna.ssk",
        logs_patient=False,
    ),
    "care-plan criterion": Attack(
        _criterion, lambda: DischargeCriterionCheck.objects.count(), reverse("home"), "erik.lak"
    ),
    "blocking": Attack(_block, lambda: Block.objects.count(), reverse("home"), "anna.ssk"),
    "care team add": Attack(
        _care_team_add,
        lambda: list(CareRelationship.objects.values_list("pk", "unit_id", "ended_at")),
        reverse("patients:list"),
        "anna.ssk",
    ),
    "safety beds": Attack(
        _safety_bed,
        lambda: list(SafetyBed.objects.values_list("pk", "label")),
        reverse("setup:safety_beds"),
        "admin.region",
        logs_patient=False,
    ),
    "planner move": Attack(
        _planner_move,
        lambda: list(Assignment.objects.values_list("visit_id", "staff_id", "position")),
        reverse("visits:planner"),
        "karin.hsv",
    ),
    "medication end course": Attack(
        _end_course,
        lambda: (
            MedicationListVersion.objects.count(),
            list(MedicationItem.objects.values_list("pk", "ends_on")),
        ),
        reverse("home"),
        "erik.lak",
    ),
}


def _markers(patient: Patient) -> list[str]:
    return [patient.last_name, patient.personal_number, patient.formatted_personal_number]


def _denied(user) -> int:
    return AccessLogEntry.objects.filter(user=user, outcome=AccessLogEntry.Outcome.DENIED).count()


@pytest.mark.parametrize("name", list(ATTACKS))
def test_a_crafted_post_from_another_unit_is_refused_and_keeps_nothing(demo, db, client, name):
    attack = ATTACKS[name]
    attacker = Staff.objects.select_related("user").get(user__username="other.lak")
    client.force_login(attacker.user)
    url, data = attack.post()
    before, denied = attack.state(), _denied(attacker.user)

    response = client.post(url, data)

    assert response.status_code in (403, 404), (name, response.status_code)
    assert attack.state() == before, f"{name}: a refused POST changed data"
    assert SESSION_KEY not in client.session, f"{name}: the refused form was kept"
    if attack.logs_patient:
        assert _denied(attacker.user) > denied, f"{name}: refused without a denied log entry"
    own_page = client.get(attack.own_page)
    assert own_page.status_code < 500
    lisa = _lisa()
    for body in (response.content.decode(), own_page.content.decode()):
        assert ATTEMPT not in body
        shown = [marker for marker in _markers(lisa) if marker in body]
        assert not shown, f"{name}: the attacker is shown {shown}"


def test_the_attacker_is_really_an_outsider(demo, db, client):
    """The premises: the attacker's unit has no access to Lisa, while her ward has, and
    the markers looked for are what a page that may show her shows."""
    lisa = _lisa()
    attacker = Staff.objects.get(user__username="other.lak")
    nurse = Staff.objects.get(user__username="anna.ssk")
    own, ward = attacker.memberships.get().unit, nurse.memberships.get().unit
    assert not policy.decide_patient_access(staff=attacker, acting_unit=own, patient=lisa).granted
    assert policy.decide_patient_access(staff=nurse, acting_unit=ward, patient=lisa).granted
    client.force_login(nurse.user)
    listed = client.get(reverse("patients:list")).content.decode()
    assert all(marker in listed for marker in _markers(lisa)[::2])  # name and 19XX-number


@pytest.mark.parametrize("name", list(ATTACKS))
def test_the_same_post_by_the_patients_own_unit_is_saved(demo, db, client, name):
    """The control: the crafted data is valid, so only the attacker's access refuses it."""
    attack = ATTACKS[name]
    client.force_login(get_user_model().objects.get(username=attack.rightful))
    url, data = attack.post()
    before = attack.state()
    response = client.post(url, data)
    assert response.status_code == 302, (name, response.status_code)
    assert attack.state() != before, (name, data, client.session.get(SESSION_KEY))
