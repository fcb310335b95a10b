from datetime import UTC, date, timedelta

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


def test_which_activities_are_home_visits_and_for_whom():
    from hemma.routing.visits import needs_two_staff, visit_skill

    assert visit_skill("Hemsjukvården, sjuksköterska", "Byte av antibiotikapump") == "nurse"
    assert visit_skill("Hemsjukvården, undersköterska", "Dusch") == "assistant_nurse"
    assert visit_skill("Fysioterapeut/arbetsterapeut", "Hembesök") == "physiotherapist"
    assert visit_skill("Hemsjukvården", "Såromläggning") == "nurse"
    assert visit_skill("Patienten", "Egenmätning") is None
    assert visit_skill("Avdelningens läkare", "Digital rond (video)") is None
    assert visit_skill("Avdelningens sjuksköterska", "Kvällssamtal dag 1") is None
    assert visit_skill("Hemsjukvården, sjuksköterska", "Uppföljning per telefon") is None
    assert needs_two_staff("Förflyttning med lift, två personal")
    assert not needs_two_staff("Byte av antibiotikapump")


def test_visit_windows_ranges_doses_and_daytime():
    from hemma.routing.visits import visit_windows

    day = date(2026, 11, 26)  # a Thursday
    ((start, end),) = visit_windows("Dagligen 08–12", day, 2)
    assert (start.hour, end.hour) == (8, 12)
    doses = visit_windows("08, 16, 24", day, 2)
    assert [(s.strftime("%d %H:%M"), e.strftime("%d %H:%M")) for s, e in doses] == [
        ("26 07:30", "26 08:30"),
        ("26 15:30", "26 16:30"),
        ("26 23:30", "27 00:30"),
    ]
    ((start, end),) = visit_windows("Måndag och torsdag", day, 2)
    assert (start.hour, end.hour) == (8, 16)
    assert visit_windows("Måndag och torsdag", date(2026, 11, 25), 1) == []


def test_a_dose_window_is_real_time_across_the_autumn_change():
    from hemma.routing.visits import visit_windows

    # 2026-10-25 the clocks go back at 03:00 → 02:00: a 03:00 dose ± 30 min spans an hour
    # of real time even though 02:30 happens twice.
    ((start, end),) = visit_windows("Dagligen 03", date(2026, 10, 25), 1)
    assert end - start == timedelta(hours=1)
    assert (end.astimezone(UTC) - start.astimezone(UTC)) == timedelta(hours=1)


def test_a_stroke_team_visits_with_its_own_professions():
    """With the stroke team as the visiting unit its nurse and speech therapist visit; with
    municipal home health care those activities stay the team's (no municipal visits)."""
    from hemma.routing.visits import visit_skill

    stroke = "stroke_team"
    assert visit_skill("Strokteamets sjuksköterska", "Blodtryck", stroke) == "nurse"
    assert visit_skill("Logoped", "Tal- och sväljträning", stroke) == "speech_therapist"
    assert visit_skill("Fysioterapeut", "Gångträning", stroke) == "physiotherapist"
    assert visit_skill("Strokteamet", "Teamträff om målen", stroke) is None  # no home visit
    assert visit_skill("Avdelningens läkare", "Digital rond (video)", stroke) is None
    assert visit_skill("Logoped", "Tal- och sväljträning") is None  # municipal: not theirs
    assert visit_skill("Strokteamets sjuksköterska", "Blodtryck") is None
