"""The escalation chain: the ward's duty roster (`duty_roster_set`), its final step
(`escalation_final_set`), "Jag har jouren" (`duty_physician_set`: the current slot's
on-call role taken now), and the worker's `alerts_escalate`.

An open medium/high alert nobody acknowledged within HEMMA_ALERT_ESCALATION_MINUTES goes
step by step, one interval apart: 1 the on-call physician of the current roster slot (or
whoever took the slot with "Jag har jouren"), 2 the slot's deputy, 3 the ward's final step
(a named physician and/or an instruction). A step with nobody is skipped; when no step is
left and the ward configured no final step the alert is marked escalation failed, which
the ward's alert page shows at the top. Never an arbitrary physician, never nowhere.

A failed alert still open is tried again from step 1 as soon as the ward's chain holds
someone the failed round did not reach (the roster was filled in afterwards): a new round
on the same timeline. A chain that only holds people already reached is not retried, so
nobody is paged in a loop."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import AdministrationLogEntry, Membership, Staff, Unit
from hemma.accounts.services.log import write as log_write
from hemma.coordination.models import Task
from hemma.errors import HemmaError, NotAllowed

from ..duty_slots import slot_at
from ..models import (
    Alert,
    AlertEvent,
    DutyPhysician,
    DutyRosterEntry,
    DutySlot,
    EscalationFinalStep,
    Level,
)
from .plans import PHYSICIAN

ESCALATED_LEVELS = (Level.MEDIUM, Level.HIGH)
Step = AlertEvent.Step


# --- The ward maintains its roster -------------------------------------------------------


def may_edit_roster(staff: Staff | None, unit: Unit | None) -> bool:
    """The ward's own staff, acting for the ward, keep its roster and final step."""
    return bool(
        staff is not None
        and unit is not None
        and unit.kind == Unit.Kind.WARD
        and Membership.objects.filter(staff=staff, unit=unit).exists()
    )


