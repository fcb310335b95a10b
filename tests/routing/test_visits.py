from datetime import UTC, date

from hemma.routing.visits import STOCKHOLM, clock_times, occurrences


def test_clock_times_from_the_agreements_plain_text():
    assert clock_times("08, 16, 24") == [(8, 0), (16, 0), (24, 0)]
    assert clock_times("Dagligen 8.30 och 20:15") == [(8, 30), (20, 15)]
    assert clock_times("Dag 1, 19") == [(19, 0)]


def test_the_midnight_dose_falls_on_the_next_day():
    doses = occurrences("IV-antibiotika 08, 16, 24", date(2026, 11, 25), 2)
    local = [d.astimezone(STOCKHOLM).strftime("%d %H:%M") for d in doses]
    assert local == ["25 08:00", "25 16:00", "26 00:00", "26 08:00", "26 16:00", "27 00:00"]


def test_eight_hours_apart_become_seven_or_nine_across_the_changes():
    spring = occurrences("16, 24", date(2026, 3, 28), 1)  # the night of 29 March
    gap = spring[1].astimezone(UTC) - spring[0].astimezone(UTC)
    assert gap.total_seconds() == 8 * 3600  # midnight comes before the 02:00 jump
    autumn = occurrences("24, 08", date(2026, 10, 24), 1)  # 08:00 on the 24th, then midnight
    night = [d for d in autumn if d.day == 25]
    morning = occurrences("08", date(2026, 10, 25), 1)[0]
    assert (morning.astimezone(UTC) - night[0].astimezone(UTC)).total_seconds() == 9 * 3600


def test_a_time_the_spring_change_skips_moves_forward():
    (moment,) = occurrences("02:30", date(2026, 3, 29), 1)
    assert moment.astimezone(STOCKHOLM).strftime("%H:%M") == "03:30"


def test_weekdays_and_day_numbers_are_respected():
    wednesday = date(2026, 11, 25)
    assert len(occurrences("Mån, ons, fre 10", wednesday, 7)) == 3
    assert [d.day for d in occurrences("Dag 1, 19", wednesday, 3)] == [25]
