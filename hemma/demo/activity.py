"""What happens around the demo episodes, through the real services: Lisa's readings
and monitoring plan, discharge cases at each step of lag (2017:612) and the
doctor-to-doctor directory, the home health unit's shifts and visits for today and
tomorrow (today's planned and worked up to now: hemma.demo.today), and two years of
history for the outcome dashboard. Idempotent."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from hemma.accounts.models import Staff
from hemma.careplans.models import Agreement
from hemma.careplans.services import agreement_revise
from hemma.clinical import episode_states as states
from hemma.coordination import services as coordination
from hemma.coordination.models import DirectoryEntry, DischargeCase, PaymentAgreement
from hemma.episodes.models import Episode
from hemma.insights.history import HistorySize, generate, generate_admissions
from hemma.monitoring import services as monitoring
from hemma.monitoring.models import PersonalThreshold
from hemma.patients.models import Patient
from hemma.visits import services as visits
from hemma.visits.forms import on_day

from . import data
from .medication import home_iv_times
from .timeline import case_spread


def monitoring_ensure(patients: dict, units: dict, nurse: Staff, physician: Staff) -> None:
    """Lisa's readings from her tablet (the last one raises an alert), her personal pulse
    limit for atrial fibrillation and her measurement plan. Idempotent by reading id."""
    ward = units["ward"]
    lisa = Episode.objects.filter(patient=patients["193805089145"], state="at_home").first()
    if lisa is None:
        return
    monitoring.monitoring_plan_set(staff=physician, unit=ward, episode=lisa, interval_hours=8)
    if not PersonalThreshold.objects.filter(patient=lisa.patient, ended_at=None).exists():
        monitoring.threshold_set(
            staff=physician,
            unit=ward,
            episode=lisa,
            parameter="pulse",
            low=None,
            high=Decimal("110"),
            reason="Känt kroniskt förmaksflimmer",
        )
    now = timezone.now()
    for number, (hours_ago, values) in enumerate(data.LISA_READINGS):
        monitoring.observation_record(
            episode=lisa,
            values=values,
            source="patient",
            client_id=f"demo-lisa-{number}",
            measured_at=now - timedelta(hours=hours_ago),
        )


def coordination_ensure(
    patients: dict, units: dict, nurse: Staff, physician: Staff, now: datetime
) -> None:
    """Discharge cases at each step of lag (2017:612), through the real services (once)."""
    ward, home_health = units["ward"], units["home_health"]
    PaymentAgreement.objects.get_or_create(
        region=ward.organisation,
        municipality=home_health.organisation,
        defaults={
            "days_after_ready": 3,
            "daily_amount": Decimal(8000),
            "source": "Demo: fiktiv lokal överenskommelse",
        },
    )
    manager = Staff.objects.get(user__username="ulla.vc")
    admin = Staff.objects.get(user__username="admin.region")
    for unit_key, title, phone, hours, on_call, out_of_hours in data.DIRECTORY:
        unit = units[unit_key]
        if not DirectoryEntry.objects.filter(unit=unit, title=title).exists():
            DirectoryEntry.objects.create(
                unit=unit,
                title=title,
                direct_phone=phone,
                consultation_hours=hours,
                on_call=on_call,
                out_of_hours=out_of_hours,
                updated_by=admin,
            )
    contact = Staff.objects.get(user__username="peter.vk")
    for number, (hours, step) in data.DISCHARGE_CASES.items():
        patient = patients[number]
        if DischargeCase.objects.filter(patient=patient).exists():
            continue
        case = _case_walk(patient, hours, step, units, nurse, physician, manager, contact, now)
        # Its steps over the days since admission, not all at this minute.
        case_spread(case, now, ready_by=now - timedelta(days=5) if step == "ready_long" else None)
        case.refresh_from_db()
        coordination.episode_notices_sync(case)


def _case_walk(patient, hours, step, units, nurse, physician, manager, contact, now):
    """Open one demo case and take it to its step through the services."""
    ward, home_health = units["ward"], units["home_health"]
    case = coordination.case_open(
        staff=nurse,
        unit=ward,
        patient=patient,
        admitted_at=now - timedelta(hours=hours),
        # Only Greta's notice went out late; the others when support was judged likely.
        support_judged_at=None if step == "fixed_contact" else now - timedelta(hours=2),
        estimated_discharge=timezone.localdate(now) + timedelta(days=2),
        receivers=[home_health, units["home_care"]],
    )
    if step == "notice":
        return case
    if patient.listed_unit_id == units["vc_kvarnen"].pk:
        coordination.fixed_contact_appoint(
            staff=manager, unit=units["vc_kvarnen"], case=case, contact=contact
        )
    if step == "fixed_contact":
        return case
    coordination.case_mark_ready(staff=physician, unit=ward, case=case)
    if step != "ready_long":
        coordination.sip_consent_record(staff=nurse, unit=ward, case=case)
    return case


def visits_ensure(patients: dict, units: dict, now: datetime) -> None:
    """Home visits: Omar's fuller agreement (once), the unit's shifts today and tomorrow,
    and the visits of both days generated from the agreements (idempotent). Today is
    planned and worked up to now (hemma.demo.today); tomorrow is left for the planner's
    one click."""
    unit = units["home_health"]
    karin = Staff.objects.get(user__username="karin.hsv")
    for number, (extra, note) in _AGREEMENT_FITS.items():
        _agreement_fit_list(patients[number], units, extra(), note)
    base = data.HOME_HEALTH_BASE

    def at(day, clock: str):
        return on_day(day, time.fromisoformat(clock))

    today = visits.planning_day(now)
    for day in (today, today + timedelta(days=1)):
        for username, (start, end, mode, lunch) in data.SHIFTS.items():
            staff = Staff.objects.get(user__username=username)
            visits.shift_save(
                staff=karin,
                unit=unit,
                worker=staff,
                day=day,
                starts=at(day, start),
                ends=at(day, end),
                latitude=base[0],
                longitude=base[1],
                travel_mode=mode,
                break_from=at(day, lunch[0]) if lunch else None,
                break_until=at(day, lunch[1]) if lunch else None,
            )
        visits.visits_generate(staff=karin, unit=unit, day=day)


def _iv_visits(number: str) -> list[dict]:
    """The nurse's IV visits at the times of the patient's list (not the pump's doses)."""
    times = home_iv_times(number)
    if not times:
        return []
    return [
        {
            "what": "IV-antibiotika enligt läkemedelslistan",
            "who": "Hemsjukvården, sjuksköterska",
            "when": times,
        }
    ]


# personal number → (the activities the revised agreement has instead of the pump change,
# the change note). Omar's agreement also gets what his days at home need.
_AGREEMENT_FITS = {
    "193504049135": (
        lambda: _iv_visits("193504049135") + data.OMAR_EXTRA_ACTIVITIES,
        "IV-läkemedel enligt listan, dubbelbemanning vid förflyttning.",
    ),
    "193805089145": (
        lambda: _iv_visits("193805089145"),
        "Kloxacillin ges av hemsjukvården vid besök tre gånger per dygn i stället för pump.",
    ),
}


def _agreement_fit_list(patient, units: dict, activities: list[dict], note: str) -> None:
    """Revise the agreement once so that its visits are the list's dosing times: the IV
    doses replace the template's daily pump change."""
    episode = patient.episodes.exclude(state__in=states.FINAL_STATES).first()
    agreement = Agreement.objects.filter(episode=episode).first() if episode else None
    if agreement is None or agreement.current_number != 1 or not activities:
        return
    content = agreement.versions.get(number=1).content()
    kept = [a for a in content["activities"] if "antibiotikapump" not in a["what"].casefold()]
    content["activities"] = kept + activities
    agreement_revise(
        staff=Staff.objects.get(user__username="anna.ssk"),
        unit=units["ward"],
        agreement=agreement,
        base_number=1,
        content=content,
        change_note=note,
    )


def history_ensure(units: dict) -> None:
    """Two years of generated finished episodes, ED visits and bed-days for the outcome
    dashboard (once), and the data warehouse's inpatient stays behind the readmissions
    per primary care centre (once per organisation)."""
    generate_admissions(
        organisation=units["ward"].organisation,
        end=timezone.localdate(),
        home_ward=units["ward"].name,
    )
    if Patient.objects.filter(last_name__endswith="(historik)").exists():
        return
    generate(
        ward=units["ward"],
        home_health=units["home_health"],
        staff=Staff.objects.get(user__username="anna.ssk"),
        end=timezone.localdate(),
        size=HistorySize(months=24, episodes_per_month=14),
    )
    _other_endings()


def _other_endings() -> None:
    """Two of the finished episodes ended otherwise: a death at home, a transfer."""
    finished = Episode.objects.filter(
        patient__last_name__endswith="(historik)", state=states.DISCHARGED
    ).order_by("pk")
    died, moved = list(finished[:2])
    for episode, state, fields in (
        (
            died,
            states.DIED,
            {
                "end_reason": Episode.EndReason.DIED,
                "died_at": died.ended_at,
                "death_confirmed_by": "Jourhavande läkare, Falu lasarett",
                "death_expected": True,
            },
        ),
        (
            moved,
            states.TRANSFERRED,
            {
                "end_reason": Episode.EndReason.TRANSFERRED,
                "transferred_to": "Infektionskliniken, Akademiska sjukhuset",
            },
        ),
    ):
        Episode.objects.filter(pk=episode.pk).update(state=state, discharge_summary="", **fields)
        episode.transitions.filter(to_state=states.DISCHARGED).update(to_state=state)
