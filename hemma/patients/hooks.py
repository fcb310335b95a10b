"""Panels that the apps above contribute to a patient's pages, without this app importing
them (it sits below them all; see hemma/episodes/hooks.py for the flow's registries).

An app registers a function from its ``AppConfig.ready()``; the patient page (and the
flow's flag page) call every registered panel in registration order, the order of
INSTALLED_APPS. Registering the same function twice is a no-op; two panels setting the
same context name is an error.
"""

from collections.abc import Callable, Mapping

from django.core.exceptions import ImproperlyConfigured

from hemma.accounts.models import Staff, Unit

from .selectors import PatientAccess

PatientPanel = Callable[[Staff, Unit, PatientAccess], Mapping[str, object]]

_patient_panels: list[PatientPanel] = []


def register_patient_panel(panel: PatientPanel) -> None:
    """``panel(staff, unit, access)`` returns context for the patient's page (e.g. the
    frailty screening). ``access`` is the policy's answer for the page, already logged:
    a panel showing health data checks ``access.decision.health_record`` itself."""
    if panel not in _patient_panels:
        _patient_panels.append(panel)


def patient_panels() -> tuple[PatientPanel, ...]:
    return tuple(_patient_panels)


def patient_panels_context(
    staff: Staff, unit: Unit, access: PatientAccess, context: dict | None = None
) -> dict:
    """`context` (the page's own) with every panel's added; a name set twice is an error."""
    context = {} if context is None else context
    for panel in _patient_panels:
        extra = panel(staff, unit, access)
        clash = context.keys() & extra.keys()
        if clash:
            raise ImproperlyConfigured(f"{panel!r} sets {sorted(clash)}, already set by another.")
        context.update(extra)
    return context
