"""The run sheet: a staff member marks their own visit arrived (`visit_arrive`), done
(`visit_done`) or not done with the reason (`visit_not_done`), under the policy's
`record_visit` (the visiting team's action), with a short note and, optionally, a concern
raised to the ward as an alert (kind visit concern) at the level the staff member chose."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.errors import HemmaError, NotAllowed
from hemma.monitoring.models import RESPONSES, Alert, Level
from hemma.patients.policy import require_action

from ..models import Assignment, Visit
from .common import log_visit

EARLY_LIMIT = timedelta(hours=12)  # a visit is not begun more than 12 h before its window


def _own_assignment(staff: Staff, visit: Visit) -> Assignment:
    assignment = visit.assignments.filter(staff=staff).first()
    if assignment is None:
        raise NotAllowed(_("Besöket finns inte på din körlista."))
    if visit.window_start - EARLY_LIMIT > timezone.now():
        when = timezone.localtime(visit.window_start).strftime("%Y-%m-%d %H:%M")
        raise HemmaError(_("Besöket är inte förrän %(when)s.") % {"when": when})
    return assignment


def _require_recording(staff: Staff, unit: Unit, visit: Visit) -> None:
    if visit.unit_id != unit.pk:
        raise NotAllowed(_("Besöket hör till en annan enhet."))
    require_action(staff=staff, unit=unit, action="record_visit", episode=visit.episode)


@transaction.atomic
def visit_arrive(*, staff: Staff, unit: Unit, visit: Visit) -> Visit:
    visit = Visit.objects.select_for_update().select_related("episode__patient").get(pk=visit.pk)
    _require_recording(staff, unit, visit)
    _own_assignment(staff, visit)
    if visit.status not in (Visit.Status.ASSIGNED, Visit.Status.ARRIVED):
        raise HemmaError(_("Besöket är inte planerat eller redan utfört."))
    if visit.status == Visit.Status.ASSIGNED:
        visit.status = Visit.Status.ARRIVED
        visit.arrived_at = timezone.now()
        visit.save(update_fields=["status", "arrived_at"])
        log_visit(staff, unit, visit, "arrived")
    return visit


CONCERN_LEVELS = (Level.LOW, Level.LOW_MEDIUM, Level.MEDIUM, Level.HIGH)


def _raise_concern(staff: Staff, visit: Visit, concern: str, level: str) -> Alert | None:
    """A concern from the visit goes to the ward (the episode's owner) as an alert at the
    level the visiting staff chose; NEWS2 alerts stay as they are, beside it."""
    if not concern:
        if level:
            raise HemmaError(_("Beskriv oron för att kunna skicka den till avdelningen."))
        return None
    if level not in CONCERN_LEVELS:
        raise HemmaError(_("Välj hur brådskande oron är."))
    episode = visit.episode
    who = f"{staff.display_name}, {visit.unit.name}"
    return Alert.objects.create(
        episode=episode,
        unit_id=episode.ward_id,
        kind=Alert.Kind.VISIT_CONCERN,
        level=level,
        reasons=[
            _("Oro vid hembesök (%(what)s): %(concern)s")
            % {"what": visit.what, "concern": concern},
            _("Rapporterad av %(who)s") % {"who": who},
        ],
        response=str(RESPONSES.get(level, "")),
    )


def _document(
    staff: Staff,
    unit: Unit,
    visit: Visit,
    status: str,
    note: str,
    reason: str,
    concern: str,
    concern_level: str,
) -> Visit:
    visit = (
        Visit.objects.select_for_update()
        .select_related("episode__patient", "unit")
        .get(pk=visit.pk)
    )
    _require_recording(staff, unit, visit)
    _own_assignment(staff, visit)
    if visit.status not in (Visit.Status.ASSIGNED, Visit.Status.ARRIVED):
        raise HemmaError(_("Besöket är inte planerat eller redan utfört."))
    note, reason, concern = note.strip(), reason.strip(), concern.strip()
    if status == Visit.Status.NOT_DONE and not reason:
        raise HemmaError(_("Ange varför besöket inte blev av."))
    alert = _raise_concern(staff, visit, concern, concern_level)
    now = timezone.now()
    if status == Visit.Status.DONE:
        visit.arrived_at = visit.arrived_at or now
    visit.status = status
    visit.done_at = now
    visit.done_by = staff
    visit.not_done_reason = reason if status == Visit.Status.NOT_DONE else ""
    if note:
        visit.note = note
    visit.concern = concern
    visit.concern_alert = alert
    visit.save(
        update_fields=[
            "status",
            "arrived_at",
            "done_at",
            "done_by",
            "note",
            "not_done_reason",
            "concern",
            "concern_alert",
        ]
    )
    detail = "done" if status == Visit.Status.DONE else "not done"
    if alert is not None:
        detail += f", concern alert {alert.pk} ({alert.level})"
    log_visit(staff, unit, visit, detail)
    return visit


@transaction.atomic
def visit_done(
    *,
    staff: Staff,
    unit: Unit,
    visit: Visit,
    note: str = "",
    concern: str = "",
    concern_level: str = "",
) -> Visit:
    """The visit is done: a short note and, optionally, a concern raised to the ward."""
    return _document(staff, unit, visit, Visit.Status.DONE, note, "", concern, concern_level)


@transaction.atomic
def visit_not_done(
    *,
    staff: Staff,
    unit: Unit,
    visit: Visit,
    reason: str,
    note: str = "",
    concern: str = "",
    concern_level: str = "",
) -> Visit:
    """The visit did not happen (the patient was not at home, declined, was admitted …):
    the reason is required; a concern may be raised to the ward as with a visit done."""
    return _document(
        staff, unit, visit, Visit.Status.NOT_DONE, note, reason, concern, concern_level
    )
