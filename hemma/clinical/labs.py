"""Lab results at home: the catalogue of analytes Hemma records, the plausibility check of a
value, and the trend rule a discharge criterion like "CRP sjunkande 48 h" is checked by.
Pure Python, no Django.

The catalogue is fixed: each analyte has its Swedish name, the unit Hemma stores (as shown
and as UCUM), the LOINC codes a FHIR laboratory Observation may carry for it (the first is
the one Hemma answers with), the plausible range – a value outside it is a typo or a
wrong unit, never a result, and is refused – and the decimals kept.

The trend rule (`falling_trend`): among the analyte's values taken within the last
`hours` (default 48) before now, there must be at least two; the criterion is met when the
latest is lower than the first of them **and** at most `FALLING_FRACTION` (75 %) of the
highest of them – a fall of at least a quarter from the peak, so a value that wobbles down
by a few mg/L does not count. Fewer than two values in the window (older values do not
count) is "insufficient", anything else "not met".
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
FALLING_FRACTION = Decimal("0.75")
DEFAULT_TREND_HOURS = 48


@dataclass(frozen=True)
class Analyte:
    code: str  # Hemma's key, stored on the result
    name: str  # Swedish, as the ward writes it
    unit: str  # as shown
    ucum: str  # as FHIR sends it (valueQuantity.code)
    loinc: tuple[str, ...]  # accepted LOINC codes, the first is Hemma's own
    low: Decimal  # plausible range, inclusive
    high: Decimal
    decimals: int
    aliases: tuple[str, ...] = ()  # other names a criterion may use (lower case)


def _d(text: str) -> Decimal:
    return Decimal(text)


CATALOGUE: dict[str, Analyte] = {
    a.code: a
    for a in (
        Analyte("crp", "CRP", "mg/L", "mg/L", ("1988-5",), _d("0"), _d("700"), 0),
        Analyte("hb", "Hb", "g/L", "g/L", ("718-7",), _d("20"), _d("250"), 0, ("hemoglobin",)),
        Analyte(
            "lpk",
            "LPK",
            "×10⁹/L",
            "10*9/L",
            ("6690-2",),
            _d("0"),
            _d("500"),
            1,
            ("leukocyter", "wbc", "vita"),
        ),
        Analyte(
            "tpk", "TPK", "×10⁹/L", "10*9/L", ("777-3",), _d("1"), _d("2000"), 0, ("trombocyter",)
        ),
        Analyte(
            "kreatinin",
            "Kreatinin",
            "µmol/L",
            "umol/L",
            ("2160-0", "14682-9"),
            _d("10"),
            _d("3000"),
            0,
            ("krea",),
        ),
        Analyte(
            "natrium", "Natrium", "mmol/L", "mmol/L", ("2951-2",), _d("100"), _d("180"), 0, ("na",)
        ),
        Analyte(
            "kalium", "Kalium", "mmol/L", "mmol/L", ("2823-3",), _d("1.5"), _d("9.0"), 1, ("k",)
        ),
        Analyte(
            "laktat", "Laktat", "mmol/L", "mmol/L", ("2524-7", "32693-4"), _d("0"), _d("30"), 1
        ),
        Analyte(
            "pct",
            "Prokalcitonin",
            "µg/L",
            "ug/L",
            ("33959-8",),
            _d("0"),
            _d("1000"),
            2,
            ("pct",),
        ),
    )
}
BY_LOINC: dict[str, Analyte] = {code: a for a in CATALOGUE.values() for code in a.loinc}


def analyte_for(code: str) -> Analyte | None:
    return CATALOGUE.get(code)


class ValueProblem(StrEnum):
    UNKNOWN = "unknown"  # no such analyte
    LOW = "low"  # below the plausible range
    HIGH = "high"  # above it
    PRECISION = "precision"  # more decimals than the analyte is reported with


def value_problem(code: str, value: Decimal) -> ValueProblem | None:
    """Why a value cannot be a result of this analyte, or None."""
    analyte = CATALOGUE.get(code)
    if analyte is None:
        return ValueProblem.UNKNOWN
    if value < analyte.low:
        return ValueProblem.LOW
    if value > analyte.high:
        return ValueProblem.HIGH
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > max(analyte.decimals, 0) + 1:
        return ValueProblem.PRECISION
    return None


# --- the trend a discharge criterion can reference ----------------------------------------


class Verdict(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    INSUFFICIENT = "insufficient"


@dataclass(frozen=True)
class Trend:
    verdict: Verdict
    first: Decimal | None = None  # the first and latest value within the window
    latest: Decimal | None = None
    peak: Decimal | None = None
    count: int = 0  # values within the window


def falling_trend(
    values: list[tuple[datetime, Decimal]],
    now: datetime,
    hours: int = DEFAULT_TREND_HOURS,
    fraction: Decimal = FALLING_FRACTION,
) -> Trend:
    """The rule in the module's docstring: `values` are (taken at, value) in any order."""
    since = now - timedelta(hours=hours)
    window = sorted((at, value) for at, value in values if since <= at <= now)
    if len(window) < 2:
        latest = window[-1][1] if window else None
        return Trend(Verdict.INSUFFICIENT, latest=latest, count=len(window))
    first, latest = window[0][1], window[-1][1]
    peak = max(value for _at, value in window)
    met = latest < first and latest <= peak * fraction
    return Trend(Verdict.MET if met else Verdict.NOT_MET, first, latest, peak, len(window))


@dataclass(frozen=True)
class LabCriterion:
    """A discharge criterion that names a lab trend: the analyte must fall over `hours`."""

    analyte: Analyte
    hours: int


_CRITERION = re.compile(
    r"^\s*(?P<name>[^\s]+)\s+sjunkande"
    r"(?:\s+(?:över|under|på|inom)?\s*(?P<hours>\d{1,3})\s*(?:h|tim|timmar)\.?)?\s*$",
    re.IGNORECASE,
)


def lab_criterion(text: str) -> LabCriterion | None:
    """'CRP sjunkande', 'CRP sjunkande 48 h', 'Prokalcitonin sjunkande över 72 timmar' →
    the rule to check it by; any other criterion → None (ticked by hand only)."""
    match = _CRITERION.match(text or "")
    if match is None:
        return None
    name = match["name"].lower()
    for analyte in CATALOGUE.values():
        if name in (analyte.code, analyte.name.lower(), *analyte.aliases):
            hours = int(match["hours"]) if match["hours"] else DEFAULT_TREND_HOURS
            if not 1 <= hours <= 24 * 14:
                return None
            return LabCriterion(analyte, hours)
    return None


def format_value(value: Decimal) -> str:
    """A value as the ward writes it: no trailing zeros, a decimal comma (4,1; 112)."""
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")
