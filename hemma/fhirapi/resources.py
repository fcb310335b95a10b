"""Hemma's records as FHIR R4 resources (JSON dicts), read top to bottom by an integrator.

Identifiers use the Swedish OIDs: personnummer 1.2.752.129.2.1.3.1, samordningsnummer
1.2.752.129.2.1.3.3, HSA-id 1.2.752.29.4.19. Vital signs follow the FHIR vital-signs
profile (LOINC, UCUM); the NEWS2 total is coded in SNOMED CT (1104051000000101, Royal
College of Physicians NEWS2 total score) with one component per scored parameter.

An ObservationSet (the values measured together) becomes one Observation per parameter
and one NEWS2 Observation; their ids are `<set id>-<part>`, e.g. `812-pulse`."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

PERSONNUMMER = "urn:oid:1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER = "urn:oid:1.2.752.129.2.1.3.3"
HSA_ID = "urn:oid:1.2.752.29.4.19"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
NEWS2_CODE = "1104051000000101"
NEWS2_COMPONENT_SYSTEM = "https://hemma.se/fhir/CodeSystem/news2-parameter"

# part of the Observation id → (LOINC code, display, ObservationSet field, UCUM unit)
VITAL_PARTS = {
    "respiration-rate": ("9279-1", "Respiratory rate", "respiration_rate", "/min"),
    "spo2": ("59408-5", "Oxygen saturation by pulse oximetry", "spo2", "%"),
    "pulse": ("8867-4", "Heart rate", "pulse", "/min"),
    "temperature": ("8310-5", "Body temperature", "temperature", "Cel"),
}
BP_PART = "blood-pressure"
NEWS2_PART = "news2"
BP_CODES = ("85354-9", "Blood pressure panel with all children optional")
BP_COMPONENTS = (
    ("8480-6", "Systolic blood pressure", "systolic_bp"),
    ("8462-4", "Diastolic blood pressure", "diastolic_bp"),
)
# LOINC code → the Observation-id parts it finds (a code search).
PARTS_BY_CODE = {
    **{code: part for part, (code, *_rest) in VITAL_PARTS.items()},
    "2708-6": "spo2",
    BP_CODES[0]: BP_PART,
    "8480-6": BP_PART,
    "8462-4": BP_PART,
    NEWS2_CODE: NEWS2_PART,
}
# Observation-id part → the ObservationSet field that must be set for the part to exist.
FIELD_OF_PART = {
    **{part: field for part, (_c, _d, field, _u) in VITAL_PARTS.items()},
    BP_PART: "systolic_bp",
    NEWS2_PART: None,
}

ENCOUNTER_STATUS = {
    "candidate": "planned",
    "assessed": "planned",
    "agreed": "planned",
    "preparing": "planned",
    "at_home": "in-progress",
    "readmitted": "finished",  # the home episode ended with a return to the ward
    "discharged": "finished",
    "cancelled": "cancelled",
    "died": "finished",
    "transferred": "finished",
}


def instant(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def _clean(resource: dict) -> dict:
    """FHIR forbids empty values: drop None, empty strings, lists and objects."""
    cleaned = {}
    for key, value in resource.items():
        if isinstance(value, dict):
            value = _clean(value)
        elif isinstance(value, list):
            value = [_clean(v) if isinstance(v, dict) else v for v in value]
            value = [v for v in value if v not in (None, "", {}, [])]
        if value not in (None, "", {}, []):
            cleaned[key] = value
    return cleaned


def unit_reference(unit) -> dict:
    return {"identifier": {"system": HSA_ID, "value": unit.hsa_id}, "display": unit.name}


def patient_reference(patient) -> dict:
    return {"reference": f"Patient/{patient.pk}", "display": patient.full_name}


def patient(patient) -> dict:
    system = PERSONNUMMER if patient.identity_kind == "personnummer" else SAMORDNINGSNUMMER
    return _clean(
        {
            "resourceType": "Patient",
            "id": str(patient.pk),
            "meta": {"lastUpdated": instant(patient.updated_at)},
            "identifier": [{"system": system, "value": patient.personal_number}],
            "active": True,
            "name": [
                {
                    "use": "official",
                    "family": patient.last_name,
                    "given": [patient.first_name],
                    "text": patient.full_name,
                }
            ],
            "telecom": [{"system": "phone", "value": patient.phone}] if patient.phone else [],
            "gender": patient.sex if patient.sex in ("female", "male") else "unknown",
            "birthDate": patient.birth_date.isoformat(),
            "address": [
                {
                    "use": "home",
                    "line": [patient.street_address],
                    "postalCode": patient.postal_code,
                    "city": patient.city,
                    "country": "SE",
                }
            ]
            if patient.street_address or patient.city
            else [],
            "communication": [{"language": {"text": patient.preferred_language}}],
        }
    )


def encounter(episode, safety_place: str | None = None) -> dict:
    """A hospital-at-home episode: class HH (home health), status from the episode's
    state, the owning ward as service provider, the reserved safety place as location."""
    period_start = episode.at_home_since
    return _clean(
        {
            "resourceType": "Encounter",
            "id": str(episode.pk),
            "meta": {"versionId": str(episode.version)},
            "status": ENCOUNTER_STATUS.get(episode.state, "unknown"),
            "class": {"system": ACT_CODE, "code": "HH", "display": "home health"},
            "type": [{"text": episode.get_pathway_display()}],
            "subject": patient_reference(episode.patient),
            "period": {
                "start": instant(period_start),
                "end": instant(episode.ended_at) if period_start else None,
            },
            "serviceProvider": unit_reference(episode.ward),
            "location": [{"location": {"display": safety_place}, "status": "reserved"}]
            if safety_place
            else [],
        }
    )


def _present(value) -> bool:
    """What _clean keeps: not None, an empty string, list or object."""
    return value not in (None, "", {}, [])


def _local_instant(moment: datetime | None, zone) -> str | None:
    """instant() with the current time zone looked up once by the caller."""
    if moment is None or moment.utcoffset() is None:
        return instant(moment)  # None, or a naive value: localtime's own error
    return moment.astimezone(zone).isoformat(timespec="seconds")


def observation_common(observation_set, patient) -> dict:
    """What every Observation of one set shares, already clean: compute it once per set
    and pass it to observation() for each of the set's parts."""
    zone = timezone.get_current_timezone()
    return {
        "pk": observation_set.pk,
        "received": _local_instant(observation_set.received_at, zone),
        "effective": _local_instant(observation_set.measured_at, zone),
        "subject": {k: v for k, v in patient_reference(patient).items() if _present(v)},
        "encounter": f"Encounter/{observation_set.episode_id}",
    }


