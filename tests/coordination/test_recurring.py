"""Coordination that recurs (issue 17): a meeting series creates its next occurrences
once (idempotent, one meeting per pair and date), ending it stops new ones, only the
members of its two units manage it; a participant adds a patient it may list to an
agenda by hand (refused with a denied entry for any other, a duplicate refused); the
directory's usage per calling unit."""

from datetime import date, time, timedelta

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.coordination import directory, meetings
from hemma.coordination import series as recurring
from hemma.coordination.models import CoordinationMeeting, MeetingItem, MeetingSeries
from hemma.episodes.models import Episode
from hemma.errors import Conflict, NotAllowed
from tests.conftest import make_patient, make_staff, make_unit

pytestmark = pytest.mark.django_db

TUESDAY = date(2026, 12, 1)
assert TUESDAY.weekday() == MeetingSeries.Weekday.TUESDAY


@pytest.fixture
def shared(ward, primary_care, home_health, ward_nurse):
    """At home and shared with consent; shared without consent; shared but idle."""
    team = (primary_care, home_health)
    at_home = make_patient("19440514-9057", "Hemma", *team, listed_unit=primary_care)
    no_consent = make_patient(
        "19380508-9145", "Utan", *team, listed_unit=primary_care, consent=False
    )
    idle = make_patient("19350404-9135", "Vilande", *team, listed_unit=primary_care)
    for patient in (at_home, no_consent):
        Episode.objects.create(patient=patient, ward=ward, created_by=ward_nurse, state="at_home")
    return at_home, no_consent, idle


def _series(coordinator, primary_care, home_health, today=TUESDAY, **overrides):
    values = {
        "weekday": MeetingSeries.Weekday.TUESDAY,
        "starts_at": time(13, 0),
        "interval_weeks": 1,
        "active_from": today,
    } | overrides
    return recurring.series_create(
        staff=coordinator, unit=primary_care, partner=home_health, today=today, **values
    )


def test_the_series_dates_follow_weekday_interval_and_period():
    series = MeetingSeries(
        weekday=MeetingSeries.Weekday.TUESDAY,
        interval_weeks=2,
        active_from=date(2026, 11, 27),  # a Friday: the first meeting is the Tuesday after
        active_to=date(2026, 12, 31),
    )
    assert recurring.series_dates(series, date(2026, 11, 1), date(2027, 2, 1)) == [
        date(2026, 12, 1),
        date(2026, 12, 15),
        date(2026, 12, 29),
    ]
    # Counted from the first meeting, not from the window's start.
    assert recurring.series_dates(series, date(2026, 12, 2), date(2027, 2, 1)) == [
        date(2026, 12, 15),
        date(2026, 12, 29),
    ]


def test_the_series_creates_the_next_occurrences_once(
    shared, coordinator, home_nurse, primary_care, home_health
):
    at_home, _no_consent, _idle = shared
    series = _series(coordinator, primary_care, home_health)
    held = list(series.meetings.order_by("held_on").values_list("held_on", flat=True))
    assert held == [TUESDAY + timedelta(weeks=n) for n in range(recurring.HORIZON_WEEKS)]
    for meeting in series.meetings.all():  # each an ordinary meeting with its agenda
        assert [item.patient for item in meeting.items.all()] == [at_home]
    # Saving again, opening the page (either unit): nothing twice.
    assert (
        recurring.series_occurrences_ensure(
            series, staff=coordinator, unit=primary_care, today=TUESDAY
        )
        == []
    )
    assert recurring.series_ensure_for_unit(home_nurse, home_health, TUESDAY) == 0
    assert recurring.series_ensure_for_unit(coordinator, primary_care, TUESDAY) == 0
    # A week later the horizon moves by one meeting.
    assert recurring.series_ensure_for_unit(home_nurse, home_health, TUESDAY + timedelta(7)) == 1
    assert series.meetings.count() == recurring.HORIZON_WEEKS + 1
    assert CoordinationMeeting.objects.count() == recurring.HORIZON_WEEKS + 1


def test_a_meeting_already_held_that_day_is_not_doubled(coordinator, primary_care, home_health):
    by_hand = meetings.meeting_create(
        staff=coordinator, unit=primary_care, partner=home_health, held_on=TUESDAY
    )
    series = _series(coordinator, primary_care, home_health)
    assert CoordinationMeeting.objects.filter(held_on=TUESDAY).get() == by_hand
    assert series.meetings.count() == recurring.HORIZON_WEEKS - 1
    with pytest.raises(Conflict):  # a second series on the same weekday
        _series(coordinator, primary_care, home_health)


