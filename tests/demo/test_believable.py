"""The demo as a Swedish nurse sees it (issue 19): each patient's own medication list and
visits at its dosing times, phone numbers only from PTS's fiction series, episodes whose
steps lie over the days they describe, and inboxes where only today's work is unread.

The demo is loaded once for the module (it takes a while) inside a transaction that is
rolled back at the end; each test runs in its own savepoint on top."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.careplans.models import AgreementVersion
from hemma.carerequests.models import CareRequest
from hemma.coordination.models import DirectoryEntry, MessageReceipt
from hemma.demo.data import DEMO_PHONE_SERIES, EPISODES
from hemma.episodes.models import Episode
from hemma.medication.services import current_version
from hemma.messaging.models import Message
from hemma.monitoring.models import EscalationFinalStep
from hemma.patients.models import NextOfKin, Patient
from hemma.shell.context_processors import nav_counts
from hemma.visits.models import Visit
from tests.clock import daytime

PHONE = re.compile(r"\b0\d[\d -]{5,}\d\b")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    # Daytime: loaded after midnight, the planning day (06–06) would still be yesterday's.
    with daytime(), django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--quiet")
        yield
        transaction.set_rollback(True)


pytestmark = [pytest.mark.usefixtures("demo"), pytest.mark.django_db]


def demo_episodes():
    return Episode.objects.filter(patient__last_name__endswith="(demo)").select_related("patient")


def episode_of(first_name):
    return demo_episodes().get(patient__first_name=first_name)


def drug_set(episode):
    version = current_version(episode)
    return frozenset((i.drug, i.dose, i.route, i.times) for i in version.items.all())


# 1. Medication that fits the patient, and visits at its dosing times ----------------------


def test_each_patient_has_a_list_that_fits_the_diagnosis():
    with_lists = [e for e in demo_episodes() if current_version(e) is not None]
    assert len({drug_set(e) for e in with_lists}) == len(with_lists) >= 5
    first_iv = {
        e.patient.first_name: next(i for i in current_version(e).items.all() if i.route == "iv")
        for e in with_lists
    }
    assert (first_iv["Kim"].drug, first_iv["Kim"].times) == ("Ceftriaxon", "08:00")  # pyelonefrit
    assert first_iv["Lisa"].drug == "Kloxacillin"  # erysipelas
    assert first_iv["Greta"].drug == "Bensylpenicillin"  # pneumoni
    assert first_iv["Omar"].drug == "Cefotaxim"  # pneumoni hos multisjuk
    assert any(
        i.drug == "Furosemid" and i.route == "iv"
        for i in current_version(episode_of("Omar")).items.all()
    )
    # Besides the antibiotic, the regular drugs they take anyway.
    for episode in with_lists:
        assert any(i.route == "po" for i in current_version(episode).items.all())


def _hour(moment) -> int:
    return timezone.localtime(moment).hour


@pytest.mark.parametrize("first_name", ["Lisa", "Omar"])
def test_the_iv_visits_are_at_the_lists_dosing_times(first_name):
    episode = episode_of(first_name)
    nurse_given = [
        i
        for i in current_version(episode).items.all()
        if i.route == "iv" and not i.self_administered
    ]
    wanted = {int(t.split(":")[0]) % 24 for i in nurse_given for t in i.times.split(", ")}
    day = Visit.objects.filter(episode=episode).order_by("day").first().day
    visits = Visit.objects.filter(episode=episode, day=day, what__contains="IV-antibiotika")
    centres = {_hour(v.window_start + (v.window_end - v.window_start) / 2) for v in visits}
    assert centres == wanted
    for visit in visits:
        assert any(f"{i.drug} {i.dose} iv" in visit.what for i in nurse_given), visit.what
    # No visit still changes a pump the patient does not have.
    assert not Visit.objects.filter(episode=episode, what__icontains="antibiotikapump").exists()


def test_the_care_request_asks_for_the_patients_own_drugs():
    request = CareRequest.objects.get(episode=episode_of("Lisa"), kind="home_health")
    assert "Kloxacillin" in request.interventions and "16" in request.interventions
    assert "antibiotikapump" not in request.interventions


# 2. Phone numbers from PTS's fiction series ----------------------------------------------


def test_every_demo_phone_number_is_from_the_pts_fiction_series():
    texts = list(Unit.objects.values_list("phone", flat=True))
    texts += list(
        Patient.objects.filter(last_name__endswith="(demo)").values_list("phone", flat=True)
    )
    texts += list(
        NextOfKin.objects.filter(patient__last_name__endswith="(demo)").values_list(
            "phone", flat=True
        )
    )
    for entry in DirectoryEntry.objects.all():
        texts += [entry.direct_phone, entry.on_call, entry.out_of_hours]
    texts += list(EscalationFinalStep.objects.values_list("instruction", flat=True))
    for version in AgreementVersion.objects.filter(
        agreement__episode__patient__last_name__endswith="(demo)"
    ):
        texts += [contact.get("phone", "") for contact in version.content().get("contacts", [])]
    numbers = [number for text in texts for number in PHONE.findall(text or "")]
    assert len(numbers) >= 20
    for number in numbers:
        assert re.match(DEMO_PHONE_SERIES, re.sub(r"\D", "", number)), number


# 3. Timelines over the days they describe ------------------------------------------------


def test_an_episodes_steps_lie_over_its_days_at_working_hours():
    now = timezone.now()
    for episode in demo_episodes():
        first, last = EPISODES[episode.patient.personal_number]["days"]
        moments = list(episode.transitions.values_list("at", flat=True)) + [episode.created_at]
        moments += list(
            CareRequest.objects.filter(episode=episode).values_list("sent_at", flat=True)
        )
        assert all(episode.created_at <= m <= now for m in moments), episode
        assert min(moments) == episode.created_at
        assert all(7 <= _hour(m) <= 16 for m in episode.transitions.values_list("at", flat=True))
        days = {timezone.localdate(m) for m in moments}
        assert (timezone.localdate(now) - min(days)).days == first
        if first > last and len(moments) > 2:
            assert len(days) > 1, episode  # spread, not all at one minute


def test_lisas_days_at_home_have_a_history():
    lisa = episode_of("Lisa")
    at_home = lisa.at_home_since
    assert timezone.now() - at_home > timedelta(days=1)
    request = CareRequest.objects.get(episode=lisa, kind="home_health")
    assert request.sent_at < at_home and request.start_at == at_home
    versions = list(
        lisa.medication_versions.order_by("number").values_list("created_at", flat=True)
    )
    assert versions[0] >= at_home and versions[1] - versions[0] >= timedelta(hours=12)
    sent = list(Message.objects.filter(episode=lisa).values_list("sent_at", flat=True))
    assert len({timezone.localdate(m) for m in sent}) > 1
    assert all(at_home <= m <= timezone.now() for m in sent)


# 4. Inboxes: history read, today's work unread --------------------------------------------


def test_the_inboxes_show_only_what_needs_action_today():
    start_of_today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    assert not CareRequest.objects.filter(read_at=None).exclude(status="sent").exists()
    assert not MessageReceipt.objects.filter(
        read_at=None, message__sent_at__lt=start_of_today
    ).exists()
    karin = Staff.objects.get(user__username="karin.hsv")
    counts = nav_counts(Unit.objects.get(kind="home_health_care"), karin)
    assert 0 < counts["unread_requests"] + counts["unread_coordination"] < 10
    # The new request (Omar's) is still there to answer.
    assert CareRequest.objects.filter(status="sent", read_at=None, kind="home_health").exists()


def test_loading_again_changes_none_of_it():
    def snapshot():
        return (
            sorted(Episode.objects.values_list("pk", "created_at", "at_home_since")),
            Visit.objects.count(),
            Message.objects.count(),
            CareRequest.objects.filter(read_at=None).count(),
            sorted(Unit.objects.values_list("phone", flat=True)),
        )

    before = snapshot()
    call_command("load_demo", "--quiet")
    assert snapshot() == before
