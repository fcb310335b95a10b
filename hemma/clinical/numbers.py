"""Numbers as Swedish readers expect them, in one place for templates, charts and exports:
a decimal comma, thousands grouped with a no-break space (U+00A0, the separator of
CLDR's sv locale, so the browser's `Intl.NumberFormat("sv-SE")` agrees and screen readers
read one number), a real minus sign (U+2212), a no-break space before "%" and "kr".
Rounding is half up, like the strategists' spreadsheets (2,25 → 2,3; 0,5 kr → 1 kr).
Nothing here knows Django; `None`, NaN and infinity are shown as "–" (no value)."""

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

GROUP = "\u00a0"  # thousands separator: no-break space
UNIT_SPACE = "\u00a0"  # between a number and "%" or "kr"
MINUS = "\u2212"
MISSING = "–"


def _exact(value) -> Decimal | None:
    """The value as a Decimal (floats through their shortest repr), None for no number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        value = value.strip().replace(MINUS, "-").replace(",", ".")
    try:
        exact = Decimal(value if isinstance(value, int | Decimal | str) else str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError(f"not a number: {value!r}") from None
    return exact if exact.is_finite() else None


def _grouped(digits: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return GROUP.join(groups)


def decimal(value, decimals: int = 1, *, group: bool = True) -> str:
    """2.25 → "2,3"; 1234.5 → "1 234,5" (no-break space); -3 → "−3,0"."""
    exact = _exact(value)
    if exact is None:
        return MISSING
    places = max(0, int(decimals))
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):.{places}f}"
    whole, _, fraction = text.partition(".")
    result = (_grouped(whole) if group else whole) + ("," + fraction if fraction else "")
    return (MINUS if rounded < 0 else "") + result


# Vital signs read in whole numbers but temperature (one decimal, as on the thermometer).
VITAL_DECIMALS = {"temperature": 1}


def vital(parameter: str, value) -> str:
    """A vital sign as staff write it: pulse 118.0 → "118", temperature 38.6 → "38,6"."""
    return decimal(value, VITAL_DECIMALS.get(parameter, 0), group=False)


def integer(value) -> str:
    """1560672 → "1 560 672" (rounded half up)."""
    return decimal(value, 0)


def percent(value, decimals: int = 1) -> str:
    """A value already in per cent: 10.66 → "10,7 %"."""
    text = decimal(value, decimals)
    return text if text == MISSING else f"{text}{UNIT_SPACE}%"


def share(part, whole, decimals: int = 0) -> str:
    """part of whole as a percentage: (3, 10) → "30 %"; no whole → "–"."""
    if part is None or not whole:
        return MISSING
    return percent(Decimal(str(part)) / Decimal(str(whole)) * 100, decimals)


def kronor(value) -> str:
    """Whole kronor: 1560672 → "1 560 672 kr"; -5419.5 → "−5 420 kr"."""
    text = integer(value)
    return text if text == MISSING else f"{text}{UNIT_SPACE}kr"


def csv_number(value, decimals: int | None = None) -> str:
    """A number for a Swedish CSV file (semicolon-separated, as Excel in Swedish reads it):
    a decimal comma, no grouping, an ASCII minus; "" for no number. `decimals` None keeps
    an integer whole and a decimal as it is."""
    exact = _exact(value)
    if exact is None:
        return ""
    if decimals is not None:
        exact = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{exact:f}"
    return text.replace(".", ",")


def nice_step(span: float, ticks: int = 5) -> float:
    """A readable step (1, 2 or 5 × 10ⁿ) that cuts `span` into about `ticks` parts."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(1, ticks)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def nice_ticks(top: float, ticks: int = 5, *, whole: bool = False) -> list[float]:
    """Tick values from 0 to at least `top` at a readable step (whole numbers if asked)."""
    step = nice_step(top, ticks)
    if whole:
        step = max(1.0, round(step))
    count = max(1, math.ceil(top / step - 1e-9)) if top > 0 else 1
    return [round(step * i, 10) for i in range(count + 1)]
