"""Loading the demo region. Idempotent: running it again updates, never duplicates."""

from dataclasses import dataclass
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
    """Demo episodes in different states, created through the real services (once)."""
    from hemma.episodes import services as episodes
    from hemma.episodes.models import Episode

    ward, home_health = units["ward"], units["home_health"]
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
            home_health_unit=home_health,
        )
        if target["state"] == "candidate":
            continue
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
        if target["state"] == "assessed":
            continue
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
        episodes.episode_mark_agreed(staff=nurse, unit=ward, episode=episode)
        episodes.episode_start_preparing(staff=nurse, unit=ward, episode=episode)
        if target["state"] == "preparing":
            continue
        for key in (
            "agreement_given",
            "care_request_accepted",
            "medicines_packed",
            "iv_access",
            "samples_taken",
            "video_tested",
            "transport",
        ):
            episodes.checklist_item_set(
                staff=nurse, unit=ward, episode=episode, key=key, status="done"
            )
        episodes.safety_bed_reserve(staff=nurse, unit=ward, episode=episode)
        episodes.episode_send_home(staff=nurse, unit=ward, episode=episode)


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
        CareRelationship.objects.get_or_create(
            patient=patient,
            unit=units[unit_key],
            ended_at=None,
            defaults={"basis": CareRelationship.Basis.CARE_TEAM},
        )
    for name, relation, phone in spec["kin"]:
        NextOfKin.objects.get_or_create(
            patient=patient,
            name=name,
            defaults={"relation": relation, "phone": normalize_phone(phone)},
        )
    return patient
