"""Medication at home as FHIR R4 resources: each item of the episode's medication list is a
MedicationRequest (every version's items; those of an older version are `stopped`), and
each recorded dose a MedicationAdministration (given or delayed: `completed`; not given:
`not-done` with the reason). Planned doses are not administrations: they are the
MedicationRequest's timing. The mapping is written out in docs/medication.md."""

import re

from django.utils import timezone

from .case_resources import ROUTES, SNOMED
from .resources import _clean, instant, patient_reference

LIST_SYSTEM = "urn:hemma:medication-list"


def _route(route: str, label: str) -> dict:
    coded = ROUTES.get(route)
    return {
        "coding": [{"system": SNOMED, "code": coded[0], "display": coded[1]}] if coded else [],
        "text": label,
    }


def _time_of_day(value: str) -> str:
    return "00:00:00" if value == "24:00" else f"{value}:00"


def medication_request(item, current_number: int) -> dict:
    version = item.version
    episode = version.episode
    today = timezone.localdate()
    if version.number != current_number:
        status = "stopped"  # superseded by a later version of the list
    elif item.ends_on is not None and item.ends_on < today:
        status = "completed"
    else:
        status = "active"
    times = [t.strip() for t in item.times.split(",") if t.strip()]
    return _clean(
        {
            "resourceType": "MedicationRequest",
            "id": str(item.pk),
            "status": status,
            "intent": "order",
            "category": [{"text": "antibiotika"}] if item.is_antibiotic else [],
            "medicationCodeableConcept": {"text": item.drug},
            "subject": patient_reference(episode.patient),
            "encounter": {"reference": f"Encounter/{episode.pk}"},
            "authoredOn": instant(version.created_at),
            "requester": {
                "reference": f"Practitioner/{version.created_by_id}",
                "display": version.created_by.display_name,
            },
            "groupIdentifier": {"system": LIST_SYSTEM, "value": f"{episode.pk}-{version.number}"},
            "reasonCode": [{"text": version.reason}],
            "note": [{"text": item.note}] if item.note else [],
            "dosageInstruction": [
                {
                    "text": f"{item.dose}, {item.times or 'vid behov'}",
                    "asNeededBoolean": True if not times else None,
                    "timing": {
                        "repeat": {
                            "timeOfDay": [_time_of_day(t) for t in times],
                            "boundsPeriod": {
                                "start": item.starts_on.isoformat(),
                                "end": item.ends_on.isoformat() if item.ends_on else None,
                            },
                        }
                    }
                    if times
                    else None,
                    "route": _route(item.route, item.get_route_display()),
                    "doseAndRate": [{"type": {"text": item.dose}}],
                    "patientInstruction": "Patienten sköter pumpen själv"
                    if item.self_administered
                    else None,
                }
            ],
        }
    )


def medication_administration(dose) -> dict:
    episode = dose.episode
    not_given = dose.status == "not_given"
    if dose.by_patient:
        actor = patient_reference(episode.patient)
    else:
        actor = {
            "reference": f"Practitioner/{dose.recorded_by_id}",
            "display": dose.recorded_by.display_name,
        }
    planned = timezone.localtime(dose.due_at).strftime("%Y-%m-%d %H:%M")
    return _clean(
        {
            "resourceType": "MedicationAdministration",
            "id": str(dose.pk),
            "status": "not-done" if not_given else "completed",
            "statusReason": [{"text": dose.reason}] if not_given else [],
            "medicationCodeableConcept": {"text": dose.drug},
            "subject": patient_reference(episode.patient),
            "context": {"reference": f"Encounter/{episode.pk}"},
            "effectiveDateTime": instant(dose.due_at if not_given else dose.given_at),
            "performer": [{"actor": actor}],
            "request": {"reference": f"MedicationRequest/{dose.item_id}"},
            "note": [
                {
                    "text": f"Planerad {planned}"
                    + (" – försenad" if dose.status == "delayed" else "")
                    + ("" if DOSE_AMOUNT.fullmatch(dose.dose.strip()) else f" – dos: {dose.dose}")
                }
            ],
            # R4's mad-1: a dosage needs a dose or a rate, so a dose written in words
            # ("1 tablett") goes to the text of a note instead of a dosage.
            "dosage": _dosage(dose),
        }
    )


DOSE_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(g|mg|mikrog|µg|ml|mL|E|IE)")
UCUM = {"g": "g", "mg": "mg", "mikrog": "ug", "µg": "ug", "ml": "mL", "mL": "mL"}
UCUM |= {"E": "[iU]", "IE": "[iU]"}


def _dosage(dose) -> dict | None:
    """The dose as a SimpleQuantity (UCUM) when it is an amount and a unit, like "1 g"."""
    match = DOSE_AMOUNT.fullmatch(dose.dose.strip())
    if match is None:
        return None
    amount = float(match[1].replace(",", "."))
    return {
        "text": dose.dose,
        "route": _route(dose.route, dose.get_route_display()),
        "dose": {
            "value": int(amount) if amount.is_integer() else amount,
            "unit": match[2],
            "system": "http://unitsofmeasure.org",
            "code": UCUM[match[2]],
        },
    }
