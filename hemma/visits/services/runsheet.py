"""The run sheet: a staff member marks their own visit arrived (`visit_arrive`) or done
(`visit_done`), under the policy's `record_visit` (the visiting team's action)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.errors import HemmaError, NotAllowed
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


@transaction.atomic
def visit_done(*, staff: Staff, unit: Unit, visit: Visit, note: str = "") -> Visit:
    visit = Visit.objects.select_for_update().select_related("episode__patient").get(pk=visit.pk)
    _require_recording(staff, unit, visit)
    _own_assignment(staff, visit)
    if visit.status not in (Visit.Status.ASSIGNED, Visit.Status.ARRIVED):
        raise HemmaError(_("Besöket är inte planerat eller redan utfört."))
    now = timezone.now()
    visit.arrived_at = visit.arrived_at or now
    visit.status = Visit.Status.DONE
    visit.done_at = now
    visit.done_by = staff
    if note.strip():
        visit.note = note.strip()
    visit.save(update_fields=["status", "arrived_at", "done_at", "done_by", "note"])
    log_visit(staff, unit, visit, "done")
    return visit
