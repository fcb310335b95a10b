"""Benchmark: the ward's digital round with everything a physician reads in it (issue 18).

N patients at home, each with 14 days of vitals (3 sets a day, some with the patient's own
words), four lab results, a medication list with today's doses and a documented
home-health visit with a note; two in three already have today's round decision. The
round shows a page of 25 patients, those needing attention first. It is requested
through Django's test client as the ward nurse (server time of the whole request: policy,
access log, rendering; and the CPU time of this process). Passes on the same data in the
same run: page 1, a later page, the "not reviewed today" filter, and page 1 without
the apps' round panels (doses, labs, visit notes) so their added cost shows. (That the
query count grows neither with the patients nor with the page is pinned by tests in
tests/monitoring.) On PostgreSQL the tables are ANALYZEd after the setup.

    .venv/bin/python bench/round.py --patients 200                  # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hemma_bench_round \\
        .venv/bin/python bench/round.py --patients 200
"""

import argparse
import os
import time
from datetime import timedelta
from decimal import Decimal

from common import fresh_database, percentiles  # noqa: E402  (bench/ on sys.path)

ROW = 'id="round-'  # one per patient row of the round page


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()

    database = fresh_database()
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from hemma.accounts.models import Staff, Unit
    from hemma.clinical.identifiers import luhn_check_digit, parse_personal_identity
    from hemma.demo.services import demo_load
    from hemma.episodes import hooks
    from hemma.episodes.models import Episode
    from hemma.labs.models import LabResult
    from hemma.medication.models import DoseAdministration, MedicationItem, MedicationListVersion
    from hemma.monitoring.models import ObservationSet, RoundEntry
    from hemma.patients.models import CareRelationship, Patient
    from hemma.visits.models import Visit

    request_started.disconnect(reset_queries)
    demo_load()
    ward = Unit.objects.get(kind="ward")
    home_health = Unit.objects.get(kind="home_health_care")
    nurse = Staff.objects.get(user__username="anna.ssk")
    physician = Staff.objects.get(user__username="erik.lak")
    visitor = Staff.objects.get(user__username="karin.hsv")
    now = timezone.now()
    today = timezone.localdate()
    noon = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))

    def patient_at_home(index):
        nine = (
            f"{30 + index % 50:02d}{1 + index % 12:02d}{1 + index % 28:02d}{900 + index % 97:03d}"
        )
        number = f"19{nine}{luhn_check_digit(nine)}"
        patient = Patient.objects.filter(personal_number=number).first()
        if patient is None:
            patient = Patient(first_name=f"Rond{index}", last_name="Testsson")
            patient.apply_identity(parse_personal_identity(number))
            patient.save()
        elif patient.episodes.exists():
            return None
        for unit in (ward, home_health):
            CareRelationship.objects.get_or_create(patient=patient, unit=unit)
        return Episode.objects.create(
            patient=patient,
            ward=ward,
            home_health_unit=home_health,
            created_by=nurse,
            state="at_home",
            at_home_since=now - timedelta(days=14),
        )

    started = time.perf_counter()
    episodes = [e for e in (patient_at_home(i) for i in range(args.patients)) if e]
    sets, labs, entries, visits, doses = [], [], [], [], []
    for n, episode in enumerate(episodes):
        for day in range(14):
            for hour in (8, 14, 20):
                worse = day == 0 and hour == 8 and n % 5 == 0
                sets.append(
                    ObservationSet(
                        episode=episode,
                        client_id=f"r{day}-{hour}",
                        source="patient",
                        measured_at=now - timedelta(days=day, hours=hour),
                        pulse=80 + day,
                        spo2=96,
                        systolic_bp=130,
                        temperature=Decimal("37.0"),
                        feeling="worse" if worse else "",
                        note="Lite tyngre att andas i natt." if worse else "",
                        news2_total=0,
                        news2_scores={},
                        news2_level="low",
                        news2_complete=False,
                        news2_missing=[],
                    )
                )
        for hours, crp in ((50, 140), (26, 96), (2, 58)):
            labs.append(
                LabResult(
                    episode=episode,
                    analyte="crp",
                    value=crp,
                    taken_at=now - timedelta(hours=hours),
                    source="home_health",
                    entered_by=visitor,
                    unit=home_health,
                )
            )
        labs.append(
            LabResult(
                episode=episode,
                analyte="kalium",
                value=Decimal("4.1"),
                taken_at=now - timedelta(hours=2),
                source="home_health",
                entered_by=visitor,
                unit=home_health,
            )
        )
        if n % 3:  # two in three already have today's decision
            entries.append(
                RoundEntry(
                    episode=episode,
                    ward=ward,
                    day=today,
                    participants=["Erik Lind"],
                    decision="continue",
                    note="Fortsatt vård hemma.",
                    recorded_by=physician,
                )
            )
        visits.append(
            Visit(
                unit=home_health,
                episode=episode,
                day=today,
                what="IV-antibiotika",
                window_start=noon + timedelta(hours=7, minutes=30),
                window_end=noon + timedelta(hours=8, minutes=30),
                skill="nurse",
                status="done",
                done_at=noon + timedelta(hours=8, minutes=10),
                done_by=visitor,
                note="Infarten fin, pigg.",
                created_by=visitor,
            )
        )
    ObservationSet.objects.bulk_create(sets, batch_size=2000)
    LabResult.objects.bulk_create(labs, batch_size=2000)
    RoundEntry.objects.bulk_create(entries, batch_size=2000)
    Visit.objects.bulk_create(visits, batch_size=2000)
    for episode in episodes:
        version = MedicationListVersion.objects.create(
            episode=episode, number=1, reason="Utskrivning", created_by=physician, unit=ward
        )
        item = MedicationItem.objects.create(
            version=version,
            drug="Cefotaxim",
            dose="1 g",
            route="iv",
            times="08, 16, 24",
            starts_on=today - timedelta(days=3),
            is_antibiotic=True,
        )
        for hour, status in ((8, "given"), (16, "planned")):
            doses.append(
                DoseAdministration(
                    episode=episode,
                    item=item,
                    due_at=noon + timedelta(hours=hour),
                    drug=item.drug,
                    dose=item.dose,
                    route=item.route,
                    status=status,
                    given_at=noon + timedelta(hours=hour, minutes=5) if status == "given" else None,
                    recorded_at=noon + timedelta(hours=hour, minutes=6)
                    if status == "given"
                    else None,
                    recorded_by=visitor if status == "given" else None,
                    recorded_unit=home_health if status == "given" else None,
                )
            )
    DoseAdministration.objects.bulk_create(doses, batch_size=2000)
    at_home = Episode.objects.filter(ward=ward, state="at_home").count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # planner statistics, as autovacuum keeps them
            cursor.execute("ANALYZE")
    print(
        f"setup {time.perf_counter() - started:.1f} s ({database['ENGINE'].rsplit('.', 1)[-1]}): "
        f"{at_home} patients at home, {len(sets):,} sets, {len(labs):,} lab results, "
        f"{len(entries)} round entries, {len(visits)} visit notes, {len(doses)} doses"
    )

    client = Client()
    client.force_login(nurse.user)
    url = reverse("monitoring:round")

    def measure(label, query=""):
        """Wall-clock server time of the request (test client, in process) and the CPU
        time this process spent on it (less sensitive to other work on the machine; the
        database server's own time is not in it)."""
        client.get(url + query)  # warm
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url + query)
        assert response.status_code == 200
        body = response.content.decode()
        samples, cpu = [], []
        for _ in range(args.requests):
            t0, c0 = time.perf_counter(), time.process_time()
            client.get(url + query)
            samples.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        print(
            f"  {label:40} {percentiles(samples)}  cpu p50 {sorted(cpu)[len(cpu) // 2]:.0f} ms"
            f"  queries {len(captured)}  page {len(body) / 1024:,.0f} KiB"
        )
        return body

    print(f"  load average before measuring: {os.getloadavg()[0]:.1f} (2 cores)")
    body = measure(f"round page 1, {at_home} at home, with the panels")
    assert "Dagens doser" in body and "Senaste prover" in body and "Infarten fin" in body
    print(f"  ({body.count(ROW)} patients on the page)")
    measure("round page 5 (of all)", "?page=5")
    body = measure("round page 1, not yet reviewed today", "?filter=pending")
    print(f"  ({body.count(ROW)} patients on the page)")
    panels = list(hooks._round_panels)
    hooks._round_panels.clear()
    try:
        measure("round page 1, without the panels")
    finally:
        hooks._round_panels.extend(panels)


if __name__ == "__main__":
    main()
