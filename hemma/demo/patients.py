"""The demo's fictive patients (Skatteverket's test personnummer): identity and address,
care team, consent to region–municipality sharing, next of kin. Idempotent."""

from decimal import Decimal

from hemma.accounts.models import Organisation
from hemma.clinical.identifiers import normalize_phone, parse_personal_identity
from hemma.patients.models import CareRelationship, NextOfKin, Patient
from hemma.patients.services import sharing_consent_record


def patient_ensure(number: str, spec: dict, units: dict, municipality: Organisation) -> Patient:
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
        sharing_consent_record(staff=None, unit=None, patient=patient, note="Demo")
    for name, relation, phone in spec["kin"]:
        NextOfKin.objects.get_or_create(
            patient=patient,
            name=name,
            defaults={"relation": relation, "phone": normalize_phone(phone)},
        )
    return patient
