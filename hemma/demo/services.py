"""Loading the demo region. Idempotent: running it again updates, never duplicates."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from hemma.accounts.models import Membership, Organisation, Staff, Unit
from hemma.clinical.identifiers import normalize_phone, parse_personal_identity
from hemma.patients.models import CareRelationship, NextOfKin, Patient

from . import data
from .models import DemoDataset
from .selectors import CACHE_KEY

DEMO_VERSION = 1


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    profession: str
    units: str


def demo_load() -> list[DemoLogin]:
    with transaction.atomic():
        organisations = {
            "region": _organisation(data.REGION),
            "municipality": _organisation(data.MUNICIPALITY),
        }
        units = {key: _unit(organisations, spec) for key, spec in data.UNITS.items()}
        logins = [_staff(username, spec, units) for username, spec in data.STAFF.items()]
        patients = {
            number: _patient(number, spec, units, organisations["municipality"])
            for number, spec in data.PATIENTS.items()
        }
        _episodes(patients, units)
        DemoDataset.objects.update_or_create(
            id=1, defaults={"loaded_at": timezone.now(), "version": DEMO_VERSION}
        )
    cache.delete(CACHE_KEY)
    return logins


def _organisation(spec: dict) -> Organisation:
    organisation, _ = Organisation.objects.update_or_create(
        hsa_id=spec["hsa_id"], defaults={k: v for k, v in spec.items() if k != "hsa_id"}
    )
    return organisation


def _unit(organisations: dict, spec: tuple) -> Unit:
    organisation_key, name, kind, suffix, phone, beds = spec
    organisation = organisations[organisation_key]
    unit, _ = Unit.objects.update_or_create(
        hsa_id=f"{organisation.hsa_id.split('-')[0]}-{suffix}",
        defaults={
            "organisation": organisation,
            "name": name,
            "kind": kind,
            "phone": phone,
            "beds": beds,
        },
    )
    return unit


def _staff(username: str, spec: tuple, units: dict) -> DemoLogin:
    first, last, profession, suffix, memberships = spec
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last}
    )
    is_admin = profession == Staff.Profession.ADMINISTRATOR
    if created or not user.check_password(data.DEMO_PASSWORD):
        user.set_password(data.DEMO_PASSWORD)
    user.first_name, user.last_name = first, last
    user.is_staff = is_admin  # Django admin for reference data only
    user.save()
    first_unit = units[memberships[0][0]]
    staff, _ = Staff.objects.update_or_create(
        user=user,
        defaults={
            "profession": profession,
            "hsa_id": f"{first_unit.organisation.hsa_id.split('-')[0]}-{suffix}",
        },
    )
    for unit_key, role in memberships:
        Membership.objects.update_or_create(
            staff=staff, unit=units[unit_key], defaults={"role": role}
        )
    return DemoLogin(
        username=username,
        name=f"{first} {last}",
        profession=staff.get_profession_display(),
        units=", ".join(units[key].name for key, _ in memberships),
    )


def _episodes(patients: dict, units: dict) -> None:
    """Demo episodes in every state, created through the real services (once)."""
    from hemma.careplans.services import templates_ensure_shipped
    from hemma.episodes import services as episodes
    from hemma.episodes.models import Episode

    ward = units["ward"]
    templates_ensure_shipped()
    episodes.safety_beds_ensure(ward=ward, count=3)  # places 23-25
    nurse = Staff.objects.get(user__username="anna.ssk")
    physician = Staff.objects.get(user__username="erik.lak")
    for number, target in data.EPISODES.items():
        patient = patients[number]
        if Episode.objects.filter(patient=patient).exists():
            continue  # idempotent: never a second demo episode
        episode = episodes.episode_flag_candidate(
            staff=nurse,
            unit=ward,
            patient=patient,
            reason=target["reason"],
            pathway=target.get("pathway", Episode.Pathway.EARLY_DISCHARGE),
        )
        _walk_episode(episode, target, units, nurse, physician)
    _monitoring(patients, units, nurse, physician)
    _coordination(patients, units, nurse, physician)
    _visits(patients, units)
    _history(units)


def _history(units: dict) -> None:
    """Two years of generated finished episodes, ED visits and bed-days for the outcome
    dashboard (once)."""
    from hemma.insights.history import HistorySize, generate

    if Patient.objects.filter(last_name__endswith="(historik)").exists():
        return
    generate(
        ward=units["ward"],
        home_health=units["home_health"],
        staff=Staff.objects.get(user__username="anna.ssk"),
        end=timezone.localdate(),
        size=HistorySize(months=24, episodes_per_month=14),
    )


def _visits(patients: dict, units: dict) -> None:
    """Home visits: Omar's fuller agreement (once), the unit's shifts today and tomorrow,
    and the visits of both days generated from the agreements (idempotent). Nothing is
    planned: the planner does that with one click."""
    from datetime import time

    from hemma.careplans.models import Agreement
    from hemma.careplans.services import agreement_revise
    from hemma.visits import services as visits
    from hemma.visits.forms import on_day

    unit = units["home_health"]
    karin = Staff.objects.get(user__username="karin.hsv")
    omar = patients["193504049135"].episodes.filter(state="agreed").first()
    agreement = Agreement.objects.filter(episode=omar).first() if omar else None
    if agreement and agreement.current_number == 1:
        version = agreement.versions.get(number=1)
        content = version.content()
        content["activities"] = content["activities"] + data.OMAR_EXTRA_ACTIVITIES
        agreement_revise(
            staff=Staff.objects.get(user__username="anna.ssk"),
            unit=units["ward"],
            agreement=agreement,
            base_number=1,
            content=content,
            change_note="IV-antibiotika tre gånger per dygn, dubbelbemanning vid förflyttning.",
        )
    base = data.HOME_HEALTH_BASE

    def at(day, clock: str):
        return on_day(day, time.fromisoformat(clock))

    today = visits.planning_day(timezone.now())
    for day in (today, today + timedelta(days=1)):
        for username, (start, end, mode, lunch) in data.SHIFTS.items():
            staff = Staff.objects.get(user__username=username)
            visits.shift_save(
                by=karin,
                unit=unit,
                staff=staff,
                day=day,
                starts=at(day, start),
                ends=at(day, end),
                latitude=base[0],
                longitude=base[1],
                travel_mode=mode,
                break_from=at(day, lunch[0]) if lunch else None,
                break_until=at(day, lunch[1]) if lunch else None,
            )
        visits.visits_generate(by=karin, unit=unit, day=day)


def _coordination(patients: dict, units: dict, nurse: Staff, physician: Staff) -> None:
    """Discharge cases at each step of lag (2017:612), through the real services (once)."""
    from hemma.coordination import services as coordination
    from hemma.coordination.models import DischargeCase, PaymentAgreement

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
    from hemma.coordination.models import DirectoryEntry

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
    now = timezone.now()
    for number, (hours, step) in data.DISCHARGE_CASES.items():
        patient = patients[number]
        if DischargeCase.objects.filter(patient=patient).exists():
            continue
        case = coordination.case_open(
            staff=nurse,
            unit=ward,
            patient=patient,
            admitted_at=now - timedelta(hours=hours),
            # Only Greta's notice went out late; the others when support was judged likely.
            support_judged_at=None if step == "fixed_contact" else now - timedelta(hours=2),
            estimated_discharge=timezone.localdate() + timedelta(days=2),
            receivers=[home_health, units["home_care"]],
        )
        if step == "notice":
            continue
        if patient.listed_unit_id == units["vc_kvarnen"].pk:
            coordination.fixed_contact_appoint(
                staff=manager, unit=units["vc_kvarnen"], case=case, contact=contact
            )
        if step == "fixed_contact":
            continue
        coordination.case_mark_ready(staff=physician, unit=ward, case=case)
        if step == "ready_long":
            DischargeCase.objects.filter(pk=case.pk).update(ready_at=now - timedelta(days=5))
        else:
            coordination.sip_consent_record(staff=nurse, unit=ward, case=case)


def _monitoring(patients: dict, units: dict, nurse: Staff, physician: Staff) -> None:
    """Lisa's readings from her tablet (the last one raises an alert), her personal pulse
    limit for atrial fibrillation and her measurement plan. Idempotent by reading id."""
    from hemma.episodes.models import Episode
    from hemma.monitoring import services as monitoring
    from hemma.monitoring.models import PersonalThreshold

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


def _walk_episode(episode, target: dict, units: dict, nurse: Staff, physician: Staff) -> None:
    """Take one demo episode as far as its target state, step by step as staff would."""
    from hemma.careplans import services as careplans
    from hemma.careplans.models import Agreement, AgreementTemplate
    from hemma.carerequests import services as carerequests
    from hemma.carerequests.models import CareRequest
    from hemma.episodes import services as episodes

    ward, home_health, home_care = units["ward"], units["home_health"], units["home_care"]
    state = target["state"]
    if state == "candidate":
        return
    if state == "cancelled":
        episodes.episode_cancel(
            staff=nurse, unit=ward, episode=episode, reason=target["cancel_reason"]
        )
        return
    episodes.assessment_update(
        staff=nurse,
        unit=ward,
        episode=episode,
        tier=target["tier"],
        checks={name: True for name in episode.assessment.CHECKS},
        nurse_note="Bedömd tillsammans med FT/AT.",
    )
    episodes.assessment_decide(
        staff=physician,
        unit=ward,
        episode=episode,
        suitable=True,
        reason="Stabil, fungerande PICC, tryggt hemma.",
    )
    if state == "assessed":
        return  # consent and the agreement are next, e.g. with the stroke template
    episodes.consent_record(
        staff=nurse,
        unit=ward,
        episode=episode,
        patient_informed=True,
        next_of_kin_informed=True,
        brochure_given=True,
        patient_agrees=True,
        shares_information=True,
    )
    template = AgreementTemplate.objects.get(
        ward=None, name=target.get("template", data.OPAT_TEMPLATE)
    )
    careplans.agreement_create(staff=nurse, unit=ward, episode=episode, template=template)
    episodes.episode_mark_agreed(staff=nurse, unit=ward, episode=episode)
    start = timezone.now() + timedelta(hours=4)
    request = carerequests.care_request_send(
        staff=nurse,
        unit=ward,
        episode=episode,
        kind=CareRequest.Kind.HOME_HEALTH,
        to_unit=home_health,
        reason=target["reason"],
        start_at=start,
        interventions="Byte av antibiotikapump dagligen 08, kontroll av PICC, blodprover.",
        medications=data.DEMO_MEDICATIONS,
    )
    if target["tier"] == "omar":
        carerequests.care_request_send(
            staff=nurse,
            unit=ward,
            episode=episode,
            kind=CareRequest.Kind.HOME_CARE,
            to_unit=home_care,
            reason="Behöver tillsyn morgon och kväll och hjälp med måltider under vården hemma.",
            start_at=start,
            interventions="Biståndsbedömning: tillsyn 2 gånger/dag, matdistribution.",
        )
    if state == "agreed":
        return  # the municipality's inboxes show the unanswered requests
    karin = Staff.objects.get(user__username="karin.hsv")
    carerequests.care_request_accept(staff=karin, unit=home_health, care_request=request)
    episodes.episode_start_preparing(staff=nurse, unit=ward, episode=episode)
    for category, item, place, travels in (
        ("equipment", "Antibiotikapump", "ward", True),
        ("medicine", "Cefotaxim 1 g, 7 dagar", "ward", True),
        ("equipment", "Surfplatta för videosamtal", "home", False),
        ("sampling", "Provrör för CRP och blodstatus", "home", False),
    ):
        order = carerequests.logistics_order_add(
            staff=nurse,
            unit=ward,
            episode=episode,
            category=category,
            item=item,
            quantity=1,
            delivery_place=place,
            responsible_unit=ward,
            travels_with_patient=travels,
        )
        if state != "preparing":
            carerequests.logistics_order_advance(staff=nurse, unit=ward, order=order)
            carerequests.logistics_order_advance(staff=nurse, unit=ward, order=order)
    if state == "preparing":
        return
    careplans.agreement_mark_given(
        staff=nurse, unit=ward, agreement=Agreement.objects.get(episode=episode)
    )
    for key in (
        "medicines_packed",
        "iv_access",
        "samples_taken",
        "video_tested",
        "transport",
    ):
        episodes.checklist_item_set(staff=nurse, unit=ward, episode=episode, key=key, status="done")
    episodes.safety_bed_reserve(staff=nurse, unit=ward, episode=episode)
    episodes.episode_send_home(staff=nurse, unit=ward, episode=episode)
    if state == "readmitted":
        episodes.episode_direct_admission(
            staff=nurse, unit=ward, episode=episode, reason="Feber 39,2 och frossa, NEWS2 6."
        )
    elif state == "discharged":
        agreement = Agreement.objects.get(episode=episode)
        for criterion in agreement.versions.get(number=agreement.current_number).criteria:
            careplans.discharge_criterion_set(
                staff=nurse, unit=ward, agreement=agreement, criterion=criterion, met=True
            )
        episodes.episode_discharge(
            staff=physician,
            unit=ward,
            episode=episode,
            summary="Feberfri, CRP sjunkande, antibiotika avslutad.",
            referral_text="Kontroll av CRP och hudstatus om två veckor.",
        )


def _patient(number: str, spec: dict, units: dict, municipality: Organisation) -> Patient:
    identity = parse_personal_identity(number)
    patient = Patient.objects.filter(personal_number=identity.number).first() or Patient()
    patient.apply_identity(identity)
    patient.first_name = spec["first_name"]
    patient.last_name = spec["last_name"]
    patient.street_address = spec["street_address"]
    patient.postal_code = spec["postal_code"]
    patient.city = spec["city"]
    patient.latitude = Decimal(spec["latitude"])
    patient.longitude = Decimal(spec["longitude"])
    patient.phone = normalize_phone(spec["phone"])
    patient.listed_unit = units[spec["listed"]]
    patient.home_municipality = municipality
    patient.save()
    for unit_key in spec["team"]:
        # Any relationship counts, also one an episode has ended: a reload adds none.
        if not CareRelationship.objects.filter(patient=patient, unit=units[unit_key]).exists():
            CareRelationship.objects.create(
                patient=patient, unit=units[unit_key], basis=CareRelationship.Basis.CARE_TEAM
            )
    if any(units[key].organisation.kind == Organisation.Kind.MUNICIPALITY for key in spec["team"]):
        # The demo's shared patients have consented to region–municipality sharing.
        from hemma.patients.services import sharing_consent_record

        sharing_consent_record(staff=None, unit=None, patient=patient, note="Demo")
    for name, relation, phone in spec["kin"]:
        NextOfKin.objects.get_or_create(
            patient=patient,
            name=name,
            defaults={"relation": relation, "phone": normalize_phone(phone)},
        )
    return patient
