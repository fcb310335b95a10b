"""Whose documentation an alert shows, for blocking (spärr, patientdatalagen 4 kap. 4 §).

An alert raised by a reading (NEWS2, the patient's concern) shows that reading: it is the
reading's documenting unit's (selectors.documenting_unit_id – a visit's reading is the
visiting unit's, every other the ward's). A concern raised at a home visit quotes the
visit's note: it is the visiting unit's – the visits app, above monitoring, registers the
function that says which unit that is (`register_source`, from VisitsConfig.ready(), the
way the flow's hooks are filled). Every other alert (a missed dose, an overdue
measurement) is the ward's, which raised it.

Decision (docs/architecture.md, "Blocking"): a blocked alert is never left out of an
alert list – that an alert exists, its time, patient, level and status, the escalation
chain and the buttons to acknowledge and resolve it stay, because the ward must act on it
(patient safety) – but what it says (kind, values, the reasons quoting the blocked unit's
note, the recommended response) is replaced by the neutral notice and the way to open it
with the patient's consent (`mark_blocked_alerts`).
"""

from collections.abc import Callable, Iterable

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record_many
from hemma.patients.models import Block
from hemma.patients.policy import any_block_applies, decide_blocks

from .models import Alert

# fn(alerts) -> {alert id: documenting unit id} for the alerts it knows about.
AlertSource = Callable[[list[Alert]], dict[int, int]]
_SOURCES: list[AlertSource] = []


def register_source(source: AlertSource) -> None:
    """An app above monitoring says whose documentation some alerts are (idempotent)."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def documenting_units(alerts: list[Alert]) -> dict[int, int]:
    """Each alert's documenting unit id (the alerts' episodes and readings are loaded)."""
    from .selectors import documenting_unit_id

    units: dict[int, int] = {}
    for source in _SOURCES:
        units.update(source(alerts))
    for alert in alerts:
        if alert.pk in units:
            continue
        if alert.observation_id is not None:
            units[alert.pk] = documenting_unit_id(alert.observation, alert.episode)
        else:
            units[alert.pk] = alert.episode.ward_id
    return units


def mark_hidden(alerts: list[Alert], hidden: frozenset[int]) -> list[Alert]:
    """Set `blocked` on one patient's alerts given the units a page hides
    (policy.decide_blocks, already decided and logged by the page)."""
    units = documenting_units(alerts) if hidden else {}
    for alert in alerts:
        alert.blocked = units.get(alert.pk) in hidden
    return alerts


def mark_blocked_alerts(
    alerts: Iterable[Alert], staff: Staff | None, unit: Unit | None, *, where: str
) -> list[Alert]:
    """Set `blocked` on every alert: true where what it shows is documentation of a unit
    the patient has blocked from this staff member's care provider (policy.decide_blocks,
    once per patient that has a block – blocks are rare; one query when none could apply).
    An alert shown only because the staff member holds an opening with the patient's
    consent is logged, purpose emergency, once per patient (an unchanged re-display of the
    polled panel within the repeat window is not logged again)."""
    alerts = list(alerts)
    for alert in alerts:
        alert.blocked = False
    if unit is None or not alerts or not any_block_applies(acting_unit=unit):
        return alerts
    patients = {alert.episode.patient_id: alert.episode.patient for alert in alerts}
    with_blocks = set(
        Block.objects.filter(patient_id__in=list(patients), lifted_at=None)
        .exclude(blocked_unit__organisation_id=unit.organisation_id)
        .values_list("patient_id", flat=True)
    )
    if not with_blocks:
        return alerts
    decisions = {
        patient_id: decide_blocks(staff=staff, acting_unit=unit, patient=patients[patient_id])
        for patient_id in with_blocks
    }
    units = documenting_units(alerts)
    opened = {}
    for alert in alerts:
        decision = decisions.get(alert.episode.patient_id)
        if decision is None:
            continue
        if units[alert.pk] in decision.hidden:
            alert.blocked = True
        elif units[alert.pk] in decision.opened:
            opened[alert.episode.patient_id] = alert.episode.patient
    if opened:
        access_log_record_many(
            staff=staff,
            unit=unit,
            patients=list(opened.values()),
            action=AccessLogEntry.Action.VIEW_PATIENT,
            purpose=AccessLogEntry.Purpose.EMERGENCY,
            detail=f"blocked information shown with the patient's consent: {where}",
        )
    return alerts
