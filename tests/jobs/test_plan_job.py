"""Planning the day as a job: "Planera dagen" queues it, the worker solves OUTSIDE any
transaction (the database is free for colleagues meanwhile) and stores the plan in one
short transaction that first checks the day did not change during the solve."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse

from hemma.careplans.services import templates_ensure_shipped
from hemma.jobs.models import Job
from hemma.jobs.services import run_due_jobs
from hemma.visits import services
from hemma.visits.models import Assignment, PlanRun, Visit
from tests.conftest import client_for
from tests.visits.conftest import DAY, at

pytestmark = pytest.mark.django_db
BEFORE_THE_DAY = at("06:00") - timedelta(days=1)
PLANNER = reverse("visits:planner")


def frozen(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def day(team, home_health, home_patients, shifts):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    return DAY


def during_the_solve(monkeypatch, action):
    """Run `action()` while the solver works (as a colleague would, meanwhile)."""
    solve = services.routing_solve.solve
    seen = {}

    def solving(*args, **kwargs):
        seen["in_transaction"] = connection.in_atomic_block
        action()
        return solve(*args, **kwargs)

    monkeypatch.setattr(services.routing_solve, "solve", solving)
    return seen


def plan_as_a_job(team, home_health):
    with frozen(BEFORE_THE_DAY):
        job = services.plan_day_request(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
        assert run_due_jobs() == 1
    job.refresh_from_db()
    return job


@pytest.fixture
def shipped_templates():
    """A transactional test runs after others emptied the tables: the templates again."""
    templates_ensure_shipped()


@pytest.mark.django_db(transaction=True)
def test_the_solver_runs_outside_any_transaction(
    shipped_templates, team, home_health, day, monkeypatch
):
    seen = during_the_solve(monkeypatch, lambda: None)
    replanned = {}
    replan = services.routing_solve.replan

    def replanning(*args, **kwargs):
        replanned["in_transaction"] = connection.in_atomic_block
        return replan(*args, **kwargs)

    monkeypatch.setattr(services.routing_solve, "replan", replanning)
    job = plan_as_a_job(team, home_health)
    assert seen == {"in_transaction": False}
    assert job.status == "done", job.error
    run = PlanRun.objects.get()
    assert job.result["plan_run"] == run.pk and job.result["planned"] == run.planned > 0
    assert Assignment.objects.exists()
    # during the day (a replan, keeping what is started) it is the same
    with frozen(at("10:00")):
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    assert replanned == {"in_transaction": False}


def test_a_visit_changed_during_the_solve_stores_nothing_and_says_plan_again(
    team, home_health, day, monkeypatch
):
    visit = Visit.objects.filter(day=DAY).first()
    during_the_solve(
        monkeypatch,
        lambda: services.visit_cancel(
            staff=team["nurse"], unit=home_health, visit=visit, reason="Inlagd på sjukhus"
        ),
    )
    job = plan_as_a_job(team, home_health)
    assert job.status == "failed"
    assert job.error == (
        "Dagen ändrades medan planen räknades fram (1 besök). Inget sparades – planera dagen igen."
    )
    assert not PlanRun.objects.exists() and not Assignment.objects.exists()


def test_a_shift_changed_during_the_solve_stores_nothing(team, home_health, day, monkeypatch):
    from hemma.visits.models import Shift

    during_the_solve(
        monkeypatch,
        lambda: Shift.objects.filter(staff=team["usk1"]).update(ends_at=at("12:00")),
    )
    job = plan_as_a_job(team, home_health)
    assert job.status == "failed" and "(arbetspassen)" in job.error
    assert not PlanRun.objects.exists()


def test_a_visit_added_during_the_solve_waits_for_the_next_planning(
    team, home_health, home_patients, day, monkeypatch
):
    added = {}

    def add_visit():
        added["visit"] = services.visit_add(
            staff=team["nurse"],
            unit=home_health,
            episode=home_patients[0],
            day=DAY,
            what="Provtagning efter larm",
            window_start=at("10:00"),
            window_end=at("12:00"),
            duration_minutes=20,
            skill="nurse",
        )

    during_the_solve(monkeypatch, add_visit)
    job = plan_as_a_job(team, home_health)
    assert job.status == "done", job.error
    run = PlanRun.objects.get()
    assert (
        "1 besök lades till medan planen räknades fram och är inte planerat – planera igen "
        "för att få med det." in run.warnings
    )
    visit = added["visit"]
    visit.refresh_from_db()
    assert visit.status == "planned" and not visit.assignments.exists()


def test_the_planner_queues_once_and_shows_the_job_to_colleagues(client, team, home_health, day):
    as_nurse = client_for(client, team["nurse"])
    post = {"day": f"{DAY}", "seconds": "1"}
    first = as_nurse.post(reverse("visits:plan"), post)
    job = Job.objects.get()
    assert first.status_code == 302 and first.url.endswith(f"&job={job.pk}#plan-job")
    again = as_nurse.post(reverse("visits:plan"), post, follow=True)
    assert Job.objects.count() == 1
    assert "Dagen planeras redan" in again.content.decode()
    # a colleague opening the planner sees the planning under way (polled)
    page = client_for(client, team["usk1"]).get(f"{PLANNER}?day={DAY}").content.decode()
    assert f'hx-get="{reverse("jobs:status", args=[job.pk])}"' in page
    assert 'hx-trigger="every 2s"' in page


def test_what_can_be_checked_at_once_is_not_queued(client, team, home_health, home_patients):
    as_nurse = client_for(client, team["nurse"])
    response = as_nurse.post(reverse("visits:plan"), {"day": f"{DAY}", "seconds": "1"}, follow=True)
    assert "Inga arbetspass den dagen" in response.content.decode()
    assert not Job.objects.exists()
