"""Response-time figures as pure functions: waits, unanswered messages, median and p90."""

from datetime import UTC, datetime, timedelta

from hemma.messaging.figures import percentile, response_figures, shown, unanswered, waits

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


def patient(minutes):
    return (at(minutes), True)


def ward(minutes):
    return (at(minutes), False)


def test_several_patient_messages_before_a_reply_are_one_wait_from_the_first():
    thread = [patient(0), patient(5), patient(9), ward(30), patient(40), ward(45)]
    assert [w.minutes for w in waits(thread)] == [30, 5]


def test_a_ward_message_first_starts_no_wait_and_order_does_not_matter():
    thread = [ward(50), patient(10), ward(0), ward(20)]
    assert [(w.began, w.minutes) for w in waits(thread)] == [(at(10), 10)]


def test_patient_messages_after_the_last_reply_are_unanswered():
    thread = [patient(0), ward(10), patient(20), patient(25)]
    assert unanswered(thread) == [at(20), at(25)]
    assert waits(thread)[-1].answered is None and waits(thread)[-1].minutes is None
    assert unanswered([ward(0)]) == []
    assert unanswered([patient(0)]) == [at(0)]


def test_percentile_is_nearest_rank():
    assert percentile([], 0.9) is None
    assert percentile([7], 0.9) == 7
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile(list(range(1, 12)), 0.9) == 10
    assert percentile([30, 10, 20], 0.5) == 20


def test_the_figures_of_a_period():
    threads = [
        [patient(0), ward(10)],  # 10 min
        [patient(0), patient(1), ward(30), patient(60), ward(100)],  # 30 and 40 min
        [patient(5), ward(25)],  # 20 min
        [patient(10)],  # unanswered
        [patient(-60), ward(-50), patient(-40)],  # all before the period
    ]
    figures = response_figures(threads, at(0), at(120))
    assert figures.messages == 6  # 1 + 3 + 1 + 1; none of the last thread
    assert figures.answered_waits == 4
    assert figures.median_minutes == 25  # 10, 20, 30, 40
    assert figures.p90_minutes == 40
    assert figures.unanswered == 1  # the one at 10; the one at -40 is before the period


def test_a_wait_that_began_before_the_period_is_not_counted_but_its_late_reply_is_fine():
    thread = [patient(-10), patient(5), ward(20), patient(110), ward(200)]
    figures = response_figures([thread], at(0), at(120))
    assert figures.messages == 2  # sent in the period
    assert figures.answered_waits == 1  # the one beginning at 110, answered after the end
    assert figures.median_minutes == figures.p90_minutes == 90
    assert figures.unanswered == 0


def test_no_messages():
    figures = response_figures([], at(0), at(60))
    assert (figures.messages, figures.median_minutes, figures.p90_minutes) == (0, None, None)
    assert figures.unanswered == 0


def test_fewer_messages_than_the_threshold_are_not_shown():
    four = response_figures([[patient(i), ward(i + 1)] for i in range(4)], at(0), at(60))
    five = response_figures([[patient(i), ward(i + 1)] for i in range(5)], at(0), at(60))
    assert not shown(four, 5) and shown(five, 5)
