"""Visits from the agreement, shifts, planning (checked by the independent checker), manual
moves with warnings, replanning that keeps visits done, and the run sheet's actions."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.errors import HemmaError, NotAllowed
from hemma.routing.check import violations
from hemma.routing.travel import UrbanArea
from hemma.visits import selectors, services
from hemma.visits.models import Assignment, PlanRun, Visit
from tests.conftest import make_staff

from .conftest import DAY, at

pytestmark = pytest.mark.django_db
BEFORE_THE_DAY = at("06:00") - timedelta(days=1)  # planning the day before


def frozen(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_visits_are_generated_from_the_agreements_once(team, home_health, home_patients):
    created = services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    visits = list(Visit.objects.filter(day=DAY).select_related("episode__patient"))
    assert created == len(visits)
    lisa = [v for v in visits if v.episode.patient.first_name == "Lisa"]
    # pump change and line check at 08 are one visit; Thursday brings the blood samples
    assert sorted(v.what for v in lisa) == [
        "Blodprover (CRP, blodstatus, kreatinin)",
        "Byte av antibiotikapump; Kontroll av infart (PICC/PVK) och förband",
    ]
    pump = next(v for v in lisa if v.what.startswith("Byte"))
    assert timezone.localtime(pump.window_start).strftime("%H:%M") == "07:30"
    assert timezone.localtime(pump.window_end).strftime("%H:%M") == "08:30"
    assert pump.duration_minutes == 45 and pump.skill == "nurse"
    omar = [v for v in visits if v.episode.patient.first_name == "Omar"]
    doses = sorted(
        timezone.localtime(v.window_start).strftime("%d %H:%M")
        for v in omar
        if "IV-antibiotika" in v.what
    )
    assert doses == ["26 07:30", "26 15:30", "26 23:30"]  # the midnight dose is tonight's
    morning = next(v for v in omar if v.window_start < at("09:00") and "IV" in v.what)
    assert morning.what.endswith("; IV-antibiotika")  # one visit with the 08 pump change
    lift = next(v for v in omar if v.what.startswith("Förflyttning"))
    assert lift.staff_needed == 2 and lift.skill == "assistant_nurse"
    # not home visits: the patient's own measurements, the video round, the evening call
    assert not any("Egenmätning" in v.what or "rond" in v.what for v in visits)
    assert services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY) == 0


def test_only_the_home_health_unit_plans(ward_nurse, ward, home_health, team):
    with pytest.raises(NotAllowed):
        services.visits_generate(staff=ward_nurse, unit=ward, day=DAY)
    with pytest.raises(NotAllowed):
        services.visits_generate(staff=ward_nurse, unit=home_health, day=DAY)


def test_a_shift_is_validated(team, home_health, ward_nurse):
    nurse = team["nurse"]
    base = {
        "staff": nurse,
        "unit": home_health,
        "worker": nurse,
        "day": DAY,
        "latitude": 60.6,
        "longitude": 15.6,
    }
    with pytest.raises(HemmaError, match="sluta efter"):
        services.shift_save(**base, starts=at("16:00"), ends=at("07:00"))
    with pytest.raises(HemmaError, match="Lunchfönstret"):
        services.shift_save(
            **base,
            starts=at("07:00"),
            ends=at("16:00"),
            break_from=at("17:00"),
            break_until=at("18:00"),
        )
    with pytest.raises(HemmaError, match="arbetar inte på enheten"):
        services.shift_save(**base | {"worker": ward_nurse}, starts=at("07:00"), ends=at("16:00"))
    shift = services.shift_save(**base, starts=at("07:00"), ends=at("16:00"))
    assert shift.skills == ["nurse"]
    again = services.shift_save(**base, starts=at("08:00"), ends=at("17:00"))
    assert again.pk == shift.pk  # one shift per person and day, updated


def test_the_day_is_planned_feasibly_with_the_double_visit_together(
    team, home_health, home_patients, shifts
):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    with frozen(BEFORE_THE_DAY):
        run = services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=2)
    assert run.warnings == []
    day_problem = services.build_problem(home_health, DAY)
    plan = services.current_plan(day_problem, DAY, home_health)  # the stored plan
    plan.unassigned = {
        services.visit_key(v.pk): v.unassigned_reason
        for v in Visit.objects.filter(day=DAY, status="planned")
    }
    assert violations(day_problem.problem, plan) == []
    lift = Visit.objects.get(day=DAY, what__startswith="Förflyttning")
    starts = {a.staff.user.username: a.planned_start for a in lift.assignments.all()}
    assert set(starts) == {"usk1", "usk2"} and len(set(starts.values())) == 1
    for dose in Visit.objects.filter(day=DAY, what__contains="IV-antibiotika"):
        start = dose.assignments.get().planned_start
        assert dose.window_start <= start <= dose.window_end
    assert run.unassigned == 0 and run.planned == Visit.objects.filter(day=DAY).count()
    entry = AccessLogEntry.objects.filter(action="list_patients").latest("pk")
    assert "visits planned" in entry.detail


def test_what_cannot_be_done_is_reported_with_the_reason(team, home_health, home_patients):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    nurse = team["nurse"]
    services.shift_save(
        staff=nurse,
        unit=home_health,
        worker=nurse,
        day=DAY,
        starts=at("07:00"),
        ends=at("12:00"),
        latitude=60.6066,
        longitude=15.631,
    )
    with frozen(BEFORE_THE_DAY):
        services.plan_day(staff=nurse, unit=home_health, day=DAY, seconds=1)
    reasons = dict(
        Visit.objects.filter(day=DAY, status="planned").values_list("what", "unassigned_reason")
    )
    assert reasons["Förflyttning, två personal"] == "no_qualified_staff"
    assert reasons["IV-antibiotika"] == "outside_every_shift"  # 16 and 24 after 12:00
    assert services.reason_label("no_qualified_staff") == "Ingen i tjänst har rätt kompetens"


def test_planning_needs_shifts_and_a_sane_time_limit(team, home_health, home_patients):
    with pytest.raises(HemmaError, match="Inga arbetspass"):
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    with pytest.raises(HemmaError, match="tidsgräns"):
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=600)


def test_a_patient_without_coordinates_is_reported_not_dropped(
    team, home_health, home_patients, shifts
):
    patient = home_patients[0].patient
    patient.latitude = patient.longitude = None
    patient.save()
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    with frozen(BEFORE_THE_DAY):
        run = services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    lisa = Visit.objects.filter(day=DAY, episode=home_patients[0])
    assert lisa.exists() and all(v.unassigned_reason == "no_address" for v in lisa)
    assert run.unassigned >= lisa.count()
    # nothing is silently dropped: every visit is in a route or has its reason
    for visit in Visit.objects.filter(day=DAY):
        assert visit.assignments.exists() or visit.unassigned_reason, visit


def test_a_manual_move_is_checked_and_warned_about(team, home_health, home_patients, shifts):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    with frozen(BEFORE_THE_DAY):
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    dose = Visit.objects.get(day=DAY, what="IV-antibiotika", window_start__lt=at("17:00"))
    place = dose.assignments.get().position
    # a nurse's dose given to an assistant nurse: moved, but the plan no longer holds
    warnings = services.visit_move(
        staff=team["nurse"],
        unit=home_health,
        visit=dose,
        from_staff=team["nurse"],
        to_staff=team["usk1"],
        position=0,
    )
    # In Swedish with the staff member's name and the skill in words (never "s10 lacks …").
    assert any("saknar kompetens (Sjuksköterska)" in w for w in warnings), warnings
    assert not any("lacks" in w or "['nurse']" in w for w in warnings)
    assert dose.assignments.get().staff == team["usk1"]
    assert (
        PlanRun.objects.latest().solver == "manual"
        and PlanRun.objects.latest().warnings == warnings
    )
    # moved back: the plan holds again
    assert (
        services.visit_move(
            staff=team["nurse"],
            unit=home_health,
            visit=dose,
            from_staff=team["usk1"],
            to_staff=team["nurse"],
            position=place,
        )
        == []
    )


def test_replanning_keeps_visits_done_and_plans_an_urgent_visit(
    team, home_health, home_patients, shifts
):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    with frozen(BEFORE_THE_DAY):
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    first = Assignment.objects.filter(staff=team["nurse"]).order_by("position").first()
    kept_start = first.planned_start
    with frozen(first.planned_start + timedelta(minutes=5)):
        services.visit_arrive(staff=team["nurse"], unit=home_health, visit=first.visit)
        services.visit_done(
            staff=team["nurse"], unit=home_health, visit=first.visit, note="Pump bytt"
        )
    now = at("10:00")
    with frozen(now):
        urgent = services.visit_add(
            staff=team["nurse"],
            unit=home_health,
            episode=home_patients[0],
            day=DAY,
            what="Provtagning efter larm",
            window_start=now,
            window_end=now + timedelta(hours=2),
            duration_minutes=20,
            skill="nurse",
            priority=2,
        )
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    first.refresh_from_db()
    assert first.planned_start == kept_start and first.visit.status == "done"
    urgent.refresh_from_db()
    assert urgent.status == "assigned"
    assert now <= urgent.assignments.get().planned_start <= now + timedelta(hours=2)


def test_an_ad_hoc_visit_is_validated(team, home_health, home_patients):
    nurse = team["nurse"]
    good = {
        "staff": nurse,
        "unit": home_health,
        "episode": home_patients[0],
        "day": DAY,
        "what": "Prov",
        "window_start": at("10:00"),
        "window_end": at("12:00"),
        "duration_minutes": 20,
        "skill": "nurse",
    }
    with pytest.raises(HemmaError, match="slutar innan"):
        services.visit_add(**good | {"window_end": at("09:00")})
    with pytest.raises(HemmaError, match="planeringsdagen"):
        services.visit_add(
            **good
            | {
                "window_start": at("10:00") + timedelta(days=2),
                "window_end": at("10:00") + timedelta(days=2),
            }
        )
    with pytest.raises(HemmaError, match="en eller två"):
        services.visit_add(**good | {"staff_needed": 3})
    first = services.visit_add(**good)
    with pytest.raises(HemmaError, match="minsta och största"):
        services.visit_add(**good | {"follows": first})
    second = services.visit_add(
        **good | {"follows": first, "min_gap_minutes": 60, "max_gap_minutes": 90}
    )
    assert second.follows == first
    assert Visit.objects.filter(day=DAY).count() == 2


def test_run_sheet_shows_only_own_visits_and_marks_done(team, home_health, home_patients, shifts):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    with frozen(BEFORE_THE_DAY):
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    rows = selectors.run_sheet(team["usk1"], home_health, DAY)
    assert rows and all(r["assignment"].staff == team["usk1"] for r in rows)
    assert [r["assignment"].position for r in rows] == sorted(
        r["assignment"].position for r in rows
    )
    # (the page logs the patients shown: tests/visits/test_policy_visits.py)
    nurse_rows = selectors.run_sheet(team["nurse"], home_health, DAY)
    dose_row = next(r for r in nurse_rows if "IV-antibiotika" in r["visit"].what)
    assert [m.drug for m in dose_row["medication"]] == ["Cefotaxim", "Alvedon"]
    # someone else's visit cannot be marked done by me
    with pytest.raises(NotAllowed):
        services.visit_done(staff=team["usk1"], unit=home_health, visit=dose_row["visit"])
    # a visit tomorrow is not done today
    with frozen(at("06:00") - timedelta(days=2)), pytest.raises(HemmaError, match="inte förrän"):
        services.visit_arrive(staff=team["nurse"], unit=home_health, visit=dose_row["visit"])


def test_a_revoked_consent_hides_the_patient_from_the_run_sheet(
    team, home_health, home_patients, shifts
):
    from hemma.patients.models import SharingConsent

    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    with frozen(BEFORE_THE_DAY):
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    lisa = home_patients[0].patient
    SharingConsent.objects.filter(patient=lisa).update(revoked_at=timezone.now())
    rows = selectors.run_sheet(team["nurse"], home_health, DAY)
    assert rows and lisa.pk not in {r["patient"].pk for r in rows}


def test_late_visits_are_flagged_to_the_planner(team, home_health, home_patients, shifts):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    with frozen(BEFORE_THE_DAY):
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    first = Assignment.objects.filter(staff=team["nurse"]).order_by("position").first()
    with frozen(first.planned_start + timedelta(minutes=10)):
        assert selectors.planner_board(team["nurse"], home_health, DAY)["late"] == []
    with frozen(first.planned_start + timedelta(minutes=20)):
        late = selectors.planner_board(team["nurse"], home_health, DAY)["late"]
    assert [row.visit for row in late] == [first.visit]


def test_the_planner_board_reads_in_a_fixed_number_of_queries(
    team, home_health, home_patients, shifts, django_assert_max_num_queries
):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    with frozen(BEFORE_THE_DAY):
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    with django_assert_max_num_queries(6):
        board = selectors.planner_board(team["nurse"], home_health, DAY)
        assert sum(len(r.rows) for r in board["routes"]) >= 5


def test_replanning_late_in_the_day_when_some_shifts_are_over(
    team, home_health, home_patients, shifts
):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    with frozen(at("17:00")):  # the assistant nurses went home at 16:00
        run = services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)
    assert run.warnings == []
    evening = Visit.objects.get(day=DAY, what="IV-antibiotika", window_start__gt=at("20:00"))
    assert evening.status == "assigned"
    morning = Visit.objects.get(day=DAY, what__startswith="Förflyttning")
    assert morning.status == "planned" and morning.unassigned_reason == "outside_every_shift"


def test_continuity_prefers_whoever_last_visited_the_patient(team, home_health, home_patients):
    from hemma.visits.forms import on_day

    nurse = team["nurse"]
    other = make_staff("hsvnurse2", "nurse", home_health)
    for person in (nurse, other):
        services.shift_save(
            staff=nurse,
            unit=home_health,
            worker=person,
            day=DAY,
            starts=at("07:00"),
            ends=at("16:00"),
            latitude=60.6066,
            longitude=15.631,
        )
    lisa = home_patients[0]
    yesterday = DAY - timedelta(days=1)
    earlier = Visit.objects.create(
        unit=home_health,
        episode=lisa,
        day=yesterday,
        what="Prov",
        window_start=on_day(yesterday, at("10:00").time()),
        window_end=on_day(yesterday, at("11:00").time()),
        skill="nurse",
        created_by=nurse,
        status=Visit.Status.DONE,
        done_by=other,
        done_at=at("10:30") - timedelta(days=1),
    )
    assert earlier.done_by == other
    visit = services.visit_add(
        staff=nurse,
        unit=home_health,
        episode=lisa,
        day=DAY,
        what="Såromläggning",
        window_start=at("10:00"),
        window_end=at("12:00"),
        duration_minutes=20,
        skill="nurse",
    )
    day_problem = services.build_problem(home_health, DAY)
    routed = next(v for v in day_problem.problem.visits if v.id == services.visit_key(visit.pk))
    assert routed.preferred == services.staff_key(other.pk)
    with frozen(BEFORE_THE_DAY):
        services.plan_day(staff=nurse, unit=home_health, day=DAY, seconds=1)
    assert visit.assignments.get().staff == other


def test_the_regions_towns_slow_the_embedded_travel_times(
    settings, team, home_health, home_patients, shifts
):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    plain = services.build_problem(home_health, DAY).problem
    locations = plain.keys()
    a, b = next((a, b) for a in locations for b in locations if plain.travel[a][b] > 2)
    settings.HEMMA_URBAN_AREAS = (UrbanArea(a[0], a[1], 500.0),)  # the whole county a town
    urban = services.build_problem(home_health, DAY).problem
    assert urban.travel[a][b] > plain.travel[a][b]
