"""The planner page and the run sheet: who may open them, the buttons' outcomes, bad input
answered with a message (never a 500), and the map drawn offline."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse

from hemma.jobs.models import Job
from hemma.jobs.services import run_due_jobs
from hemma.visits import services
from hemma.visits.models import Assignment, Shift, Visit
from tests.conftest import client_for

from .conftest import DAY, at

pytestmark = pytest.mark.django_db
PLANNER = reverse("visits:planner")
QUERY = f"?day={DAY:%Y-%m-%d}"


def planned(team, home_health):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    with mock.patch("django.utils.timezone.now", return_value=at("06:00") - timedelta(days=1)):
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)


def text(response):
    return response.content.decode()


def test_the_planner_is_for_the_home_health_unit(client, ward_nurse, team):
    response = client_for(client, ward_nurse).get(PLANNER)
    assert response.status_code == 403 and "hemsjukvården" in text(response)
    client.logout()
    assert client.get(PLANNER).status_code == 302  # to the login page


def test_an_empty_day_says_what_to_do(client, team):
    page = text(client_for(client, team["nurse"]).get(PLANNER + QUERY))
    assert "Inga arbetspass den här dagen" in page
    assert "Lägg till besök" in page


def test_generate_and_plan_from_the_page(client, team, home_health, home_patients, shifts):
    as_nurse = client_for(client, team["nurse"])
    response = as_nurse.post(reverse("visits:generate"), {"day": f"{DAY}"}, follow=True)
    assert "besök skapade från överenskommelserna" in text(response)
    with mock.patch("django.utils.timezone.now", return_value=at("06:00") - timedelta(days=1)):
        response = as_nurse.post(
            reverse("visits:plan"), {"day": f"{DAY}", "seconds": "1"}, follow=True
        )
        # the planning is a job: queued, its status polled on the planner
        assert "Planeringen är startad" in text(response)
        assert 'hx-trigger="every 2s"' in text(response) and "Väntar på att starta" in text(
            response
        )
        job = Job.objects.get()
        assert run_due_jobs() == 1  # the worker
    response = as_nurse.get(f"{PLANNER}{QUERY}&job={job.pk}")
    page = text(response)
    assert "Dagen är planerad:" in page and 'hx-trigger="every 2s"' not in page
    assert "total restid" in page and "<svg" in page and "<polyline" in page
    assert "dubbelbemanning med" in page
    assert "Internal Server Error" not in page
    # no comma decimals in the SVG (Swedish number format must not leak into coordinates)
    svg = page[page.index("<svg viewBox") : page.index("</svg>")]
    assert 'cx="' in svg and not any("," in part.split('"')[0] for part in svg.split('cx="')[1:])


def test_bad_input_is_answered_with_a_message(client, team, home_health, home_patients):
    as_nurse = client_for(client, team["nurse"])
    response = as_nurse.post(reverse("visits:plan"), {"day": f"{DAY}", "seconds": "1"}, follow=True)
    assert "Inga arbetspass den dagen" in text(response)
    response = as_nurse.post(
        reverse("visits:plan"), {"day": f"{DAY}", "seconds": "999"}, follow=True
    )
    assert "Inget sparades: " in text(response)
    response = as_nurse.post(
        reverse("visits:shift_add"),
        {
            "day": f"{DAY}",
            "staff": team["usk1"].pk,
            "starts": "16:00",
            "ends": "07:00",
            "travel_mode": "car",
            "break_minutes": 30,
        },
        follow=True,
    )
    # Shown again with the error at its field and the typed values kept.
    page = text(response)
    assert response.status_code == 400 and "Passet måste sluta efter" in page
    assert 'name="starts" value="16:00"' in page and "Inget sparades" in page
    response = as_nurse.post(
        reverse("visits:add"),
        {
            "day": f"{DAY}",
            "episode": home_patients[0].pk,
            "what": "Prov",
            "earliest": "12:00",
            "latest": "10:00",
            "duration_minutes": 20,
            "skill": "nurse",
            "staff_needed": 1,
            "priority": 0,
        },
        follow=True,
    )
    page = text(response)
    assert response.status_code == 400 and "Senaste start måste vara" in page
    assert 'name="what" maxlength="500" required id="id_what" value="Prov"' in page or (
        'value="Prov"' in page
    )
    assert not Visit.objects.filter(what="Prov").exists()


def test_a_shift_and_an_ad_hoc_visit_are_added_from_the_page(
    client, team, home_health, home_patients
):
    as_nurse = client_for(client, team["nurse"])
    as_nurse.post(
        reverse("visits:shift_add"),
        {
            "day": f"{DAY}",
            "staff": team["usk1"].pk,
            "starts": "07:00",
            "ends": "16:00",
            "travel_mode": "bike",
            "break_from": "11:00",
            "break_until": "13:00",
            "break_minutes": 30,
        },
    )
    shift = Shift.objects.get(staff=team["usk1"], day=DAY)
    assert shift.travel_mode == "bike" and shift.break_minutes == 30
    response = as_nurse.post(
        reverse("visits:add"),
        {
            "day": f"{DAY}",
            "episode": home_patients[0].pk,
            "what": "Provtagning efter larm",
            "earliest": "10:00",
            "latest": "12:00",
            "duration_minutes": 20,
            "skill": "nurse",
            "staff_needed": 1,
            "priority": 2,
        },
        follow=True,
    )
    assert "Besöket är tillagt" in text(response)
    visit = Visit.objects.get(what="Provtagning efter larm")
    assert visit.priority == 2 and visit.source == "ad_hoc"
    response = as_nurse.post(reverse("visits:shift_remove", args=[shift.pk]), follow=True)
    assert (
        "Passet är borttaget" in text(response) and not Shift.objects.filter(pk=shift.pk).exists()
    )


def test_a_move_from_the_page_warns_when_the_plan_breaks(
    client, team, home_health, home_patients, shifts
):
    planned(team, home_health)
    dose = Visit.objects.get(day=DAY, what="IV-antibiotika", window_start__lt=at("17:00"))
    response = client_for(client, team["nurse"]).post(
        reverse("visits:move", args=[dose.pk]),
        {
            "day": f"{DAY}",
            "from_staff": team["nurse"].pk,
            "to_staff": team["usk1"].pk,
            "position": 1,
        },
        follow=True,
    )
    page = text(response)
    assert "Flyttat, men planen håller inte längre" in page
    assert "Omar Testsson" in page  # the warning names the patient, not an id
    response = client.post(
        reverse("visits:move", args=[dose.pk]),
        {"day": f"{DAY}", "to_staff": "x", "position": 1},
        follow=True,
    )
    # Issue 19: the error is at the staff field of the visit's row.
    assert "Inget sparades: rätta de markerade fälten." in text(response)
    assert 'aria-describedby="to-' in text(response) and "Fyll i ett heltal." in text(response)


def test_cancel_needs_a_reason(client, team, home_health, home_patients, shifts):
    planned(team, home_health)
    visit = Visit.objects.filter(day=DAY).first()
    as_nurse = client_for(client, team["nurse"])
    response = as_nurse.post(reverse("visits:cancel", args=[visit.pk]), {"reason": ""}, follow=True)
    assert "Inget sparades: rätta de markerade fälten." in text(response)
    # Issue 19: the error is at the reason field of this visit's row.
    body = response.content.decode()
    assert 'aria-invalid="true" aria-describedby="reason-' in body
    assert "Detta fält måste fyllas i." in body
    as_nurse.post(reverse("visits:cancel", args=[visit.pk]), {"reason": "Patienten inlagd"})
    visit.refresh_from_db()
    assert visit.status == "cancelled" and not visit.assignments.exists()


def test_another_units_visit_is_not_found(client, team, home_health, home_patients, outsider):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    visit = Visit.objects.first()
    response = client_for(client, outsider).post(
        reverse("visits:cancel", args=[visit.pk]), {"reason": "x"}
    )
    assert response.status_code in (403, 404)
    response = client.post(reverse("visits:done", args=[visit.pk]), {})
    assert response.status_code == 404


def test_the_run_sheet_lists_own_visits_and_marks_them_done(
    client, team, home_health, home_patients, shifts
):
    planned(team, home_health)
    mine = (
        Assignment.objects.filter(staff=team["usk1"]).select_related("visit").order_by("position")
    )
    # the whole session happens on the day (the idle timeout would log out a time jump)
    with mock.patch("django.utils.timezone.now", return_value=mine[0].planned_start):
        as_usk = client_for(client, team["usk1"])
        page = text(as_usk.get(reverse("visits:run_sheet") + QUERY))
        assert mine and all(a.visit.what in page for a in mine)
        assert "Byte av antibiotikapump" not in page  # the nurse's visits are not on my sheet
        assert "Trotzgatan 1" in page and "tel:" in page
        visit = mine[0].visit
        as_usk.post(reverse("visits:arrive", args=[visit.pk]))
        response = as_usk.post(
            reverse("visits:done", args=[visit.pk]), {"note": "Gick bra"}, follow=True
        )
        assert "Besöket är utfört." in text(response)
        visit.refresh_from_db()
        assert visit.status == "done" and visit.note == "Gick bra" and visit.done_by == team["usk1"]
        nurse_visit = Assignment.objects.filter(staff=team["nurse"]).first().visit
        assert as_usk.post(reverse("visits:done", args=[nurse_visit.pk]), {}).status_code == 404


def test_a_too_long_done_note_comes_back_in_its_row_with_the_error(
    client, team, home_health, home_patients, shifts
):
    """Issue 19: the note is kept and its error shown in the visit's row, nothing saved."""
    planned(team, home_health)
    mine = Assignment.objects.filter(staff=team["usk1"]).select_related("visit")
    visit = mine.order_by("position")[0].visit
    with mock.patch("django.utils.timezone.now", return_value=mine[0].planned_start):
        as_usk = client_for(client, team["usk1"])
        note = "Lång anteckning " + "x" * 2000
        response = as_usk.post(reverse("visits:done", args=[visit.pk]), {"note": note})
        assert response.status_code == 302
        body = as_usk.get(response.url).content.decode()
        assert "Inget sparades: rätta de markerade fälten." in body
        row = body[body.index(reverse("visits:done", args=[visit.pk])) :]
        row = row[: row.index("</form>")]
        assert f'value="{note}"' in row and 'aria-invalid="true"' in row
        assert f'id="note-{visit.pk}_error"' in row
        visit.refresh_from_db()
        assert visit.status != "done" and not visit.note
        # Once: the next view of the sheet is as usual.
        again = as_usk.get(response.url).content.decode()
        assert 'aria-invalid="true"' not in again