def _observation_base(common: dict, part: str) -> dict:
    """The fields every Observation has, in their fixed order, without empty values
    (what _clean would leave of them)."""
    pk, received = common["pk"], common["received"]
    resource = {"resourceType": "Observation", "id": f"{pk}-{part}"}
    if _present(received):
        resource["meta"] = {"lastUpdated": received}
    resource["identifier"] = [
        {"system": "urn:ietf:rfc:3986", "value": f"urn:hemma:observation-set:{pk}"}
    ]
    resource["status"] = "final"
    if common["subject"]:
        resource["subject"] = dict(common["subject"])
    resource["encounter"] = {"reference": common["encounter"]}
    if _present(common["effective"]):
        resource["effectiveDateTime"] = common["effective"]
    if _present(received):
        resource["issued"] = received
    return resource


def _vital_signs_category() -> list[dict]:
    return [
        {
            "coding": [
                {"system": OBSERVATION_CATEGORY, "code": "vital-signs", "display": "Vital Signs"}
            ]
        }
    ]


def _quantity(value, unit: str) -> dict:
    return {"value": _number(value), "unit": unit, "system": UCUM, "code": unit}


def _news2_component(name, score) -> dict | None:
    if name and score is not None:  # the usual case, clean as it is
        return {
            "code": {"coding": [{"system": NEWS2_COMPONENT_SYSTEM, "code": name}]},
            "valueInteger": score,
        }
    item = _clean(
        {
            "code": {"coding": [{"system": NEWS2_COMPONENT_SYSTEM, "code": name}]},
            "valueInteger": score,
        }
    )
    return item if _present(item) else None


def observation(observation_set, part: str, patient, common: dict | None = None) -> dict | None:
    """One part of a set as an Observation, or None when the set has no such value.
    `common`: observation_common() of the set and patient, when several parts are built."""
    if part in VITAL_PARTS:
        code, display, field, unit = VITAL_PARTS[part]
        value = getattr(observation_set, field)
        if value is None:
            return None
        resource = _observation_base(common or observation_common(observation_set, patient), part)
        resource["category"] = _vital_signs_category()
        resource["code"] = {"coding": [{"system": LOINC, "code": code, "display": display}]}
        resource["valueQuantity"] = _quantity(value, unit)
        return resource
    if part == BP_PART:
        if observation_set.systolic_bp is None:
            return None
        resource = _observation_base(common or observation_common(observation_set, patient), part)
        resource["category"] = _vital_signs_category()
        resource["code"] = {
            "coding": [{"system": LOINC, "code": BP_CODES[0], "display": BP_CODES[1]}]
        }
        components = []
        for code, display, field in BP_COMPONENTS:
            value = getattr(observation_set, field)
            coding = {"coding": [{"system": LOINC, "code": code, "display": display}]}
            if value is not None:
                components.append({"code": coding, "valueQuantity": _quantity(value, "mm[Hg]")})
            else:
                components.append({"code": coding, "dataAbsentReason": {"text": "not measured"}})
        resource["component"] = components
        return resource
    if part == NEWS2_PART:
        resource = _observation_base(common or observation_common(observation_set, patient), part)
        resource["category"] = [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}]
        resource["code"] = {
            "coding": [
                {
                    "system": SNOMED,
                    "code": NEWS2_CODE,
                    "display": "Royal College of Physicians NEWS2 total score",
                }
            ],
            "text": "NEWS2",
        }
        if _present(observation_set.news2_total):
            resource["valueInteger"] = observation_set.news2_total
        if _present(observation_set.news2_level):
            resource["interpretation"] = [{"text": observation_set.news2_level}]
        if not observation_set.news2_complete:
            resource["note"] = [
                {"text": "incomplete set: " + ", ".join(observation_set.news2_missing)}
            ]
        derived = [
            {"reference": f"Observation/{observation_set.pk}-{p}"}
            for p in observation_parts(observation_set)
            if p != NEWS2_PART
        ]
        if derived:
            resource["derivedFrom"] = derived
        components = [
            item
            for name, score in sorted(observation_set.news2_scores.items())
            if (item := _news2_component(name, score)) is not None
        ]
        if components:
            resource["component"] = components
        return resource
    return None


def observation_parts(observation_set) -> list[str]:
    """The Observation-id parts this set has, NEWS2 last."""
    parts = [
        p
        for p, field in FIELD_OF_PART.items()
        if field and getattr(observation_set, field) is not None
    ]
    return [*parts, NEWS2_PART]


def observations(observation_set, patient, parts: set[str] | None = None) -> list[dict]:
    return [
        resource
        for part in observation_parts(observation_set)
        if parts is None or part in parts
        if (resource := observation(observation_set, part, patient)) is not None
    ]
