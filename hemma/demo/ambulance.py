"""The demo's ambulance consents: Lisa (at home) and the patient being prepared for home
have consented to the ambulance being informed, recorded by the ward (so Ambulans-
sjukvården Falun – olle.amb – lists Lisa, and the other patient once at home). Idempotent:
the service returns an active consent as it is."""

from hemma.accounts.models import Staff
from hemma.patients.services import ambulance_consent_record

AMBULANCE_CONSENTS = ("193805089145", "194004019180")


def ambulance_consents_ensure(patients: dict, units: dict, nurse: Staff) -> None:
    for number in AMBULANCE_CONSENTS:
        patient = patients.get(number)
        if patient is not None:
            ambulance_consent_record(staff=nurse, unit=units["ward"], patient=patient, note="Demo")