def test_an_empty_run_sheet(client, team):
    page = text(client_for(client, team["usk2"]).get(reverse("visits:run_sheet") + QUERY))
    assert "Inga besök för dig den här dagen." in page


def test_a_follow_up_visit_with_a_gap_and_shift_skills_from_the_page(
    client, team, home_health, home_patients
):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    dose = Visit.objects.filter(day=DAY, what="IV-antibiotika").first()
    as_nurse = client_for(client, team["nurse"])
    response = as_nurse.post(
        reverse("visits:add"),
        {
            "day": f"{DAY}",
            "episode": dose.episode_id,
            "what": "Koncentrationsprov",
            "earliest": "09:00",
            "latest": "20:00",
            "duration_minutes": 15,
            "skill": "nurse",
            "staff_needed": 1,
            "priority": 0,
            "follows": dose.pk,
            "min_gap_minutes": 60,
            "max_gap_minutes": 90,
        },
        follow=True,
    )
    assert "Besöket är tillagt" in text(response)
    sample = Visit.objects.get(what="Koncentrationsprov")
    assert (sample.follows, sample.min_gap_minutes, sample.max_gap_minutes) == (dose, 60, 90)
    as_nurse.post(
        reverse("visits:shift_add"),
        {
            "day": f"{DAY}",
            "staff": team["nurse"].pk,
            "starts": "07:00",
            "ends": "16:00",
            "travel_mode": "car",
            "break_minutes": 0,
            "skills": ["nurse", "assistant_nurse"],
        },
    )
    assert Shift.objects.get(staff=team["nurse"]).skills == ["nurse", "assistant_nurse"]
