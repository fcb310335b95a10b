"""The digital round in one view (issue 18): vitals, NEWS2, the patient's own words, today's
round decision, doses, labs and home health's visit notes for every patient of the page, in
a number of queries that grows neither with the patients nor with the page shown
(bench/round.py has the timings)."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.episodes.models import Episode
from hemma.labs.models import LabResult
from hemma.medication.models import DoseAdministration, MedicationItem, MedicationListVersion
from hemma.messaging.models import Message
from hemma.monitoring import selectors, services
from hemma.monitoring.models import RoundEntry
from hemma.visits.models import Visit
from tests.conftest import client_for, make_patient
from tests.monitoring.conftest import HOME_SET

pytestmark = pytest.mark.django_db
NUMBERS = ("19440514-9057", "19380508-9145", "19350404-9135", "19400401-9180")


def _everything_for_one_more_patient(number, ward, home_health, ward_nurse, physician, nurse):
    now, today = timezone.now(), timezone.localdate()
    midnight = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    episode = Episode.objects.create(
        patient=make_patient(number, "P", ward, home_health),
        ward=ward,
        home_health_unit=home_health,
        created_by=ward_nurse,
        state="at_home",
        at_home_since=now - timedelta(days=3),
    )
    for hours in (4, 12, 20):
        services.observation_record(
            episode=episode,
            values=HOME_SET,
            source="patient",
            client_id=f"{number}-{hours}",
            measured_at=now - timedelta(hours=hours),
            feeling="worse" if hours == 4 else "",
            note="Ont i ryggen" if hours == 4 else "",
        )
    RoundEntry.objects.create(
        episode=episode,
        ward=ward,
        day=today,
        participants=["Erik"],
        decision="continue",
        recorded_by=physician,
    )
    for hours, value in ((30, 120), (3, 60)):
        LabResult.objects.create(
            episode=episode,
            analyte="crp",
            value=value,
            taken_at=now - timedelta(hours=hours),
            source="home_health",
            entered_by=nurse,
            unit=home_health,
        )
    version = MedicationListVersion.objects.create(
        episode=episode, number=1, reason="Hem", created_by=physician, unit=ward
    )
    item = MedicationItem.objects.create(
        version=version, drug="Cefotaxim", dose="1 g", route="iv", times="08, 16", starts_on=today
    )
    DoseAdministration.objects.create(
        episode=episode,
        item=item,
        due_at=midnight + timedelta(hours=16),
        drug=item.drug,
        dose=item.dose,
        route=item.route,
    )
    for minutes in (50, 40):  # the ward's messages to the patient's tablet
        Message.objects.create(
            episode=episode,
            direction="to_patient",
            text="Hur mår du?",
            sent_at=now - timedelta(minutes=minutes),
            sender=ward_nurse,
            sender_unit=ward,
        )
    Visit.objects.create(
        unit=home_health,
        episode=episode,
        day=today,
        what="IV-antibiotika",
        window_start=midnight + timedelta(hours=7),
        window_end=midnight + timedelta(hours=9),
        skill="nurse",
        status="done",
        done_at=midnight + timedelta(hours=8),
        done_by=nurse,
        note=f"Besök hos {number}",
        created_by=nurse,
    )


def test_the_round_s_queries_do_not_grow_with_patients_with_everything_present(
    client, ward, home_health, ward_nurse, physician, home_nurse, monkeypatch
):
    monkeypatch.setattr(selectors, "ROUND_PAGE_SIZE", 3)
    browser = client_for(client, ward_nurse)

    def count(**query):
        browser.get(reverse("monitoring:round"), query)  # the first display writes the
        # access log; a re-display within the window does not
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(reverse("monitoring:round"), query)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    people = (ward, home_health, ward_nurse, physician, home_nurse)
    _everything_for_one_more_patient(NUMBERS[0], *people)
    one, page = count()
    for number in NUMBERS[1:]:
        _everything_for_one_more_patient(number, *people)
    four, page = count()
    assert four == one
    for shown in ("Dagens doser", "Cefotaxim", "Senaste prover", "Besök hos 19350404-9135"):
        assert shown in page
    assert "Ont i ryggen" in page and "Patientens egna ord" in page
    assert page.count('id="round-') == 3 and "Sida 1 av 2, 4 patienter" in page
    second, page = count(page=2)
    assert second == one and page.count('id="round-') == 1
    RoundEntry.objects.filter(
        episode__patient__personal_number=NUMBERS[0].replace("-", "")
    ).delete()
    pending, page = count(filter="pending")
    assert pending == one and page.count('id="round-') == 1
