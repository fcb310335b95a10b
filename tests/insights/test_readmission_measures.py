"""Readmissions and ED visits within 30 days after every imported inpatient stay, as pure
functions: which stays are index stays, day 30 counted and day 31 not, transfers joined,
chained stays, one count per index stay; and the table as shown, small numbers hidden so
that none can be worked out from the total."""

from datetime import date, timedelta

from hemma.insights import presenters, selectors
from hemma.insights.measures import (
    FollowUpCounts,
    Stay,
    follow_up_by,
    hospital_stays,
    index_stays,
)

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def stay(admitted, discharged, person="p", centre="VC Kvarnen", at_home=False):
    return Stay(person, admitted, discharged, centre, "Falun", at_home)


def day(n):  # day n after 2026-03-01 (day 0)
    return date(2026, 3, 1) + timedelta(days=n)


def readmitted(stays, first=MARCH[0], last=MARCH[1]):
    return [(i.stay.discharged, i.readmitted) for i in index_stays(stays, [], first, last)]


def test_readmitted_on_day_30_after_discharge_but_not_on_day_31():
    assert readmitted([stay(day(0), day(2)), stay(day(32), day(35))]) == [(day(2), True)]
    assert readmitted([stay(day(0), day(2)), stay(day(33), day(35))]) == [(day(2), False)]
    assert readmitted([stay(day(0), day(2)), stay(day(3), day(4))]) == [
        (day(2), True),  # back the day after
        (day(4), False),
    ]


def test_only_the_same_persons_admissions_count():
    assert readmitted([stay(day(0), day(2)), stay(day(5), day(6), person="q")]) == [
        (day(2), False),
        (day(6), False),
    ]


def test_a_transfer_on_the_discharge_day_continues_the_stay():
    # ward A to ward B the same day, and an overlapping row: one hospital stay
    stays = [stay(day(0), day(4)), stay(day(4), day(9), centre="VC Britsarvet", at_home=True)]
    stays.append(stay(day(6), day(8)))
    (joined,) = hospital_stays(stays)
    assert (joined.admitted, joined.discharged) == (day(0), day(9))
    assert joined.centre == "VC Britsarvet" and joined.at_home  # as its last part, any part
    assert readmitted(stays) == [(day(9), False)]


def test_chained_stays_are_each_an_index_stay_and_counted_once():
    # discharged day 2, back day 10 (readmission), discharged day 12, back day 20 and day 28
    stays = [
        stay(day(0), day(2)),
        stay(day(10), day(12)),
        stay(day(20), day(21)),
        stay(day(28), day(29)),
        stay(day(70), day(71)),
    ]
    assert readmitted(stays) == [
        (day(2), True),
        (day(12), True),
        (day(21), True),
        (day(29), False),  # day 70 is 41 days later
    ]
    counts = follow_up_by(index_stays(stays, [], *MARCH), "centre")["VC Kvarnen"]
    assert (counts.discharged, counts.readmitted) == (4, 3)


def test_index_stays_are_those_discharged_in_the_period():
    stays = [stay(date(2026, 2, 20), date(2026, 2, 28)), stay(day(5), day(6))]
    stays.append(stay(date(2026, 3, 30), date(2026, 4, 2)))  # discharged after March
    # February's stay is readmitted in March but is no index stay of March; the stay
    # discharged on 7 March is readmitted by one discharged in April (no index stay either)
    assert readmitted(stays) == [(day(6), True)]


def test_ed_visits_from_the_day_after_discharge_to_day_30():
    stays = [stay(day(0), day(2)), stay(day(0), day(2), person="q"), stay(day(0), day(2), "r")]
    visits = [("p", day(2)), ("p", day(33)), ("q", day(32)), ("r", day(3)), ("r", day(4))]
    result = {i.stay.person: i.ed_visit for i in index_stays(stays, visits, *MARCH)}
    assert result == {"p": False, "q": True, "r": True}
    counts = follow_up_by(index_stays(stays, visits, *MARCH), "municipality")
    assert counts["Falun"].ed_visit == 2  # stays with a visit, not visits


def test_hospital_at_home_stays_counted_apart():
    stays = [stay(day(0), day(2), at_home=True), stay(day(10), day(12))]
    counts = follow_up_by(index_stays(stays, [], *MARCH), "centre")["VC Kvarnen"]
    assert (counts.at_home_discharged, counts.at_home_readmitted) == (1, 1)
    assert (counts.discharged, counts.readmitted) == (2, 1)


def table(centres, ed_imported=True, latest=date(2026, 6, 1)):
    follow_up = selectors.FollowUp(MARCH[1], centres, {}, latest, ed_imported)
    return presenters.follow_up_panel(follow_up, "centre")


def test_small_numbers_are_hidden_and_cannot_be_worked_out_from_the_total():
    panel = table(
        {
            "VC A": FollowUpCounts(40, 3, 10, 8, 0),  # 3 readmitted: hidden
            "VC B": FollowUpCounts(30, 6, 0, 0, 0),  # 6: hidden too, else 9 − 6 = 3
            "VC C": FollowUpCounts(25, 7, 5),
        }
    )
    rows = {r[0]: r for r in panel.table.rows}
    assert rows["VC A"][1:4] == [40, None, None]
    assert rows["VC B"][1:4] == [30, None, None]
    assert rows["VC C"][1:4] == [25, 7, "28\u00a0%"]
    assert rows["Totalt"][1:4] == [95, 16, "17\u00a0%"]
    assert rows["VC B"][4:6] == [0, "0\u00a0%"]  # zero is shown
    assert rows["VC A"][6] == "0 / 8 (0\u00a0%)"  # hospital at home: readmitted / discharged
    assert rows["VC B"][6] is None


def test_a_centre_with_too_few_discharges_is_hidden_with_its_shares():
    panel = table({"VC A": FollowUpCounts(4, 0, 0), "VC B": FollowUpCounts(2, 1, 1)})
    assert [r[1:4] for r in panel.table.rows] == [
        [None, 0, None],
        [None, None, None],
        [6, None, None],
    ]


def test_what_is_missing_is_said():
    empty = table({}, latest=None)
    assert empty.table is None and "Läs in vårdtillfällen" in empty.empty
    assert "Inga utskrivningar under perioden" in table({}).empty
    panel = table({"VC A": FollowUpCounts(40, 10, 10)}, ed_imported=False)
    assert panel.table.rows[0][4:6] == [None, None]
    assert any("Inga akutbesök är inlästa" in note for note in panel.notes)
    late = table({"VC A": FollowUpCounts(40, 10, 10)}, latest=date(2026, 4, 15))
    assert any("utskrivningar efter 2026-03-16" in note for note in late.notes)
    assert not table({"VC A": FollowUpCounts(40, 10, 10)}).notes


def test_no_stays_no_index_stays():
    assert index_stays([], [("p", day(3))], *MARCH) == []
    assert readmitted([stay(date(2026, 1, 1), date(2026, 1, 2))]) == []
