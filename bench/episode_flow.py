"""Benchmark: the early-discharge flow and its worklists under a busy ward.

Builds a throw-away database (SQLite in var/bench.sqlite3, or DATABASE_URL) with the demo
region plus N episodes walked through the real services to a spread of states, then
measures with Django's test client:
- the whole flow through the services (candidate → discharged), flows per second;
- latency (p50/p95/p99) and query count of the ward worklist, the home health care
  worklist (with today's activities), the care-request inbox, the episode page, the
  agreement page and the patient's print view.

    .venv/bin/python bench/episode_flow.py [--episodes 300] [--requests 200]
"""

import argparse
import time
from datetime import timedelta

from common import fresh_database, percentiles  # noqa: E402  (bench/ on sys.path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    fresh_database()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from hemma.accounts.models import Staff, Unit
    from hemma.careplans import services as careplans
    from hemma.careplans.models import Agreement, AgreementTemplate
    from hemma.carerequests import services as carerequests
    from hemma.clinical.identifiers import luhn_check_digit
    from hemma.demo.services import demo_load
    from hemma.episodes import services as episodes
    from hemma.episodes.models import Episode, SafetyBed
    from hemma.patients.models import Patient

    demo_load()
    ward = Unit.objects.get(kind="ward")
    home_health = Unit.objects.get(kind="home_health_care")
    nurse = Staff.objects.get(user__username="anna.ssk")
    physician = Staff.objects.get(user__username="erik.lak")
    home_nurse = Staff.objects.get(user__username="karin.hsv")
    template = AgreementTemplate.objects.get(ward=None, name__startswith="IV-antibiotika")
    # A busy ward: enough safety places for every episode that goes home.
    for number in range(args.episodes):
        SafetyBed.objects.get_or_create(ward=ward, label=f"Bench {number}")
    checks = dict.fromkeys(Episode._meta.apps.get_model("episodes", "Assessment").CHECKS, True)

    def patient(index):
        nine = (
            f"{30 + index % 50:02d}{1 + index % 12:02d}{1 + index % 28:02d}{900 + index % 100:03d}"
        )
        number = f"19{nine}{luhn_check_digit(nine)}"
        found = Patient.objects.filter(personal_number=number).first()
        if found:
            return None
        created = Patient(first_name=f"Bench{index}", last_name="Testsson", city="Falun")
        from hemma.clinical.identifiers import parse_personal_identity

        created.apply_identity(parse_personal_identity(number))
        created.listed_unit = ward.organisation.units.filter(kind="primary_care").first()
        created.save()
        return created

    def walk(p, until):
        e = episodes.episode_flag_candidate(staff=nurse, unit=ward, patient=p, reason="Bench")
        if until == "candidate":
            return
        episodes.assessment_update(staff=nurse, unit=ward, episode=e, checks=checks, tier="kim")
        episodes.assessment_decide(
            staff=physician, unit=ward, episode=e, suitable=True, reason="Stabil"
        )
        episodes.consent_record(
            staff=nurse,
            unit=ward,
            episode=e,
            patient_informed=True,
            next_of_kin_informed=True,
            brochure_given=True,
            patient_agrees=True,
            shares_information=True,
        )
        careplans.agreement_create(staff=nurse, unit=ward, episode=e, template=template)
        episodes.episode_mark_agreed(staff=nurse, unit=ward, episode=e)
        request = carerequests.care_request_send(
            staff=nurse,
            unit=ward,
            episode=e,
            kind="home_health",
            to_unit=home_health,
            reason="Bench",
            start_at=timezone.now() + timedelta(hours=2),
            interventions="Pumpbyte",
            medications=[{"drug": "Cefotaxim", "dose": "1 g", "route": "iv", "times": "08"}],
        )
        if until == "agreed":
            return
        carerequests.care_request_accept(staff=home_nurse, unit=home_health, care_request=request)
        episodes.episode_start_preparing(staff=nurse, unit=ward, episode=e)
        for key in ("agreement_given", "medicines_packed", "iv_access", "samples_taken"):
            episodes.checklist_item_set(staff=nurse, unit=ward, episode=e, key=key, status="done")
        for key in ("video_tested", "transport"):
            episodes.checklist_item_set(staff=nurse, unit=ward, episode=e, key=key, status="done")
        episodes.safety_bed_reserve(staff=nurse, unit=ward, episode=e)
        episodes.episode_send_home(staff=nurse, unit=ward, episode=e)
        if until == "at_home":
            return
        agreement = Agreement.objects.get(episode=e)
        for criterion in agreement.versions.get().criteria:
            careplans.discharge_criterion_set(
                staff=nurse, unit=ward, agreement=agreement, criterion=criterion, met=True
            )
        episodes.episode_discharge(
            staff=physician, unit=ward, episode=e, summary="Klar", referral_text="CRP"
        )

    spread = ["candidate", "agreed", "at_home", "at_home", "discharged"]
    started = time.perf_counter()
    full_flows = 0
    for index in range(args.episodes):
        p = patient(index)
        if p is None:
            continue
        until = spread[index % len(spread)]
        walk(p, until)
        full_flows += until == "discharged"
    elapsed = time.perf_counter() - started
    print(f"built {Episode.objects.count()} episodes in {elapsed:.1f} s")
    flow_started = time.perf_counter()
    for index in range(args.episodes, args.episodes + 20):
        p = patient(index)
        if p is not None:
            walk(p, "discharged")
    per_flow = (time.perf_counter() - flow_started) / 20
    print(
        f"whole flow through the services    {1 / per_flow:.1f} flows/s  ({per_flow * 1000:.0f} ms)"
    )

    some_episode = Episode.objects.filter(state="at_home").first()

    def measure(label, username, url):
        client = Client()
        client.force_login(Staff.objects.get(user__username=username).user)
        client.get(url)  # warm-up
        samples, queries = [], 0
        for _ in range(args.requests):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(captured)
        print(f"{label:34} {percentiles(samples)}  queries/request {queries}")

    measure("ward worklist", "anna.ssk", reverse("episodes:worklist"))
    measure("home health worklist (today)", "karin.hsv", reverse("episodes:worklist"))
    measure("care-request inbox", "karin.hsv", reverse("carerequests:inbox"))
    measure("episode page", "anna.ssk", reverse("episodes:detail", args=[some_episode.pk]))
    measure("agreement page", "anna.ssk", reverse("careplans:agreement", args=[some_episode.pk]))
    measure("print view", "anna.ssk", reverse("careplans:print", args=[some_episode.pk]))
    open_count = Episode.objects.exclude(state__in=["discharged", "cancelled"]).count()
    requests = some_episode.care_requests.model.objects.count()
    print(f"open episodes {open_count}, care requests {requests}")


if __name__ == "__main__":
    main()
