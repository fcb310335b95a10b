"""NEWS2, the National Early Warning Score 2 (Royal College of Physicians, 2017). Pure Python.

Bands from RCP Chart 1, clinical risk and response from Charts 3–4 (see DESIGN.md,
"Clinical rules"). Scores what is present: a set without all seven parameters is
*incomplete* and lists what is missing; it must never be presented as "low". A 3 in any
single parameter still counts, however incomplete the set.

Source: Royal College of Physicians. National Early Warning Score (NEWS) 2:
Standardising the assessment of acute-illness severity in the NHS. London: RCP, 2017.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

PARAMETERS = (
    "respiration_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
)
CONSCIOUSNESS_LEVELS = ("A", "C", "V", "P", "U")

LOW, LOW_MEDIUM, MEDIUM, HIGH = "low", "low_medium", "medium", "high"

# RCP Chart 4: response per clinical risk. "zero" is the low band with a total of 0.
RESPONSES = {
    "zero": {
        "frequency": "Minimum 12-hourly",
        "response": "Continue routine NEWS monitoring.",
    },
    LOW: {
        "frequency": "Minimum 4–6-hourly",
        "response": "Inform registered nurse, who must assess the patient and decide whether "
        "increased frequency of monitoring and/or escalation of care is required.",
    },
    LOW_MEDIUM: {
        "frequency": "Minimum 1-hourly",
        "response": "Registered nurse to inform medical team caring for the patient, who "
        "will review and decide whether escalation of care is necessary.",
    },
    MEDIUM: {
        "frequency": "Minimum 1-hourly",
        "response": "Registered nurse to immediately inform the medical team caring for the "
        "patient; urgent assessment by a clinician or team with core competencies in the "
        "care of acutely ill patients.",
    },
    HIGH: {
        "frequency": "Continuous monitoring of vital signs",
        "response": "Registered nurse to immediately inform the medical team – at least at "
        "specialist registrar level; emergency assessment by a team with critical care "
        "competencies; consider transfer to a higher level of care.",
    },
}


class InvalidVitals(ValueError):
    """A value that cannot be scored (wrong type, or outside what a body can have)."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Vitals:
    respiration_rate: float | None = None
    spo2: float | None = None
    spo2_scale: int = 1
    on_oxygen: bool | None = None
    systolic_bp: float | None = None
    pulse: float | None = None
    consciousness: str | None = None
    temperature: float | None = None


@dataclass(frozen=True)
class News2Result:
    total: int
    per_parameter: dict[str, int]
    any_single_3: bool
    level: str
    complete: bool
    missing: list[str] = field(default_factory=list)
    spo2_scale: int = 1

    @property
    def response_key(self) -> str:
        return "zero" if self.level == LOW and self.total == 0 else self.level

    @property
    def frequency(self) -> str:
        return RESPONSES[self.response_key]["frequency"]

    @property
    def response(self) -> str:
        return RESPONSES[self.response_key]["response"]

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "per_parameter": self.per_parameter,
            "any_single_3": self.any_single_3,
            "level": self.level,
            "complete": self.complete,
            "missing": self.missing,
            "spo2_scale": self.spo2_scale,
            "monitoring_frequency": self.frequency,
            "response": self.response,
        }