def ward_physicians(ward: Unit):
    return (
        Staff.objects.filter(memberships__unit=ward, profession=PHYSICIAN, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def _require_roster_editor(staff: Staff, unit: Unit) -> None:
    if not may_edit_roster(staff, unit):
        raise NotAllowed(_("Bara avdelningens personal ändrar avdelningens jourlista."))


def _require_ward_physician(person: Staff | None, ward: Unit) -> None:
    if person is None:
        return
    if not ward_physicians(ward).filter(pk=person.pk).exists():
        raise HemmaError(
            _("%(name)s är inte läkare på avdelningen.") % {"name": person.display_name}
        )


def _log(staff: Staff, ward: Unit, detail: str) -> None:
    log_write(
        by=staff.user,
        action=AdministrationLogEntry.Action.UNIT_CHANGED,
        organisation_ids={ward.organisation_id},
        detail=f"{ward.name}: {detail}",
    )


def duty_roster_set(
    *, staff: Staff, unit: Unit, slot: str, on_call: Staff | None, deputy: Staff | None
) -> DutyRosterEntry | None:
    """Set one slot of the ward's roster (no on-call physician: the slot is cleared)."""
    if slot not in DutySlot.values:
        raise HemmaError(_("Okänt pass."))
    with transaction.atomic():
        _require_roster_editor(staff, unit)
        if on_call is None:
            if deputy is not None:
                raise HemmaError(_("Välj jourhavande läkare före ersättaren."))
            deleted, _rows = DutyRosterEntry.objects.filter(ward=unit, slot=slot).delete()
            if deleted:
                _log(staff, unit, f"jourlista {slot}: ingen")
            return None
        _require_ward_physician(on_call, unit)
        _require_ward_physician(deputy, unit)
        if deputy is not None and deputy.pk == on_call.pk:
            raise HemmaError(_("Ersättaren måste vara en annan läkare än jourhavande."))
        entry, _created = DutyRosterEntry.objects.update_or_create(
            ward=unit,
            slot=slot,
            defaults={"on_call": on_call, "deputy": deputy, "changed_by": staff},
        )
        _log(
            staff,
            unit,
            f"jourlista {slot}: {on_call.display_name}"
            + (f", ersättare {deputy.display_name}" if deputy else ""),
        )
    return entry


def escalation_final_set(
    *, staff: Staff, unit: Unit, physician: Staff | None, instruction: str
) -> EscalationFinalStep | None:
    """The ward's last step: a named physician (any unit's, e.g. the hospital's on-call
    physician) and/or an instruction. Neither: the final step is removed."""
    instruction = " ".join((instruction or "").split())
    if len(instruction) > 500:
        raise HemmaError(_("Instruktionen får vara högst 500 tecken."))
    with transaction.atomic():
        _require_roster_editor(staff, unit)
        if (
            physician is not None
            and not organisation_physicians(unit).filter(pk=physician.pk).exists()
        ):
            raise HemmaError(
                _("%(name)s är inte läkare i organisationen.") % {"name": physician.display_name}
            )
        if physician is None and not instruction:
            deleted, _rows = EscalationFinalStep.objects.filter(ward=unit).delete()
            if deleted:
                _log(staff, unit, "sista eskaleringssteg: inget")
            return None
        final, _created = EscalationFinalStep.objects.update_or_create(
            ward=unit,
            defaults={"staff": physician, "instruction": instruction, "changed_by": staff},
        )
        who = physician.display_name if physician else ""
        _log(staff, unit, f"sista eskaleringssteg: {who} {instruction}".strip())
    return final


def organisation_physicians(ward: Unit):
    """Who may be the final step: an active physician of the ward's organisation."""
    return (
        Staff.objects.filter(
            memberships__unit__organisation_id=ward.organisation_id,
            profession=PHYSICIAN,
            user__is_active=True,
        )
        .select_related("user")
        .distinct()
        .order_by("user__last_name", "user__first_name", "pk")
    )


def duty_roster_save(
    *,
    staff: Staff,
    unit: Unit,
    slots: dict[str, tuple[Staff | None, Staff | None]],
    final_physician: Staff | None,
    final_instruction: str,
) -> None:
    """The roster page's whole form: every slot and the final step, all or nothing."""
    with transaction.atomic():
        for slot, (on_call, deputy) in slots.items():
            duty_roster_set(staff=staff, unit=unit, slot=slot, on_call=on_call, deputy=deputy)
        escalation_final_set(
            staff=staff, unit=unit, physician=final_physician, instruction=final_instruction
        )


def duty_physician_set(*, staff: Staff, unit: Unit) -> DutyPhysician:
    """ "Jag har jouren": the physician takes the current slot's on-call role now."""
    if staff.profession != PHYSICIAN:
        raise NotAllowed(_("Bara en läkare kan ha jouren."))
    if (
        unit.kind != Unit.Kind.WARD
        or not Membership.objects.filter(staff=staff, unit=unit).exists()
    ):
        raise NotAllowed(_("Du är inte läkare på avdelningen."))
    duty, _created = DutyPhysician.objects.update_or_create(ward=unit, defaults={"staff": staff})
    return duty


# --- Who is on duty now ------------------------------------------------------------------


@dataclass
class Chain:
    """The ward's chain at one moment: the slot, its on-call physician (the roster's, or
    whoever took the slot), the deputy, and the final step."""

    slot: str
    on_call: Staff | None
    deputy: Staff | None
    final: EscalationFinalStep | None
    taken: bool = False  # the on-call physician took the slot with "Jag har jouren"

    def target(self, step: int) -> Staff | EscalationFinalStep | None:
        return {Step.ON_CALL: self.on_call, Step.DEPUTY: self.deputy, Step.FINAL: self.final}[step]

    @property
    def slot_label(self) -> str:
        return DutySlot(self.slot).label

    @property
    def configured(self) -> bool:
        return bool(self.on_call or self.deputy or self.final)

    def targets(self) -> set[tuple[int | None, str]]:
        """Whom the chain reaches, as (staff id, instruction) like an event records it."""
        found = {(person.pk, "") for person in (self.on_call, self.deputy) if person}
        if self.final is not None:
            found.add((self.final.staff_id, self.final.instruction))
        return found


def chain_for(ward: Unit, now: datetime | None = None) -> Chain:
    now = now or timezone.now()
    slot, began = slot_at(timezone.localtime(now))
    entry = (
        DutyRosterEntry.objects.filter(ward=ward, slot=slot)
        .select_related("on_call__user", "deputy__user")
        .first()
    )
    on_call = entry.on_call if entry else None
    deputy = entry.deputy if entry else None
    duty = DutyPhysician.objects.filter(ward=ward).select_related("staff__user").first()
    taken = bool(duty and timezone.localtime(duty.since) >= began and duty.since <= now)
    if taken:
        if deputy is not None and deputy.pk == duty.staff_id:
            deputy = on_call  # the deputy stepped in: the rostered physician backs them up
        on_call = duty.staff
    final = EscalationFinalStep.objects.filter(ward=ward).select_related("staff__user").first()
    return Chain(slot, on_call, deputy, final, taken)


# --- The worker ----------------------------------------------------------------------------


def alerts_escalate(now: datetime | None = None) -> int:
    """Take each due alert one step along its ward's chain. Safe to run in several worker
    copies at once: each step is claimed with a conditional update on the step reached,
    and the timeline holds one event per step (a unique constraint)."""
    now = now or timezone.now()
    chains: dict[int, Chain] = {}

    def chain_of(alert: Alert) -> Chain:
        if alert.unit_id not in chains:
            chains[alert.unit_id] = chain_for(alert.unit, now)
        return chains[alert.unit_id]

    _retry_failed(chain_of)
    deadline = now - timedelta(minutes=settings.HEMMA_ALERT_ESCALATION_MINUTES)
    due = (
        Alert.objects.filter(
            status=Alert.Status.OPEN,
            level__in=ESCALATED_LEVELS,
            escalation_failed=False,
            escalation_step__lt=Step.FINAL,
        )
        .filter(
            Q(escalation_step=0, created_at__lte=deadline)
            | Q(escalation_step__gt=0, escalated_at__lte=deadline)
        )
        .select_related("unit", "episode__patient")
    )
    escalated = 0
    for alert in due:
        if _step(alert, chain_of(alert), now):
            escalated += 1
    return escalated


def _retry_failed(chain_of) -> None:
    """Put each open failed alert back at step 0 (a new round) when its ward's chain now
    holds someone its last round did not reach; the due query then takes it to step 1."""
    failed = Alert.objects.filter(
        status=Alert.Status.OPEN, level__in=ESCALATED_LEVELS, escalation_failed=True
    ).select_related("unit")
    for alert in failed:
        reached = set(
            alert.events.filter(
                round=alert.escalation_round, kind=AlertEvent.Kind.ESCALATED
            ).values_list("to_staff_id", "to_text")
        )
        if not chain_of(alert).targets() - reached:
            continue
        # The claim on the round keeps two workers from starting two new rounds.
        Alert.objects.filter(
            pk=alert.pk,
            status=Alert.Status.OPEN,
            escalation_failed=True,
            escalation_round=alert.escalation_round,
        ).update(
            escalation_failed=False,
            escalation_step=0,
            escalation_round=F("escalation_round") + 1,
        )


def _step(alert: Alert, chain: Chain, now: datetime) -> bool:
    step = next(
        (s for s in Step.values if s > alert.escalation_step and chain.target(s) is not None),
        None,
    )
    staff, text = None, ""
    if step is None:  # nobody left and no final step: failed, shown to the ward
        step, kind = Step.FINAL, AlertEvent.Kind.FAILED
    else:
        kind = AlertEvent.Kind.ESCALATED
        target = chain.target(step)
        if isinstance(target, EscalationFinalStep):
            staff, text = target.staff, target.instruction
        else:
            staff = target
    failed = kind == AlertEvent.Kind.FAILED
    try:
        with transaction.atomic():
            claimed = Alert.objects.filter(
                pk=alert.pk,
                status=Alert.Status.OPEN,
                escalation_step=alert.escalation_step,
                escalation_round=alert.escalation_round,
                escalation_failed=False,
            ).update(
                escalation_step=step,
                escalation_failed=failed,
                escalated_at=now,
                escalated_to=staff,
                escalated_to_text=text,
            )
            if not claimed:
                return False
            AlertEvent.objects.create(
                alert=alert,
                at=now,
                round=alert.escalation_round,
                step=step,
                kind=kind,
                to_staff=staff,
                to_text=text,
            )
            _task(alert, now, staff, text, failed)
    except IntegrityError:  # another copy wrote this step's event first
        return False
    return True


def _task(alert: Alert, now: datetime, staff: Staff | None, text: str, failed: bool) -> None:
    why = "; ".join(alert.reasons)
    if failed:
        title = _("Eskaleringen misslyckades (ingen jour eller sista steg): %(why)s") % {"why": why}
    else:
        who = ", ".join(p for p in (staff.display_name if staff else "", text) if p)
        title = _("Eskalerat larm till %(who)s: %(why)s") % {"who": who, "why": why}
    Task.objects.create(
        title=title[:300],
        kind=Task.Kind.OTHER,
        episode=alert.episode,
        patient=alert.episode.patient,
        owner_unit=alert.unit,
        owner=staff,
        due_on=timezone.localdate(now),
        due_at=now,
        source="alert",
    )
