"""Double visits, gaps between visits, lunch breaks, working time and travel modes: each
solved plan is judged by the independent checker, and the checker itself is shown to catch
each broken rule."""

from dataclasses import replace

from hemma.routing.check import timeline, violations
from hemma.routing.model import Gap, Plan, Problem, Stop, Visit, Worker
from hemma.routing.solve import NO_QUALIFIED_STAFF, solve
from hemma.routing.travel import matrix

BASE = (60.6065, 15.6355)  # Falun
NURSE = frozenset({"nurse"})


def day(visits, workers, gaps=()):
    built = Problem(list(visits), list(workers), gaps=list(gaps))
    built.travel = matrix(built.keys())
    built.mode_travel = {"bike": matrix(built.keys(), mode="bike")}
    return built


def homes(count):
    return [(60.59 + 0.006 * i, 15.60 + 0.008 * (i % 4)) for i in range(count)]


def staff(name, **kwargs):
    return Worker(name, BASE, BASE, 7 * 60, 16 * 60, NURSE, **kwargs)


def where(plan, visit_id):
    return [
        (w, s.start) for w, stops in plan.routes.items() for s in stops if s.visit_id == visit_id
    ]


def test_a_double_visit_gets_two_staff_starting_together():
    spots = homes(8)
    visits = [Visit(f"v{i}", spots[i], 8 * 60, 15 * 60, 30, NURSE) for i in range(7)]
    visits.append(Visit("lift", spots[7], 9 * 60, 11 * 60, 40, NURSE, staff=2))
    built = day(visits, [staff("a"), staff("b"), staff("c")])
    plan = solve(built, seconds=2)
    assert violations(built, plan) == []
    lift = where(plan, "lift")
    assert len(lift) == 2 and lift[0][0] != lift[1][0] and lift[0][1] == lift[1][1]
    assert 9 * 60 <= lift[0][1] <= 11 * 60


def test_a_double_visit_nobody_can_pair_is_reported():
    visit = Visit("lift", homes(1)[0], 9 * 60, 11 * 60, 40, NURSE, staff=2)
    built = day([visit], [staff("a"), replace(staff("b"), skills=frozenset())])
    plan = solve(built, seconds=1)
    assert plan.unassigned == {"lift": NO_QUALIFIED_STAFF}
    assert violations(built, plan) == []


def test_a_minimum_and_maximum_gap_between_two_visits_holds():
    spots = homes(3)
    visits = [
        Visit("sample", spots[0], 8 * 60, 12 * 60, 15, NURSE),
        Visit("dose", spots[0], 8 * 60, 15 * 60, 20, NURSE),
        Visit("other", spots[1], 8 * 60, 15 * 60, 30, NURSE),
    ]
    gap = Gap("sample", "dose", 120, 150)
    built = day(visits, [staff("a"), staff("b")], [gap])
    plan = solve(built, seconds=2)
    assert violations(built, plan) == []
    between = where(plan, "dose")[0][1] - where(plan, "sample")[0][1]
    assert 120 <= between <= 150


def test_every_worker_with_visits_gets_the_lunch_break_in_its_window():
    spots = homes(10)
    visits = [Visit(f"v{i}", spots[i], 8 * 60, 15 * 60, 40, NURSE) for i in range(10)]
    lunch = {"break_earliest": 11 * 60, "break_latest": 12 * 60, "break_minutes": 30}
    built = day(visits, [staff("a", **lunch), staff("b", **lunch)])
    plan = solve(built, seconds=2)
    assert violations(built, plan) == []
    for worker_id, stops in plan.routes.items():
        if stops:
            after, start = plan.breaks[worker_id]
            assert 11 * 60 <= start <= 12 * 60
            # the break really is in the route: the next visit starts after it ends
            if after < len(stops):
                assert stops[after].start >= start + 30