def _whole(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _tenth(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def score_respiration_rate(rate: float) -> int:
    rate = _whole(rate)
    if rate <= 8:
        return 3
    if rate <= 11:
        return 1
    if rate <= 20:
        return 0
    if rate <= 24:
        return 2
    return 3


def score_spo2_scale_1(spo2: float) -> int:
    spo2 = _whole(spo2)
    if spo2 <= 91:
        return 3
    if spo2 <= 93:
        return 2
    if spo2 <= 95:
        return 1
    return 0


def score_spo2_scale_2(spo2: float, on_oxygen: bool) -> int:
    """Scale 2 (confirmed hypercapnic respiratory failure, set by a physician): 88–92 % is
    the target; above 92 % scores only on oxygen."""
    spo2 = _whole(spo2)
    if spo2 <= 83:
        return 3
    if spo2 <= 85:
        return 2
    if spo2 <= 87:
        return 1
    if spo2 <= 92 or not on_oxygen:
        return 0
    if spo2 <= 94:
        return 1
    if spo2 <= 96:
        return 2
    return 3


def score_air_or_oxygen(on_oxygen: bool) -> int:
    return 2 if on_oxygen else 0


def score_systolic_bp(systolic: float) -> int:
    systolic = _whole(systolic)
    if systolic <= 90:
        return 3
    if systolic <= 100:
        return 2
    if systolic <= 110:
        return 1
    if systolic <= 219:
        return 0
    return 3


def score_pulse(pulse: float) -> int:
    pulse = _whole(pulse)
    if pulse <= 40:
        return 3
    if pulse <= 50:
        return 1
    if pulse <= 90:
        return 0
    if pulse <= 110:
        return 1
    if pulse <= 130:
        return 2
    return 3


def score_consciousness(level: str) -> int:
    return 0 if level == "A" else 3


def score_temperature(temperature: float) -> int:
    temperature = _tenth(temperature)
    if temperature <= Decimal("35.0"):
        return 3
    if temperature <= Decimal("36.0"):
        return 1
    if temperature <= Decimal("38.0"):
        return 0
    if temperature <= Decimal("39.0"):
        return 1
    return 2


def clinical_risk(total: int, any_single_3: bool) -> str:
    """RCP Chart 3: 7+ high, 5–6 medium, a single 3 low-medium, otherwise low."""
    if total >= 7:
        return HIGH
    if total >= 5:
        return MEDIUM
    if any_single_3:
        return LOW_MEDIUM
    return LOW


# Plausible ranges: outside them the value is a typing or device error, not a patient.
PLAUSIBLE = {
    "respiration_rate": (0, 80),
    "spo2": (0, 100),
    "systolic_bp": (30, 300),
    "pulse": (0, 300),
    "temperature": (25, 45),
}


def _number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InvalidVitals(name, "must be a number")
    low, high = PLAUSIBLE[name]
    if not low <= value <= high:
        raise InvalidVitals(name, f"must be between {low} and {high}")
    return float(value)


def validate(vitals: Vitals) -> None:
    for name in PLAUSIBLE:
        value = getattr(vitals, name)
        if value is not None:
            _number(name, value)
    if vitals.spo2_scale not in (1, 2):
        raise InvalidVitals("spo2_scale", "must be 1 or 2")
    if vitals.on_oxygen is not None and not isinstance(vitals.on_oxygen, bool):
        raise InvalidVitals("on_oxygen", "must be true or false")
    if vitals.consciousness is not None and vitals.consciousness not in CONSCIOUSNESS_LEVELS:
        raise InvalidVitals("consciousness", "must be one of A, C, V, P, U")


def news2(vitals: Vitals) -> News2Result:
    """Score the parameters present. `level` is computed from them; `complete` says whether
    all seven were there, `missing` which were not."""
    validate(vitals)
    scores: dict[str, int] = {}
    if vitals.respiration_rate is not None:
        scores["respiration_rate"] = score_respiration_rate(vitals.respiration_rate)
    if vitals.spo2 is not None:
        if vitals.spo2_scale == 2:
            scores["spo2"] = score_spo2_scale_2(vitals.spo2, bool(vitals.on_oxygen))
        else:
            scores["spo2"] = score_spo2_scale_1(vitals.spo2)
    if vitals.on_oxygen is not None:
        scores["on_oxygen"] = score_air_or_oxygen(vitals.on_oxygen)
    if vitals.systolic_bp is not None:
        scores["systolic_bp"] = score_systolic_bp(vitals.systolic_bp)
    if vitals.pulse is not None:
        scores["pulse"] = score_pulse(vitals.pulse)
    if vitals.consciousness is not None:
        scores["consciousness"] = score_consciousness(vitals.consciousness)
    if vitals.temperature is not None:
        scores["temperature"] = score_temperature(vitals.temperature)
    total = sum(scores.values())
    any_single_3 = any(score == 3 for score in scores.values())
    missing = [name for name in PARAMETERS if name not in scores]
    return News2Result(
        total=total,
        per_parameter=scores,
        any_single_3=any_single_3,
        level=clinical_risk(total, any_single_3),
        complete=not missing,
        missing=missing,
        spo2_scale=vitals.spo2_scale,
    )


def vitals_from_dict(data: dict) -> Vitals:
    """Build Vitals from the CLI/API JSON keys; unknown keys are an error."""
    if not isinstance(data, dict):
        raise InvalidVitals("input", "must be a JSON object")
    known = set(Vitals.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidVitals(unknown[0], "unknown key")
    values = {key: data[key] for key in known if data.get(key) is not None}
    if "consciousness" in values and isinstance(values["consciousness"], str):
        values["consciousness"] = values["consciousness"].strip().upper()
    return Vitals(**values)
