"""The vocabulary of a reading, shared by readings, alerts and ingest: the value fields,
their Swedish labels, NEWS2 scoring with Swedish messages, personal-threshold breaches and
the stored form of values. Reads no rows and changes nothing."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hemma.clinical import numbers
from hemma.clinical.news2 import InvalidVitals, News2Result, Vitals, news2
from hemma.errors import HemmaError

from ..models import PersonalThreshold

VALUE_FIELDS = (
    "respiration_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "diastolic_bp",
    "pulse",
    "consciousness",
    "temperature",
)


PARAMETER_LABELS = {
    "respiration_rate": gettext_lazy("Andningsfrekvens"),
    "spo2": gettext_lazy("Saturation"),
    "on_oxygen": gettext_lazy("Syrgas"),
    "systolic_bp": gettext_lazy("Systoliskt blodtryck"),
    "diastolic_bp": gettext_lazy("Diastoliskt blodtryck"),
    "pulse": gettext_lazy("Puls"),
    "consciousness": gettext_lazy("Medvetandegrad"),
    "temperature": gettext_lazy("Temperatur"),
    "spo2_scale": gettext_lazy("SpO2-skala"),
    "input": gettext_lazy("Indata"),
}


def parameter_label(name: str) -> str:
    return str(PARAMETER_LABELS.get(name, name))


def display(name: str, value) -> str:
    """A value as staff read it in an alert ("ja"/"nej" for oxygen)."""
    if name == "on_oxygen":
        return _("ja") if value else _("nej")
    if name == "consciousness":
        return str(value)
    return numbers.vital(name, value)


def threshold_breaches(values: dict, thresholds: list[PersonalThreshold]) -> list[str]:
    """Personal limits crossed, as sentences for the alert."""
    breaches = []
    for threshold in thresholds:
        value = values.get(threshold.parameter)
        if value is None:
            continue
        value = Decimal(str(value))
        label = parameter_label(threshold.parameter)
        if threshold.high is not None and value > threshold.high:
            breaches.append(
                _("Personlig gräns: %(p)s %(v)s över %(limit)s (%(why)s)")
                % {
                    "p": label,
                    "v": numbers.vital(threshold.parameter, value),
                    "limit": numbers.vital(threshold.parameter, threshold.high),
                    "why": threshold.reason,
                }
            )
        if threshold.low is not None and value < threshold.low:
            breaches.append(
                _("Personlig gräns: %(p)s %(v)s under %(limit)s (%(why)s)")
                % {
                    "p": label,
                    "v": numbers.vital(threshold.parameter, value),
                    "limit": numbers.vital(threshold.parameter, threshold.low),
                    "why": threshold.reason,
                }
            )
    return breaches


def _check_values(values: dict) -> Vitals:
    unknown = set(values) - set(VALUE_FIELDS)
    if unknown:
        raise HemmaError(_("Okänt värde: %(name)s.") % {"name": sorted(unknown)[0]})
    diastolic = values.get("diastolic_bp")
    if diastolic is not None:
        if isinstance(diastolic, bool) or not isinstance(diastolic, int | float | Decimal):
            raise HemmaError(_("Diastoliskt blodtryck måste vara ett tal."))
        if not 20 <= diastolic <= 200:
            raise HemmaError(_("Diastoliskt blodtryck ska vara mellan 20 och 200."))
        systolic = values.get("systolic_bp")
        if systolic is not None and (
            isinstance(systolic, bool) or not isinstance(systolic, int | float | Decimal)
        ):
            raise HemmaError(_("Systoliskt blodtryck måste vara ett tal."))
        if systolic is not None and diastolic >= systolic:
            raise HemmaError(_("Det diastoliska trycket ska vara lägre än det systoliska."))
    if all(values.get(name) is None for name in VALUE_FIELDS):
        raise HemmaError(_("Fyll i minst ett värde."))
    vitals = {name: values.get(name) for name in VALUE_FIELDS if name != "diastolic_bp"}
    return Vitals(**{k: v for k, v in vitals.items() if v is not None})


def score(values: dict, scale: int) -> News2Result:
    """NEWS2 of the values, with Swedish messages for what cannot be scored."""
    vitals = _check_values(values)
    try:
        return news2(Vitals(**{**vitals.__dict__, "spo2_scale": scale}))
    except InvalidVitals as error:
        ranges = {
            "respiration_rate": "0–80",
            "spo2": "0–100",
            "systolic_bp": "30–300",
            "pulse": "0–300",
            "temperature": "25–45",
        }
        if error.parameter in ranges:
            raise HemmaError(
                _("%(p)s ska vara ett tal mellan %(range)s.")
                % {"p": parameter_label(error.parameter), "range": ranges[error.parameter]}
            ) from None
        raise HemmaError(
            _("Ogiltigt värde för %(p)s.") % {"p": parameter_label(error.parameter)}
        ) from None


def stored_values(values: dict) -> dict:
    """Whole numbers for the integer vitals, one decimal for temperature (as stored)."""
    stored = {}
    for name in VALUE_FIELDS:
        value = values.get(name)
        if value is None:
            continue
        if name == "temperature":
            value = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        elif name not in ("on_oxygen", "consciousness"):
            value = int(Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
        stored[name] = value
    return stored


def given(values: dict, scale: int) -> dict:
    """A reading's values alone checked (a bad value stores nothing) and rounded as the
    database stores them, so the NEWS2 is computed on exactly what staff will see."""
    score(values, scale)
    return stored_values({k: v for k, v in values.items() if v not in (None, "")})
