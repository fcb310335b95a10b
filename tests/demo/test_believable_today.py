"""Today in the demo as a real working day at whatever clock time it is loaded (issue 19):
the home health unit's visits planned, the ones whose time has passed done, the doses due
before now given (no missed-dose alert), and the coordination cases' steps spread over the
days before, never at the load's minute nor after it.

The demo is loaded once per clock time (afternoon, early morning, just before midnight)
with a clock that starts at that time and runs (django.utils.timezone.now patched, as the
visits tests do), inside a transaction rolled back at the end."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from hemma.coordination.models import CaseMessage, DischargeCase
from hemma.demo.today import DONE_NOTE
from hemma.medication.models import DoseAdministration
from hemma.monitoring.models import Alert
from hemma.visits.models import Assignment, PlanRun, Visit
from hemma.visits.services import planning_day

DAY = "2026-11-25"  # a Wednesday, far from a clock change
REAL_NOW = timezone.now


def running_clock(start: datetime):
    """A clock that starts at `start` and runs as the real one does."""
    real_start = REAL_NOW()
    return mock.patch(
        "django.utils.timezone.now", side_effect=lambda: start + (REAL_NOW() - real_start)
    )


def local(clock: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(f"{DAY}T{clock}"))


@pytest.fixture(scope="module", params=["14:00", "07:00", "23:50", "00:30"])
def loaded(request, django_db_setup, django_db_blocker):
    loaded_at = local(request.param)
    with django_db_blocker.unblock(), transaction.atomic(), running_clock(loaded_at):
        call_command("load_demo", "--quiet")
        yield loaded_at
        transaction.set_rollback(True)


@pytest.fixture
def now(loaded):
    """When the demo was loaded (the clock still runs on from there during the tests)."""
    return loaded


pytestmark = pytest.mark.django_db


def todays_visits(loaded_at):
    return Visit.objects.filter(unit__kind="home_health_care", day=planning_day(loaded_at)).exclude(
        status=Visit.Status.CANCELLED
    )


def test_every_visit_today_has_staff(now):
    visits = todays_visits(now)
    assert visits.count() >= 5
    assert not visits.filter(status=Visit.Status.PLANNED).exists()
    for visit in visits.prefetch_related("assignments"):
        assert len(visit.assignments.all()) == visit.staff_needed, visit
    run = PlanRun.objects.get(day=planning_day(now))
    assert run.unassigned == 0 and run.created_at < now


def test_visits_past_are_done_and_the_rest_planned(now):
    for visit in todays_visits(now).prefetch_related("assignments"):
        start = min(a.planned_start for a in visit.assignments.all())
        if start + timedelta(minutes=visit.duration_minutes) <= now:
            assert visit.status == Visit.Status.DONE, visit
            assert visit.done_by_id in {a.staff_id for a in visit.assignments.all()}
            assert visit.arrived_at == start and visit.done_at <= now
            assert visit.note == DONE_NOTE
        else:
            assert visit.status == Visit.Status.ASSIGNED, visit
            assert visit.done_at is None


def test_a_day_well_under_way_has_both(now):
    visits = todays_visits(now)
    if timezone.localtime(now).hour == 14:
        assert visits.filter(status=Visit.Status.DONE).exists()
        assert visits.filter(status=Visit.Status.ASSIGNED).exists()
    if timezone.localtime(now).hour == 7:
        assert not visits.filter(status=Visit.Status.DONE).exists()


def test_doses_due_before_now_were_given_and_none_is_overdue(now):
    doses = DoseAdministration.objects.filter(episode__state="at_home")
    assert doses.exists()
    assert not doses.filter(status="planned", due_at__lt=now).exists()
    assert not Alert.objects.filter(kind=Alert.Kind.MISSED_DOSE).exists()
    for dose in doses.filter(due_at__lt=now):
        assert dose.status == "given", dose
        assert dose.due_at <= dose.given_at <= dose.recorded_at <= now
        assert dose.given_at - dose.due_at <= timedelta(minutes=15)
        assert (
            dose.by_patient
            or dose.recorded_by.memberships.filter(unit=dose.episode.home_health_unit).exists()
        )
    assert doses.filter(status="planned", due_at__gt=now).exists()  # later today, or tomorrow


def test_the_worker_finds_no_dose_to_alert_about(now):
    from hemma.medication.services import doses_overdue_check

    assert doses_overdue_check(now=now) == 0


def _case_moments():
    moments = list(CaseMessage.objects.values_list("sent_at", flat=True))
    fields = ("admitted_at", "support_judged_at", "fixed_contact_appointed_at", "ready_at")
    for row in DischargeCase.objects.values_list(*fields, "sip_consent_at"):
        moments += [m for m in row if m is not None]
    return moments


def test_coordination_is_spread_before_the_load(now):
    moments = _case_moments()
    assert len(moments) >= 15
    assert all(m <= now for m in moments)
    at_load = [m for m in moments if abs(m - now) <= timedelta(minutes=1)]
    assert not at_load
    assert len({timezone.localdate(m) for m in moments}) >= 3


def test_each_cases_steps_keep_their_order_and_the_law_clock(now):
    from hemma.coordination.selectors import clock

    for case in DischargeCase.objects.prefetch_related("messages"):
        steps = [case.admitted_at, case.support_judged_at]
        steps += [m.sent_at for m in case.messages.order_by("pk")]
        assert steps == sorted(steps), case
        assert case.support_judged_at >= case.admitted_at
        if case.fixed_contact_appointed_at and case.ready_at:
            assert case.fixed_contact_appointed_at <= case.ready_at
        notice = next(m for m in case.messages.all() if m.kind == "admission")
        late = notice.sent_at > case.support_judged_at + timedelta(hours=24)
        assert late == notice.late, case
    cases = list(DischargeCase.objects.all())
    assert any(clock(c, now=now).notice_late for c in cases)
    assert any(clock(c, now=now).payment_days for c in cases)


def test_loading_again_keeps_the_counts(now):
    def snapshot():
        return (
            Visit.objects.count(),
            Assignment.objects.count(),
            PlanRun.objects.count(),
            DoseAdministration.objects.count(),
            Alert.objects.filter(kind=Alert.Kind.MISSED_DOSE).count(),
            CaseMessage.objects.count(),
            sorted(CaseMessage.objects.values_list("pk", "sent_at")),
        )

    before = snapshot()
    call_command("load_demo", "--quiet")
    assert snapshot() == before
    assert not todays_visits(now).filter(status=Visit.Status.PLANNED).exists()
