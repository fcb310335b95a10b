"""A stored lab result as a FHIR R4 laboratory Observation (`Observation/lab-<n>`), for
the read (lab_observations.py), the Observation search and `$everything` (selectors.py).
Pure rendering: the caller has applied the policy and the blocks."""

from hemma.clinical import labs as catalogue
from hemma.monitoring.fhir_observation import CATEGORY_SYSTEM, LOINC, UCUM

from . import resources

LABORATORY = "laboratory"
ID_PREFIX = "lab-"
# The columns of a LabResult the search renders (read as tuples, as the vital-sign sets).
COLUMNS = (
    "pk",
    "episode_id",
    "analyte",
    "value",
    "taken_at",
    "created_at",
    "fhir_system",
    "fhir_value",
)


def analytes_of_codes(codes) -> set[str]:
    """The catalogue's analytes with one of these LOINC codes (a search's code=)."""
    return {catalogue.BY_LOINC[code].code for code in codes if code in catalogue.BY_LOINC}


def lab_observation(result, patient) -> dict:
    """A stored lab result (a LabResult or a row with its COLUMNS) as a laboratory
    Observation."""
    analyte = catalogue.CATALOGUE[result.analyte]
    body = {
        "resourceType": "Observation",
        "id": f"{ID_PREFIX}{result.pk}",
        "meta": {"lastUpdated": resources.instant(result.created_at)},
        "status": "final",
        "category": [
            {"coding": [{"system": CATEGORY_SYSTEM, "code": LABORATORY, "display": "Laboratory"}]}
        ],
        "code": {
            "coding": [{"system": LOINC, "code": analyte.loinc[0], "display": analyte.name}],
            "text": analyte.name,
        },
        "subject": resources.patient_reference(patient),
        "encounter": {"reference": f"Encounter/{result.episode_id}"},
        "effectiveDateTime": resources.instant(result.taken_at),
        "issued": resources.instant(result.created_at),
        "valueQuantity": {
            "value": float(result.value) if result.value % 1 else int(result.value),
            "unit": analyte.unit,
            "system": UCUM,
            "code": analyte.ucum,
        },
    }
    if result.fhir_value:
        body["identifier"] = [{"system": result.fhir_system, "value": result.fhir_value}]
    return body