def test_fixed_doses_around_lunch_send_the_worker_to_lunch_elsewhere_or_keep_them():
    # doses pinned at 11:00 and 11:40 for the only nurse: the break must fit around them
    spots = homes(2)
    visits = [
        Visit("d1", spots[0], 11 * 60, 11 * 60, 20, NURSE),
        Visit("d2", spots[1], 11 * 60 + 40, 11 * 60 + 40, 20, NURSE),
    ]
    worker = staff("a", break_earliest=11 * 60, break_latest=12 * 60 + 30, break_minutes=30)
    built = day(visits, [worker])
    plan = solve(built, seconds=1)
    assert violations(built, plan) == []
    assert plan.unassigned == {}
    assert plan.breaks["a"][1] >= 12 * 60


def test_maximum_working_time_is_respected():
    spots = homes(10)
    visits = [Visit(f"v{i}", spots[i], 7 * 60, 16 * 60, 45, NURSE) for i in range(10)]
    built = day(visits, [staff("part_time", max_work=4 * 60)])
    plan = solve(built, seconds=1)
    assert violations(built, plan) == []
    line = timeline(built, built.workers[0], [s.visit_id for s in plan.routes["part_time"]])
    assert line.back - line.leave <= 4 * 60
    assert plan.unassigned  # not everything fits in four hours


def test_a_cyclist_is_planned_with_bike_times():
    spots = homes(4)
    visits = [Visit(f"v{i}", spots[i], 8 * 60, 15 * 60, 20) for i in range(4)]
    built = day(visits, [replace(staff("cyclist"), mode="bike")])
    plan = solve(built, seconds=1)
    assert violations(built, plan) == []
    by_car = sum(
        built.travel[a][b] for a, b in [(BASE, spots[0])]
    )  # a single leg to compare speeds
    assert built.mode_travel["bike"][BASE][spots[0]] > by_car
    assert plan.travel_minutes > 0


def test_the_checker_catches_broken_doubles_gaps_breaks_and_working_time():
    spots = homes(2)
    lift = Visit("lift", spots[0], 9 * 60, 11 * 60, 30, NURSE, staff=2)
    first = Visit("first", spots[1], 8 * 60, 15 * 60, 10, NURSE)
    second = Visit("second", spots[1], 8 * 60, 15 * 60, 10, NURSE)
    worker = staff("a", break_earliest=11 * 60, break_latest=12 * 60, break_minutes=30)
    built = day(
        [lift, first, second],
        [worker, replace(staff("b"), max_work=30)],
        [Gap("first", "second", 60, 90)],
    )
    bad = Plan(
        routes={
            "a": [Stop("lift", 0, 9 * 60), Stop("first", 0, 9 * 60 + 40)],
            "b": [Stop("second", 0, 8 * 60), Stop("lift", 0, 9 * 60 + 30)],
        },
        unassigned={},
    )
    found = "\n".join(violations(built, bad))
    assert "lift: the staff do not start together" in found
    assert "second starts" in found and "not within 60–90" in found
    assert "a has no lunch break" in found
    assert "b works" in found
    alone = Plan(
        routes={"a": [Stop("lift", 0, 9 * 60)], "b": []}, unassigned={"first": "x", "second": "x"}
    )
    assert "lift needs 2 staff, planned 1 times" in "\n".join(violations(built, alone))


def test_continuity_gives_the_patient_the_known_worker_when_it_costs_little():
    near_a = (60.6070, 15.6320)  # next to the base both start from
    visits = [
        Visit("known", near_a, 9 * 60, 12 * 60, 30, NURSE, preferred="b"),
        Visit("other", (60.6100, 15.6400), 9 * 60, 12 * 60, 30, NURSE),
    ]
    built = day(visits, [staff("a"), staff("b")])
    plan = solve(built, seconds=1)
    assert violations(built, plan) == []
    assert where(plan, "known")[0][0] == "b"
    # far away from the preferred worker's base: not worth the drive, the other one goes
    far_base = (60.1496, 15.1878)  # Ludvika
    built = day(visits, [staff("a"), replace(staff("b"), start=far_base, end=far_base)])
    plan = solve(built, seconds=1)
    assert violations(built, plan) == []
    assert where(plan, "known")[0][0] == "a"
