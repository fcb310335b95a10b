"""Planning who may do which visit: a visit whose text names a trained skill (PICC, pump,
IV antibiotics, subcutaneous injection) warns on the planner when nobody on shift holds it
by a valid record, and when the staff planned on it lacks it. The professions the solver
plans by (Shift.skills, Visit.skill) are unchanged."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.competence import selectors, skills
from hemma.competence.models import CompetenceRecord
from hemma.visits import selectors as visit_selectors
from hemma.visits.forms import on_day
from hemma.visits.models import Assignment, Shift, Visit
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db
DAY = timezone.localdate()
PICC_VISIT = "Byte av antibiotikapump; Kontroll av infart (PICC/PVK) och förband"


def at(clock: str, day: date = DAY):
    return on_day(day, time.fromisoformat(clock))


def test_skills_are_read_from_the_visits_text():
    assert skills.skills_in(PICC_VISIT) == ("picc", "infusion_pump")
    assert skills.skills_in("IV-antibiotika enligt läkemedelslistan: Cefotaxim 1 g") == (
        "iv_antibiotics",
    )
    assert skills.skills_in("Fragmin subkutant") == ("subcutaneous_injection",)
    assert skills.skills_in("Förflyttning och personlig hygien, två personal") == ()


@pytest.fixture
def day(at_home, home_health, home_nurse, ward_nurse):
    """A shift for the home nurse and a colleague, and Kim's pump and PICC visit."""
    colleague = make_staff("sofia", "nurse", home_health)
    for worker in (home_nurse, colleague):
        Shift.objects.create(
            unit=home_health,
            staff=worker,
            day=DAY,
            starts_at=at("07:00"),
            ends_at=at("16:00"),
            skills=["nurse"],
            start_latitude=Decimal("60.6"),
            start_longitude=Decimal("15.6"),
        )
    visit = Visit.objects.create(
        unit=home_health,
        episode=at_home,
        day=DAY,
        what=PICC_VISIT,
        window_start=at("07:30"),
        window_end=at("08:30"),
        skill="nurse",
        created_by=home_nurse,
    )
    return {"visit": visit, "colleague": colleague}


def trained(staff, skill, ward_nurse, home_health, **fields):
    return CompetenceRecord.objects.create(
        unit=home_health,
        staff=staff,
        skill=skill,
        trained_on=DAY - timedelta(days=10),
        trainer=ward_nurse,
        recorded_by=ward_nurse,
        recorded_unit=ward_nurse.units.first(),
        **fields,
    )


def warnings(home_nurse, home_health):
    board = visit_selectors.planner_board(home_nurse, home_health, DAY)
    return [(w.kind, w.skill, w.staff) for w in selectors.planner_warnings(board, DAY)]


def test_nobody_on_shift_holds_the_skill(day, home_nurse, home_health):
    assert warnings(home_nurse, home_health) == [
        ("nobody", "picc", None),
        ("nobody", "infusion_pump", None),
    ]


def test_a_valid_record_of_someone_on_shift_clears_it(day, home_nurse, home_health, ward_nurse):
    trained(home_nurse, "picc", ward_nurse, home_health)
    trained(day["colleague"], "infusion_pump", ward_nurse, home_health)
    assert warnings(home_nurse, home_health) == []


def test_expired_withdrawn_and_future_records_do_not_count(
    day, home_nurse, home_health, ward_nurse
):
    trained(home_nurse, "picc", ward_nurse, home_health, valid_until=DAY - timedelta(days=1))
    trained(
        home_nurse,
        "infusion_pump",
        ward_nurse,
        home_health,
        withdrawn_at=timezone.now(),
        withdrawn_by=ward_nurse,
        withdrawn_reason="Fel",
    )
    assert [w[:2] for w in warnings(home_nurse, home_health)] == [
        ("nobody", "picc"),
        ("nobody", "infusion_pump"),
    ]


def test_the_planned_staff_member_lacks_it(day, home_nurse, home_health, ward_nurse):
    trained(home_nurse, "picc", ward_nurse, home_health)
    trained(home_nurse, "infusion_pump", ward_nurse, home_health)
    visit = day["visit"]
    Assignment.objects.create(
        visit=visit,
        staff=day["colleague"],
        position=0,
        planned_arrival=visit.window_start,
        planned_start=visit.window_start,
    )
    visit.status = Visit.Status.ASSIGNED
    visit.save()
    assert warnings(home_nurse, home_health) == [
        ("assigned", "picc", day["colleague"]),
        ("assigned", "infusion_pump", day["colleague"]),
    ]


def test_done_visits_do_not_warn(day, home_nurse, home_health):
    Visit.objects.filter(pk=day["visit"].pk).update(status=Visit.Status.DONE)
    assert warnings(home_nurse, home_health) == []


def test_the_planner_page_shows_the_warning(day, as_home_nurse, home_health):
    response = as_home_nurse.get(f"{reverse('visits:planner')}?day={DAY:%Y-%m-%d}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "ingen i tjänst har registrerad utbildning i PICC-line" in body
    assert reverse("competence:unit", args=[home_health.pk]) in body


def test_one_query_however_many_visits(day, home_nurse, home_health, at_home):
    for hour in ("10:00", "12:00", "14:00"):
        Visit.objects.create(
            unit=home_health,
            episode=at_home,
            day=DAY,
            what="IV-antibiotika",
            window_start=at(hour),
            window_end=at(hour),
            skill="nurse",
            created_by=home_nurse,
        )
    board = visit_selectors.planner_board(home_nurse, home_health, DAY)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.planner_warnings(board, DAY)
    assert len(queries) == 1 and len(found) == 5