def test_ending_a_series_stops_new_occurrences(
    shared, coordinator, home_nurse, primary_care, home_health
):
    series = _series(coordinator, primary_care, home_health)
    worked_on = series.meetings.get(held_on=TUESDAY + timedelta(weeks=3))
    meetings.item_note(
        staff=home_nurse, unit=home_health, item=worked_on.items.get(), notes="Ta upp"
    )
    removed = recurring.series_end(
        staff=home_nurse,
        unit=home_health,
        series=series,
        last_on=TUESDAY + timedelta(weeks=1),
        today=TUESDAY,
    )
    # The untouched meeting after the last day is gone; the one with notes stays.
    assert removed == 1
    assert list(series.meetings.order_by("held_on").values_list("held_on", flat=True)) == [
        TUESDAY,
        TUESDAY + timedelta(weeks=1),
        TUESDAY + timedelta(weeks=3),
    ]
    series.refresh_from_db()
    assert series.active_to == TUESDAY + timedelta(weeks=1) and series.ended_by == home_nurse
    later = TUESDAY + timedelta(weeks=2)
    assert recurring.series_ensure_for_unit(coordinator, primary_care, later) == 0
    assert series.meetings.count() == 3
    with pytest.raises(Conflict):
        recurring.series_end(
            staff=coordinator, unit=primary_care, series=series, last_on=later, today=later
        )


def test_only_the_members_of_its_units_manage_a_series(
    coordinator, primary_care, home_health, outsider, foreign_home_care, region, client
):
    ambulance = make_unit(region, "Ambulansen", "ambulance", "AMB")
    paramedic = make_staff("paramedic", "nurse", ambulance)
    series = _series(coordinator, primary_care, home_health, guests=[ambulance])
    assert set(series.meetings.first().guests.all()) == {ambulance}
    for staff, unit in ((outsider, foreign_home_care), (paramedic, ambulance)):
        with pytest.raises(NotAllowed):
            recurring.series_end(staff=staff, unit=unit, series=series, last_on=TUESDAY)
    with pytest.raises(NotAllowed):  # not a member of the unit it acts for
        _series(outsider, primary_care, home_health, weekday=MeetingSeries.Weekday.FRIDAY)
    # A crafted POST from another unit: 404, a denied entry naming the series, no change.
    client.force_login(outsider.user)
    before = AccessLogEntry.objects.filter(outcome=AccessLogEntry.Outcome.DENIED).count()
    response = client.post(
        reverse("coordination:meeting_series_end"),
        {"series": series.pk, "last_on": TUESDAY.isoformat()},
    )
    assert response.status_code == 404
    denied = AccessLogEntry.objects.filter(outcome=AccessLogEntry.Outcome.DENIED)
    assert denied.count() == before + 1
    assert f"series id={series.pk}" in denied.latest("pk").detail
    series.refresh_from_db()
    assert series.active_to is None
    with pytest.raises(Http404):
        recurring.get_series_for_user(staff=paramedic, unit=ambulance, series_id=series.pk)


def test_the_meetings_page_creates_and_ends_a_series(
    shared, coordinator, primary_care, home_health, client
):
    today = timezone.localdate()
    client.force_login(coordinator.user)
    response = client.post(
        reverse("coordination:meeting_series"),
        {
            "series-partner": home_health.pk,
            "series-weekday": today.weekday(),
            "series-starts_at": "13:00",
            "series-interval_weeks": "1",
            "series-active_from": today.isoformat(),
        },
    )
    assert response.status_code == 302
    series = MeetingSeries.objects.get()
    assert series.meetings.count() == recurring.HORIZON_WEEKS
    page = client.get(reverse("coordination:meetings")).content.decode()
    assert "Kommande möten" in page and "13:00" in page and "Avsluta serien" in page
    assert today.isoformat() in page and "Återkommande" in page
    bad = client.post(
        reverse("coordination:meeting_series"),
        {"series-partner": home_health.pk, "series-weekday": "1", "series-interval_weeks": "9"},
    )
    assert bad.status_code == 200 and MeetingSeries.objects.count() == 1
    client.post(
        reverse("coordination:meeting_series_end"),
        {"series": series.pk, "last_on": today.isoformat()},
    )
    series.refresh_from_db()
    assert series.active_to == today and series.meetings.count() == 1
    # Shown with its last day until then; gone from the list the day after.
    assert (
        f"till {today.isoformat()}" in client.get(reverse("coordination:meetings")).content.decode()
    )
    assert not recurring.series_for_unit(primary_care, today + timedelta(days=1)).exists()


@pytest.fixture
def meeting(shared, coordinator, primary_care, home_health):
    return meetings.meeting_create(
        staff=coordinator, unit=primary_care, partner=home_health, held_on=timezone.localdate()
    )


