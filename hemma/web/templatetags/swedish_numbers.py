"""`{% load swedish_numbers %}`: the number filters of every page, wrapping
`hemma.clinical.numbers` (decimal comma, no-break space thousands, real minus sign):

    {{ value|decimal:1 }}   2.25 → 2,3          {{ value|percent:1 }}  10.66 → 10,7 %
    {{ value|integer }}     5419 → 5 419        {{ value|kronor }}     5419 → 5 419 kr
    {{ value|number:2 }}    an int whole, other numbers with 2 decimals, text as it is
    {{ value|fraction_percent }}  a share of one: 0.2 → 20 % (up to 1 decimal, 0.125 → 12,5 %)

None shows as "–". A value that is not a number (a label, a hidden count's text) is
returned unchanged, so a filter never breaks a page."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

from hemma.clinical import numbers

register = template.Library()


def _safely(format_, value, *args):
    try:
        return format_(value, *args)
    except (ValueError, TypeError):
        return value


@register.filter
def decimal(value, decimals=1):
    return _safely(numbers.decimal, value, _places(decimals))


@register.filter
def integer(value):
    return _safely(numbers.integer, value)


@register.filter
def percent(value, decimals=1):
    return _safely(numbers.percent, value, _places(decimals))


@register.filter
def kronor(value):
    return _safely(numbers.kronor, value)


@register.filter
def number(value, decimals=1):
    """Whole numbers whole, other numbers with `decimals` places, anything else unchanged."""
    if isinstance(value, int) and not isinstance(value, bool):
        return numbers.integer(value)
    if value is None or isinstance(value, float | Decimal):
        return _safely(numbers.decimal, value, _places(decimals))
    return value


def _places(decimals) -> int:
    try:
        return max(0, min(6, int(decimals)))
    except (TypeError, ValueError):
        return 1


@register.filter
def fraction_percent(value):
    """A share stored as a fraction of one, in per cent: whole when it is whole."""
    try:
        exact = Decimal(str(value)) * 100
    except (ArithmeticError, ValueError, TypeError):
        return value
    if not exact.is_finite():
        return numbers.MISSING
    return numbers.percent(exact, 0 if exact == exact.to_integral_value() else 1)


@register.filter
def compact(value, decimals=1):
    """As few decimals as the number needs, at most `decimals`: 110.0 → 110, 37.5 → 37,5."""
    try:
        exact = Decimal(str(value))
        if not exact.is_finite():
            return numbers.MISSING
    except (ArithmeticError, ValueError, TypeError):
        return value
    places = _places(decimals)
    exact = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    return numbers.decimal(exact, max(0, -exact.as_tuple().exponent))


@register.filter
def limits(value):
    """A range with optional ends (an object with .low and .high, such as a personal
    threshold): "35,5–38", "≤ 110", "≥ 92"; never "––110,0"."""
    low, high = getattr(value, "low", None), getattr(value, "high", None)
    if low is not None and high is not None:
        return f"{compact(low)}–{compact(high)}"
    if high is not None:
        return f"≤{numbers.UNIT_SPACE}{compact(high)}"
    if low is not None:
        return f"≥{numbers.UNIT_SPACE}{compact(low)}"
    return numbers.MISSING
