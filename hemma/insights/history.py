"""Generated history for the outcome dashboard: months of finished hospital-at-home episodes
(timelines, alerts, checklists, care requests, readmissions), ED visits of a listed
population, ward bed-days, and (`generate_admissions`) the data warehouse's inpatient stays
of the primary care centres' patients with readmissions and ED visits after them – so the
demo region shows meaningful figures, and the benchmark has five years of data. Seeded and
synthetic: patients get generated personnummer (valid check digit, birth numbers 980–999)
and names marked "(historik)"; imported stays only pseudonyms.

Written with bulk inserts (this is seeding, not a use case); timestamps Django sets on
creation are written afterwards with bulk_update."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.carerequests.models import CareRequest
from hemma.clinical.identifiers import luhn_check_digit
from hemma.episodes.models import ChecklistItem, Episode, EpisodeTransition
from hemma.monitoring.models import Alert, Level, ObservationSet
from hemma.patients.models import Patient

from .models import AdmissionRecord, EdVisitRecord, ListedPopulation, WardBedDays
from .services import pseudonym

S = Episode.State
CENTRES = (
    ("Vårdcentral Kvarnen", "Falun"),
    ("Vårdcentral Britsarvet", "Falun"),
    ("Vårdcentral Jakobsgårdarna", "Borlänge"),
    ("Vårdcentral Tjärna Ängar", "Borlänge"),
)
LAST_ITEMS = (
    "transport",
    "medicines_packed",
    "care_request_accepted",
    "iv_access",
    "samples_taken",
)


@dataclass
class HistorySize:
    months: int = 24
    episodes_per_month: int = 14
    ed_visits_80_per_centre_month: int = 28
    observations_per_home_day: int = 0


def _personal_number(rng: random.Random, used: set[str]) -> str:
    while True:
        born = date(1925, 1, 1) + timedelta(days=rng.randrange(365 * 20))
        digits = f"{born:%y%m%d}{rng.randrange(980, 1000)}"
        number = f"{born:%Y%m%d}{digits[6:]}{luhn_check_digit(digits)}"
        if number not in used:
            used.add(number)
            return number


def _moment(day: date, hour: float) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min)) + timedelta(hours=hour)


def _create_keeping(model, objects, field: str) -> None:
    moments = [getattr(obj, field) for obj in objects]
    model.objects.bulk_create(objects, batch_size=5000)
    for obj, moment in zip(objects, moments, strict=True):
        setattr(obj, field, moment)
    model.objects.bulk_update(objects, [field], batch_size=5000)


@transaction.atomic
def generate(
    *, ward: Unit, home_health: Unit, staff: Staff, end: date, size: HistorySize, seed: int = 2026
) -> dict:
    """History for the months before `end`; returns what was created."""
    rng = random.Random(seed)  # noqa: S311 – synthetic data
    organisation = ward.organisation
    first = (end.replace(day=1) - timedelta(days=31 * (size.months - 1))).replace(day=1)
    used = set(Patient.objects.values_list("personal_number", flat=True))
    patients, plans = [], []
    for month_index in range(size.months):
        month = (first + timedelta(days=31 * month_index)).replace(day=1)
        for _ in range(size.episodes_per_month):
            day = month + timedelta(days=rng.randrange(28))
            recent = [p for p, d in plans[-size.episodes_per_month :] if 12 <= (day - d).days <= 35]
            if recent and rng.random() < 0.08:  # back within 30 days of going home
                plans.append((rng.choice(recent), day))
                continue
            number = _personal_number(rng, used)
            patient = Patient(
                personal_number=number,
                identity_kind=Patient.IdentityKind.PERSONNUMMER,
                first_name="Historik",
                last_name=f"{len(patients) + 1:05d} (historik)",
                birth_date=date(int(number[:4]), int(number[4:6]), int(number[6:8])),
                sex=Patient.Sex.FEMALE if int(number[10]) % 2 == 0 else Patient.Sex.MALE,
            )
            patients.append(patient)
            plans.append((patient, day))
    Patient.objects.bulk_create(patients, batch_size=2000)

    episodes, timelines = [], []
    now = timezone.now()
    for patient, day in plans:
        flagged = _moment(day, rng.uniform(8, 15))
        home = flagged + timedelta(days=rng.uniform(0.8, 3.5))
        home_days = rng.uniform(2, 9)
        steps = [
            (S.CANDIDATE, flagged),
            (S.ASSESSED, flagged + timedelta(hours=5)),
            (S.AGREED, flagged + timedelta(hours=20)),
            (S.PREPARING, home - timedelta(hours=6)),
            (S.AT_HOME, home),
        ]
        clock = home
        if rng.random() < 0.07:  # direct admission during the stay at home, then home again
            clock = home + timedelta(days=rng.uniform(0.5, home_days / 2))
            steps.append((S.READMITTED, clock))
            clock += timedelta(days=rng.uniform(0.5, 2))
            steps.append((S.AT_HOME, clock))
        ended = home + timedelta(days=home_days)
        ended = max(ended, clock + timedelta(hours=12))
        if ended > now:
            continue
        steps.append((S.DISCHARGED, ended))
        episodes.append(
            Episode(
                patient=patient,
                ward=ward,
                home_health_unit=home_health,
                state=S.DISCHARGED,
                tier="kim",
                flag_reason="Historik",
                created_by=staff,
                at_home_since=home,
                ended_at=ended,
            )
        )
        timelines.append(steps)
    Episode.objects.bulk_create(episodes, batch_size=2000)
    for episode, steps in zip(episodes, timelines, strict=True):
        episode.created_at = steps[0][1]
    Episode.objects.bulk_update(episodes, ["created_at"], batch_size=2000)

    transitions, alerts, items, requests, observations = [], [], [], [], []
    for episode, steps in zip(episodes, timelines, strict=True):
        previous = ""
        for state, at in steps:
            transitions.append(
                EpisodeTransition(
                    episode=episode, from_state=previous, to_state=state, by=staff, at=at
                )
            )
            previous = state
        home, ended = episode.at_home_since, episode.ended_at
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            raised = home + (ended - home) * rng.random()
            acknowledged = raised + timedelta(minutes=rng.lognormvariate(2.1, 0.7))
            alerts.append(
                Alert(
                    episode=episode,
                    unit=episode.ward,
                    level=rng.choice((Level.LOW_MEDIUM, Level.MEDIUM, Level.HIGH)),
                    status=Alert.Status.RESOLVED,  # history: every alert dealt with
                    created_at=raised,
                    acknowledged_at=acknowledged,
                    acknowledged_by=staff,
                    resolved_at=acknowledged + timedelta(minutes=20),
                    resolved_by=staff,
                    action=rng.choice((Alert.Action.PHONED, Alert.Action.HOME_VISIT)),
                )
            )
        last = rng.choice(LAST_ITEMS)
        for offset, key in enumerate([k for k in LAST_ITEMS if k != last] + [last]):
            items.append(
                ChecklistItem(
                    episode=episode,
                    key=key,
                    status="done",
                    by=staff,
                    at=home - timedelta(hours=6) + timedelta(minutes=20 * offset),
                )
            )
        sent = steps[2][1]
        requests.append(
            CareRequest(
                episode=episode,
                kind=CareRequest.Kind.HOME_HEALTH,
                from_unit=episode.ward,
                to_unit=episode.home_health_unit,
                reason="Historik",
                start_at=home,
                interventions="Historik",
                status=CareRequest.Status.ACCEPTED,
                sent_by=staff,
                sent_at=sent,
                answered_at=sent + timedelta(hours=rng.uniform(0.5, 18)),
            )
        )
        per_day = size.observations_per_home_day
        if per_day:
            days = max(1, int((ended - home).total_seconds() // 86400))
            for index in range(days * per_day):
                observations.append(
                    ObservationSet(
                        episode=episode,
                        client_id=f"h{episode.pk}-{index}",
                        source="patient",
                        measured_at=home + timedelta(hours=24 / per_day * index),
                        pulse=rng.randint(60, 110),
                        spo2=rng.randint(91, 99),
                        systolic_bp=rng.randint(100, 150),
                        respiration_rate=rng.randint(12, 22),
                        temperature=Decimal(str(round(rng.uniform(36.2, 38.6), 1))),
                        news2_total=0,
                        news2_level=Level.LOW,
                        news2_complete=False,
                        news2_missing=["consciousness", "on_oxygen"],
                    )
                )
    # Creating sets auto_now_add fields to now, on the objects too: keep the history's
    # moments aside and write them back afterwards.
    _create_keeping(EpisodeTransition, transitions, "at")
    _create_keeping(Alert, alerts, "created_at")
    ChecklistItem.objects.bulk_create(items, batch_size=5000)
    _create_keeping(CareRequest, requests, "sent_at")
    ObservationSet.objects.bulk_create(observations, batch_size=5000)

    records, population, bed_days = [], [], []
    for month_index in range(size.months):
        month = (first + timedelta(days=31 * month_index)).replace(day=1)
        trend = 1 - 0.25 * month_index / max(1, size.months - 1)  # visits fall as care moves home
        for centre, municipality in CENTRES:
            listed = 420 + 90 * CENTRES.index((centre, municipality)) + month_index
            population.append(
                ListedPopulation(
                    organisation=organisation,
                    centre=centre,
                    municipality=municipality,
                    month=month,
                    age_band="80+",
                    count=listed,
                )
            )
            mean = size.ed_visits_80_per_centre_month * trend
            for _ in range(max(0, int(rng.gauss(mean, mean**0.5)))):
                records.append(
                    EdVisitRecord(
                        organisation=organisation,
                        person_key=pseudonym(f"{centre}-{rng.randrange(listed)}-{month_index}"),
                        visited_on=month + timedelta(days=rng.randrange(28)),
                        month=month,
                        age=rng.randint(80, 99),
                        centre=centre,
                        municipality=municipality,
                    )
                )
        bed_days.append(
            WardBedDays(
                organisation=organisation,
                ward=ward.name,
                month=month,
                bed_days=rng.randint(600, 690),
            )
        )
    EdVisitRecord.objects.bulk_create(records, batch_size=5000, ignore_conflicts=True)
    ListedPopulation.objects.bulk_create(population, ignore_conflicts=True)
    WardBedDays.objects.bulk_create(bed_days, ignore_conflicts=True)
    return {
        "episodes": len(episodes),
        "alerts": len(alerts),
        "ed_visits": len(records),
        "observations": len(observations),
    }


WARDS = ("Medicin 12, Falu lasarett", "Geriatrik, Falu lasarett", "Medicin, Borlänge sjukhus")


def generate_admissions(
    *,
    organisation,
    end: date,
    months: int = 24,
    stays_per_centre_month: int = 30,
    seed: int = 2027,
    home_ward: str = "",
) -> int:
    """Every inpatient stay of the four centres' patients for the months before `end`, as
    the data warehouse would give them (once per organisation: nothing is added when the
    organisation has stays): about 15 % back within 30 days (10 % after a hospital-at-home
    episode, on `home_ward`), and an ED visit within 30 days after about one stay in five.
    The persons are pseudonyms "vt-…" of a pool per centre, so some come back later still.
    Returns the number of stays created."""
    if AdmissionRecord.objects.filter(organisation=organisation).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 – synthetic data
    first = (end.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    stays, visits = [], []
    for centre, municipality in CENTRES:
        ages = {}
        for month_index in range(months):
            month = (first + timedelta(days=31 * month_index)).replace(day=1)
            for _ in range(stays_per_centre_month):
                person = pseudonym(f"vt-{centre}-{rng.randrange(400)}")
                age = ages.setdefault(person, rng.randint(66, 99))
                admitted = month + timedelta(days=rng.randrange(28))
                discharged = admitted + timedelta(days=max(1, int(rng.lognormvariate(1.5, 0.6))))
                at_home = bool(home_ward) and rng.random() < 0.06
                chain = [(admitted, discharged, home_ward if at_home else rng.choice(WARDS))]
                if rng.random() < (0.10 if at_home else 0.15):
                    back = discharged + timedelta(days=rng.randint(2, 30))
                    chain.append(
                        (back, back + timedelta(days=rng.randint(1, 6)), rng.choice(WARDS))
                    )
                for index, (start, stop, ward) in enumerate(chain):
                    if stop > end:
                        continue
                    stays.append(
                        AdmissionRecord(
                            organisation=organisation,
                            person_key=person,
                            admitted_on=start,
                            discharged_on=stop,
                            ward=ward,
                            centre=centre,
                            municipality=municipality,
                            age=age,
                            hospital_at_home=at_home and index == 0,
                        )
                    )
                if rng.random() < 0.2:
                    visited = discharged + timedelta(days=rng.randint(1, 30))
                    if visited <= end:
                        visits.append(
                            EdVisitRecord(
                                organisation=organisation,
                                person_key=person,
                                visited_on=visited,
                                month=visited.replace(day=1),
                                age=age,
                                centre=centre,
                                municipality=municipality,
                            )
                        )
    AdmissionRecord.objects.bulk_create(stays, batch_size=5000, ignore_conflicts=True)
    EdVisitRecord.objects.bulk_create(visits, batch_size=5000, ignore_conflicts=True)
    return len(stays)