def test_a_participant_adds_a_patient_it_may_list(meeting, shared, coordinator, client):
    _at_home, _no_consent, idle = shared
    client.force_login(coordinator.user)
    url = reverse("coordination:meeting_agenda_add", args=[meeting.pk])
    page = client.get(reverse("coordination:meeting", args=[meeting.pk])).content.decode()
    assert "Lägg till patient på dagordningen" in page and "Vilande Testsson" in page
    response = client.post(url, {"patient": str(idle.pk), "reason": "Fallit två gånger"})
    assert response.status_code == 302
    item = meeting.items.get(patient=idle)
    assert item.reason == "Fallit två gånger" and item.added_by == coordinator
    assert AccessLogEntry.objects.filter(
        patient=idle, outcome=AccessLogEntry.Outcome.GRANTED, detail__contains="agenda"
    ).exists()
    # A duplicate is refused with a clear message (the meeting's builder row too).
    again = client.post(url, {"patient": str(idle.pk), "reason": "Igen"}, follow=True)
    assert "finns redan på dagordningen" in again.content.decode()
    assert meeting.items.filter(patient=idle).count() == 1
    with pytest.raises(Conflict):
        meetings.agenda_add(
            staff=coordinator,
            unit=meeting.primary_care,
            meeting=meeting,
            patient=shared[0],
            reason="x",
        )
    # The centre may list a patient who does not consent to sharing, but a meeting with
    # the municipality may not take it up (as the agenda builder): 404 and a denied entry.
    no_consent = shared[1]
    assert "Utan Testsson" not in page
    assert client.post(url, {"patient": str(no_consent.pk), "reason": "x"}).status_code == 404
    assert AccessLogEntry.objects.filter(
        patient=no_consent, outcome=AccessLogEntry.Outcome.DENIED
    ).exists()
    assert not meeting.items.filter(patient=no_consent).exists()
    # No reason: refused, nothing added.
    omar = make_patient("19121212-1212", "Omar", meeting.primary_care)
    client.post(url, {"patient": str(omar.pk), "reason": ""})
    assert not meeting.items.filter(patient=omar).exists()


def test_a_patient_the_unit_may_not_list_is_refused_and_logged(
    meeting, shared, home_nurse, outsider, client
):
    _at_home, no_consent, _idle = shared
    stranger = make_patient("19121212-1212", "Annan", meeting.primary_care)
    client.force_login(home_nurse.user)
    url = reverse("coordination:meeting_agenda_add", args=[meeting.pk])
    page = client.get(reverse("coordination:meeting", args=[meeting.pk])).content.decode()
    assert "Utan Testsson" not in page and "Annan Testsson" not in page
    denied = AccessLogEntry.objects.filter(outcome=AccessLogEntry.Outcome.DENIED)
    # Home health care without the patient's consent, or without a relationship at all.
    for patient in (no_consent, stranger):
        before = denied.count()
        response = client.post(url, {"patient": str(patient.pk), "reason": "x"})
        assert response.status_code == 404
        assert denied.count() == before + 1 and denied.latest("pk").patient == patient
        assert not meeting.items.filter(patient=patient).exists()
    # No patient, or a meeting of other units: the same refusal.
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(outsider.user)
    before = denied.count()
    assert client.post(url, {"patient": str(stranger.pk), "reason": "x"}).status_code == 404
    assert denied.count() == before + 1
    assert MeetingItem.objects.filter(added_by__isnull=False).count() == 0


def test_a_closed_meeting_takes_no_new_patient(meeting, shared, coordinator, primary_care):
    meetings.meeting_close(staff=coordinator, unit=primary_care, meeting=meeting, minutes="Klart")
    with pytest.raises(NotAllowed):
        meetings.agenda_add(
            staff=coordinator, unit=primary_care, meeting=meeting, patient=shared[2], reason="x"
        )
    assert not meetings.may_add_to_agenda(coordinator, primary_care, meeting)


def test_directory_usage_by_calling_unit(
    ward, home_health, primary_care, home_nurse, coordinator, as_home_nurse
):
    admin = make_staff("wardadmin", "administrator", ward)
    entry = directory.entry_save(
        staff=admin, unit=ward, entry=None, title="Infektionsjouren", direct_phone="023-49 00 99"
    )
    as_home_nurse.get(reverse("coordination:directory"))
    as_home_nurse.get(reverse("coordination:directory_entry", args=[entry.pk]))
    as_home_nurse.get(reverse("coordination:directory_entry", args=[entry.pk]))
    directory.contact_record(
        staff=home_nurse,
        unit=home_health,
        entry=entry,
        contacted_at=timezone.now(),
        answer_minutes=6,
    )
    directory.record_use(staff=coordinator, entry=entry, unit=primary_care)
    directory.record_use(staff=coordinator, entry=entry)  # recorded before the unit was
    today = timezone.localdate()
    rows = {row.unit: row for row in directory.statistics_by_unit(today, today)}
    assert (rows[home_health].opens, rows[home_health].views) == (1, 2)
    assert (rows[home_health].contacts, rows[home_health].median_answer_minutes) == (1, 6)
    assert (rows[primary_care].views, rows[primary_care].contacts) == (1, 0)
    assert rows[None].views == 1
    assert directory.statistics_by_unit(today - timedelta(days=9), today - timedelta(days=1)) == []
    page = as_home_nurse.get(reverse("coordination:directory_stats")).content.decode()
    assert "Per anropande enhet" in page and "Hemsjukvården Test" in page
    assert "Vårdcentral Test" in page and "Okänd enhet" in page
