"""Visits through the access policy (issue 13): the planner, its map and the run sheet
show only the unit's own visits of patients whose health record it may list (a revoked
consent hides the patient at once) and log one entry per patient shown; planning, moving
and cancelling are the visiting unit's, on its own visits and shifts only; every refusal
leaves a denied entry naming the object and changes nothing."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hemma.audit.models import AccessLogEntry
from hemma.clinical.identifiers import luhn_check_digit
from hemma.episodes.models import Episode
from hemma.patients.services import sharing_consent_revoke
from hemma.visits import selectors, services
from hemma.visits.models import Assignment, PlanRun, Shift, Visit
from tests.conftest import client_for, make_patient, make_staff, make_unit

from .conftest import DAY, at

pytestmark = pytest.mark.django_db
QUERY = f"?day={DAY:%Y-%m-%d}"
PLANNER = reverse("visits:planner") + QUERY
RUN_SHEET = reverse("visits:run_sheet") + QUERY
LISA = "Lisa Testsson"


def planned(team, home_health):
    services.visits_generate(staff=team["nurse"], unit=home_health, day=DAY)
    with mock.patch("django.utils.timezone.now", return_value=at("06:00") - timedelta(days=1)):
        services.plan_day(staff=team["nurse"], unit=home_health, day=DAY, seconds=1)


def text(response):
    return response.content.decode()


def denied(staff, **filters):
    return AccessLogEntry.objects.filter(user=staff.user, outcome="denied", **filters)


def lisa_visit():
    return Visit.objects.filter(episode__patient__first_name="Lisa", day=DAY).first()


def map_stops(board) -> int:
    return sum(len(route.stops) for route in board["map"].routes) + len(board["map"].loose)


# --- lists --------------------------------------------------------------------------------


def test_revoking_hides_lisa_at_once_from_planner_map_and_run_sheet(
    client, team, home_health, home_patients, shifts, ward_nurse, ward
):
    planned(team, home_health)
    lisa = home_patients[0].patient
    holder = lisa_visit().assignments.first().staff
    as_nurse = client_for(client, team["nurse"])
    assert LISA in text(as_nurse.get(PLANNER))
    before = selectors.planner_board(team["nurse"], home_health, DAY)
    # Lisa's markers on the map: her stops in the routes and her visits not planned.
    lisas_stops = sum(
        1 for route in before["routes"] for row in route.rows if row.visit.episode.patient == lisa
    ) + sum(1 for visit in before["unplanned"] if visit.episode.patient == lisa)
    assert lisas_stops
    client_for(client, holder)
    assert LISA in text(client.get(RUN_SHEET))

    sharing_consent_revoke(staff=ward_nurse, unit=ward, patient=lisa)

    assert LISA not in text(client.get(RUN_SHEET))
    as_nurse = client_for(client, team["nurse"])
    assert LISA not in text(as_nurse.get(PLANNER))
    after = selectors.planner_board(team["nurse"], home_health, DAY)
    assert all(v.episode.patient != lisa for v in after["visits"])
    assert map_stops(after) == map_stops(before) - lisas_stops
    listed = AccessLogEntry.objects.filter(detail__in=[f"visit planner {DAY}", f"run sheet {DAY}"])
    assert not listed.filter(patient=lisa, occurred_at__gt=lisa.sharing_consents.get().revoked_at)


def test_the_planner_and_the_run_sheet_log_each_patient_shown(
    client, team, home_health, home_patients, shifts
):
    planned(team, home_health)
    client_for(client, team["nurse"]).get(PLANNER)
    planner = AccessLogEntry.objects.filter(
        user=team["nurse"].user, action="list_patients", detail=f"visit planner {DAY}"
    )
    assert sorted(planner.values_list("patient__first_name", flat=True)) == ["Lisa", "Omar"]
    holder = lisa_visit().assignments.first().staff
    shown = {a.visit.episode.patient.first_name for a in Assignment.objects.filter(staff=holder)}
    client_for(client, holder).get(RUN_SHEET)
    sheet = AccessLogEntry.objects.filter(user=holder.user, detail=f"run sheet {DAY}")
    assert set(sheet.values_list("patient__first_name", flat=True)) == shown
    assert sheet.count() == len(shown)


def test_planning_leaves_out_a_patient_who_revoked_and_logs_the_others(
    team, home_health, home_patients, shifts, ward_nurse, ward
):
    lisa = home_patients[0].patient
    sharing_consent_revoke(staff=ward_nurse, unit=ward, patient=lisa)
    planned(team, home_health)
    assert not Visit.objects.filter(episode__patient=lisa).exists()  # not generated
    planning = AccessLogEntry.objects.filter(detail__startswith=f"visits planned for {DAY}")
    assert list(planning.values_list("patient__first_name", flat=True).distinct()) == ["Omar"]


# --- actions: only the visiting unit, only its own visits and shifts ------------------------


class TestRefusals:
    def test_a_ward_cannot_plan_move_or_cancel_the_home_health_units_visits(
        self, client, team, home_health, home_patients, shifts, ward_nurse
    ):
        planned(team, home_health)
        visit = Visit.objects.filter(day=DAY, status="assigned").first()
        before = list(Assignment.objects.order_by("pk").values_list("pk", "staff_id", "position"))
        runs = PlanRun.objects.count()
        as_ward = client_for(client, ward_nurse)
        move = as_ward.post(
            reverse("visits:move", args=[visit.pk]),
            {"day": f"{DAY}", "to_staff": team["usk1"].pk, "position": 1},
        )
        cancel = as_ward.post(reverse("visits:cancel", args=[visit.pk]), {"reason": "x"})
        plan = as_ward.post(reverse("visits:plan"), {"day": f"{DAY}", "seconds": "1"})
        generate = as_ward.post(reverse("visits:generate"), {"day": f"{DAY}"})
        assert (move.status_code, cancel.status_code) == (404, 404)
        assert (plan.status_code, generate.status_code) == (403, 403)
        visit.refresh_from_db()
        assert visit.status == "assigned"
        assert (
            list(Assignment.objects.order_by("pk").values_list("pk", "staff_id", "position"))
            == before
        )
        assert PlanRun.objects.count() == runs
        details = set(denied(ward_nurse).values_list("detail", flat=True))
        assert {f"visit id={visit.pk} move", f"visit id={visit.pk} cancel"} <= details
        assert f"visits planned for {DAY}: refused" in details
        assert denied(ward_nurse, detail=f"visit id={visit.pk} move").get().patient == (
            visit.episode.patient
        )

    def test_another_home_health_unit_cannot_touch_our_visits_or_shifts(
        self, client, team, home_health, home_patients, shifts, other_municipality
    ):
        planned(team, home_health)
        theirs = make_unit(other_municipality, "Hemsjukvården Grannkommun", "home_health_care", "X")
        stranger = make_staff("stranger", "nurse", theirs)
        visit = Visit.objects.filter(day=DAY, status="assigned").first()
        shift = shifts[1]
        as_stranger = client_for(client, stranger)
        assert visit.episode.patient.first_name not in text(as_stranger.get(PLANNER))
        response = as_stranger.post(
            reverse("visits:move", args=[visit.pk]), {"to_staff": stranger.pk, "position": 1}
        )
        assert response.status_code == 404
        response = as_stranger.post(reverse("visits:shift_remove", args=[shift.pk]))
        assert response.status_code == 404
        assert Shift.objects.filter(pk=shift.pk).exists()
        response = as_stranger.post(reverse("visits:done", args=[visit.pk]), {})
        assert response.status_code == 404
        details = set(denied(stranger).values_list("detail", flat=True))
        assert details == {
            f"visit id={visit.pk} move",
            f"shift id={shift.pk} remove",
            f"visit id={visit.pk} done",
        }

    def test_unknown_ids_are_404_with_a_denied_entry(self, client, team, home_health):
        as_nurse = client_for(client, team["nurse"])
        for name, detail in (
            ("visits:move", "visit id=999999 move"),
            ("visits:cancel", "visit id=999999 cancel"),
            ("visits:arrive", "visit id=999999 arrive"),
            ("visits:done", "visit id=999999 done"),
            ("visits:shift_remove", "shift id=999999 remove"),
        ):
            assert as_nurse.post(reverse(name, args=[999999]), {}).status_code == 404
            assert denied(team["nurse"], detail=detail).exists(), detail

    def test_a_revoked_patients_visit_cannot_be_cancelled(
        self, client, team, home_health, home_patients, shifts, ward_nurse, ward
    ):
        planned(team, home_health)
        visit = lisa_visit()
        sharing_consent_revoke(staff=ward_nurse, unit=ward, patient=visit.episode.patient)
        response = client_for(client, team["nurse"]).post(
            reverse("visits:cancel", args=[visit.pk]), {"reason": "Inlagd"}
        )
        assert response.status_code == 404
        visit.refresh_from_db()
        assert visit.status == "assigned"
        assert denied(team["nurse"], patient=visit.episode.patient).exists()

    def test_an_ad_hoc_visit_for_a_patient_the_unit_cannot_list_is_refused(
        self, client, team, home_health, home_patients, kim, ward, ward_nurse, physician
    ):
        from tests.flow import to_agreed

        kims = to_agreed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
        Episode.objects.filter(pk=kims.pk).update(home_health_unit=home_health)
        # The home health unit is named on the episode but has no care relationship with Kim.
        response = client_for(client, team["nurse"]).post(
            reverse("visits:add"),
            {
                "day": f"{DAY}",
                "episode": kims.pk,
                "what": "Prov",
                "earliest": "10:00",
                "latest": "12:00",
                "duration_minutes": 20,
                "skill": "nurse",
                "staff_needed": 1,
                "priority": 0,
            },
        )
        assert response.status_code == 404
        assert not Visit.objects.filter(what="Prov").exists()
        assert denied(team["nurse"], detail=f"ad-hoc visit: episode id={kims.pk}").exists()

    def test_the_visiting_unit_still_moves_and_cancels_its_own(
        self, client, team, home_health, home_patients, shifts
    ):
        planned(team, home_health)
        visit = Visit.objects.filter(day=DAY, status="assigned").first()
        as_nurse = client_for(client, team["nurse"])
        assert "Flytta / ställ in" in text(as_nurse.get(PLANNER))
        as_nurse.post(reverse("visits:cancel", args=[visit.pk]), {"reason": "Inlagd"})
        visit.refresh_from_db()
        assert visit.status == "cancelled"
        assert not AccessLogEntry.objects.filter(outcome="denied").exists()


# --- N+1 guard ------------------------------------------------------------------------------


def numbers(count: int) -> list[str]:
    """Valid personnummer (Luhn check digit), born 1940-01-DD, for patients made in bulk."""
    return [
        f"194001{day:02d}-918{luhn_check_digit(f'4001{day:02d}918')}" for day in range(1, count + 1)
    ]


def visited(count, ward, home_health, nurse, start=0):
    for index, number in enumerate(numbers(start + count)[start:]):
        patient = make_patient(
            number,
            f"P{start + index}",
            ward,
            home_health,
            latitude=Decimal("60.60") + Decimal(index) / 1000,
            longitude=Decimal("15.63"),
        )
        episode = Episode.objects.create(
            patient=patient,
            ward=ward,
            home_health_unit=home_health,
            created_by=nurse,
            state="at_home",
        )
        Visit.objects.create(
            unit=home_health,
            episode=episode,
            day=DAY,
            what="Kontroll",
            window_start=at("09:00"),
            window_end=at("12:00"),
            skill="nurse",
            created_by=nurse,
        )


def test_the_planner_queries_do_not_grow_with_patients(client, team, home_health, shifts, ward):
    as_nurse = client_for(client, team["nurse"])

    def count():
        as_nurse.get(PLANNER)  # the first display logs the new patients
        with CaptureQueriesContext(connection) as captured:
            page = text(as_nurse.get(PLANNER))
        return len(captured), page

    visited(1, ward, home_health, team["nurse"])
    one, page = count()
    assert "P0 Testsson" in page
    visited(9, ward, home_health, team["nurse"], start=1)
    ten, page = count()
    assert "P9 Testsson" in page and page.count("Flytta / ställ in") == 10
    assert ten == one
