"""The weekly coordination meeting and the shared task list.

The agenda is built from the patients the two units share – listed at the primary care
centre, in home health care's care, inpatients (an open discharge case) or in hospital
care at home – and only those who consent to region–municipality sharing."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Staff, Unit
from hemma.clinical import episode_states as states
from hemma.episodes.models import Episode
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.models import CareRelationship, Patient, SharingConsent

from .models import CoordinationMeeting, DischargeCase, MeetingItem, Task

AT_HOME_STATES = (states.PREPARING, states.AT_HOME, states.READMITTED)


def shared_patients(primary_care: Unit, home_health: Unit) -> list[tuple[Patient, str]]:
    """(patient, why on the agenda) for the consented patients the two units share."""
    consented = SharingConsent.objects.filter(revoked_at__isnull=True).values("patient_id")
    in_home_health = CareRelationship.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=timezone.now()), unit=home_health
    ).values("patient_id")
    patients = Patient.objects.filter(listed_unit=primary_care, pk__in=consented).filter(
        pk__in=in_home_health
    )
    inpatients = set(
        DischargeCase.objects.filter(status="open", patient__in=patients).values_list(
            "patient_id", flat=True
        )
    )
    at_home = set(
        Episode.objects.filter(state__in=AT_HOME_STATES, patient__in=patients).values_list(
            "patient_id", flat=True
        )
    )
    agenda = []
    for patient in patients.order_by("last_name", "first_name"):
        if patient.pk in at_home:
            agenda.append((patient, _("Vård i hemmet")))
        elif patient.pk in inpatients:
            agenda.append((patient, _("Inneliggande")))
    return agenda


def _require_member(staff: Staff, unit: Unit) -> None:
    if not Membership.objects.filter(staff=staff, unit=unit).exists():
        raise NotAllowed(_("Du är inte medlem i enheten."))


def meeting_create(
    *, staff: Staff, unit: Unit, partner: Unit, held_on: date, guests: list[Unit] = ()
) -> CoordinationMeeting:
    _require_member(staff, unit)
    pair = {unit.kind: unit, partner.kind: partner}
    primary_care, home_health = (
        pair.get(Unit.Kind.PRIMARY_CARE),
        pair.get(Unit.Kind.HOME_HEALTH_CARE),
    )
    if primary_care is None or home_health is None:
        raise HemmaError(_("Mötet hålls mellan en vårdcentral och hemsjukvården."))
    try:
        with transaction.atomic():
            meeting = CoordinationMeeting.objects.create(
                primary_care=primary_care,
                home_health=home_health,
                held_on=held_on,
                created_by=staff,
            )
            if any(guest.kind != Unit.Kind.AMBULANCE for guest in guests):
                raise HemmaError(_("Ambulanssjukvården kan delta som gäst."))
            meeting.guests.set(guests)
            MeetingItem.objects.bulk_create(
                [
                    MeetingItem(meeting=meeting, patient=patient, reason=str(reason))
                    for patient, reason in shared_patients(primary_care, home_health)
                ]
            )
    except IntegrityError:
        raise Conflict(_("Det finns redan ett möte den dagen.")) from None
    return meeting


def _participant_ids(meeting: CoordinationMeeting) -> set[int]:
    guests = set(meeting.guests.values_list("pk", flat=True))
    return {meeting.primary_care_id, meeting.home_health_id} | guests


def _require_participant(staff: Staff, unit: Unit, meeting: CoordinationMeeting) -> None:
    if unit.pk not in _participant_ids(meeting):
        raise NotAllowed(_("Din enhet deltar inte i mötet."))
    _require_member(staff, unit)
    if meeting.closed_at is not None:
        raise NotAllowed(_("Protokollet är justerat och kan inte ändras."))


def item_note(*, staff: Staff, unit: Unit, item: MeetingItem, notes: str) -> MeetingItem:
    _require_participant(staff, unit, item.meeting)
    item.notes = notes.strip()
    item.save(update_fields=["notes"])
    return item


def task_add(
    *,
    staff: Staff,
    unit: Unit,
    title: str,
    owner_unit: Unit,
    due_on: date,
    patient: Patient | None = None,
    owner: Staff | None = None,
    source: str = "",
    meeting: CoordinationMeeting | None = None,
) -> Task:
    if meeting is not None:
        _require_participant(staff, unit, meeting)
        if owner_unit.pk not in _participant_ids(meeting):
            raise HemmaError(_("Ansvarig enhet ska delta i mötet."))
    else:
        _require_member(staff, unit)
    if not title.strip():
        raise HemmaError(_("Beskriv uppgiften."))
    if owner is not None and not Membership.objects.filter(staff=owner, unit=owner_unit).exists():
        raise HemmaError(_("Den ansvariga personen arbetar inte på enheten."))
    return Task.objects.create(
        title=title.strip(),
        owner_unit=owner_unit,
        owner=owner,
        patient=patient,
        due_on=due_on,
        source=source,
        created_by=staff,
    )


def task_done(*, staff: Staff, unit: Unit, task: Task) -> Task:
    if task.owner_unit_id != unit.pk:
        raise NotAllowed(_("Uppgiften hör till en annan enhet."))
    _require_member(staff, unit)
    updated = Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(
        status=Task.Status.DONE, done_by=staff, done_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("Uppgiften är redan klar."))
    task.refresh_from_db()
    return task


def meeting_close(
    *, staff: Staff, unit: Unit, meeting: CoordinationMeeting, minutes: str
) -> CoordinationMeeting:
    _require_participant(staff, unit, meeting)
    meeting.minutes = minutes.strip()
    meeting.closed_at = timezone.now()
    meeting.save(update_fields=["minutes", "closed_at"])
    return meeting


def tasks_for_unit(unit: Unit):
    """The unit's open tasks, overdue first (then by due date)."""
    return (
        Task.objects.filter(owner_unit=unit, status=Task.Status.OPEN)
        .select_related("patient", "owner__user")
        .order_by("due_on", "id")
    )
