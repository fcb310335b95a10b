"""Template filters for readings: parameter names in words, never internal names."""

from django import template

from ..services.scoring import parameter_label

register = template.Library()


@register.filter
def parameter_labels(names) -> str:
    """["respiration_rate", "on_oxygen"] → "Andningsfrekvens, Syrgas"."""
    return ", ".join(parameter_label(name) for name in names or ())
