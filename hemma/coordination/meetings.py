"""The weekly coordination meeting and the shared task list.

The agenda is built from the patients the two units share – listed at the primary care
centre, in home health care's care, inpatients (an open discharge case) or in hospital
care at home – and only those who consent to region–municipality sharing and whom the
creating unit may list. Each unit sees only the agenda rows and tasks of patients it may
list now (patients.policy), so a revoked consent or an ended relationship hides a row.

A meeting may recur (series.py). A participant may also put a patient it may list on an
agenda by hand, with a reason (agenda_add)."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.clinical import episode_states as states
from hemma.episodes.models import Episode
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.models import CareRelationship, Patient, SharingConsent
from hemma.patients.policy import decide_unit_access, is_care_member, patients_visible_to
from hemma.patients.selectors import deny

from .models import CoordinationMeeting, DischargeCase, MeetingItem, Task

AT_HOME_STATES = (states.PREPARING, states.AT_HOME, states.READMITTED)


def shared_patients(
    primary_care: Unit, home_health: Unit, visible: QuerySet | None = None
) -> list[tuple[Patient, str]]:
    """(patient, why on the agenda) for the consented patients the two units share, among
    `visible` (the patients the creating unit may list)."""
    consented = SharingConsent.objects.filter(revoked_at__isnull=True).values("patient_id")
    in_home_health = CareRelationship.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=timezone.now()), unit=home_health
    ).values("patient_id")
    patients = Patient.objects.filter(listed_unit=primary_care, pk__in=consented).filter(
        pk__in=in_home_health
    )
    if visible is not None:
        patients = patients.filter(pk__in=visible.values("pk"))
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


def host_pair(unit: Unit, partner: Unit) -> tuple[Unit, Unit]:
    """(primary care, home health care) of the acting unit and its partner."""
    pair = {unit.kind: unit, partner.kind: partner}
    primary_care, home_health = (
        pair.get(Unit.Kind.PRIMARY_CARE),
        pair.get(Unit.Kind.HOME_HEALTH_CARE),
    )
    if primary_care is None or home_health is None:
        raise HemmaError(_("Mötet hålls mellan en vårdcentral och hemsjukvården."))
    return primary_care, home_health


def meeting_create(
    *, staff: Staff, unit: Unit, partner: Unit, held_on: date, guests: list[Unit] = ()
) -> CoordinationMeeting:
    _require_member(staff, unit)
    primary_care, home_health = host_pair(unit, partner)
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
                    for patient, reason in shared_patients(
                        primary_care, home_health, patients_visible_to(staff, unit)
                    )
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


def visible_tasks(tasks: QuerySet, staff: Staff | None, unit: Unit) -> QuerySet:
    """Tasks about patients the unit may list now (or about no patient at all)."""
    visible = patients_visible_to(staff, unit)
    return tasks.filter(
        Q(patient__in=visible)
        | Q(patient__isnull=True, episode__patient__in=visible)
        | Q(patient__isnull=True, episode__isnull=True)
    )


def tasks_for_unit(unit: Unit, staff: Staff | None):
    """The unit's open tasks of patients it may list, overdue first (then by due date)."""
    return (
        visible_tasks(Task.objects.filter(owner_unit=unit, status=Task.Status.OPEN), staff, unit)
        .select_related("patient", "episode__patient", "owner__user")
        .order_by("due_on", "id")
    )


def get_task_for_user(*, staff: Staff, unit: Unit, task_id: int) -> Task:
    """A task of the acting unit about a patient the unit may see now (or about no patient);
    anything else – an unknown id too – is a 404 with a denied entry naming the task."""
    task = Task.objects.select_related("patient", "episode__patient").filter(pk=task_id).first()
    patient = (
        (task.patient or (task.episode.patient if task.episode_id else None)) if task else None
    )
    allowed = (
        task is not None
        and task.owner_unit_id == unit.pk
        and is_care_member(staff, unit)
        and (patient is None or decide_unit_access(staff=staff, unit=unit, patient=patient).granted)
    )
    if not allowed:
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"task id={task_id}",
            patient=patient,
            action=AccessLogEntry.Action.EDIT_PATIENT,
        )
    return task


def meetings_for_unit(unit: Unit) -> QuerySet:
    """The meetings the unit takes part in (dates and units only: no patient is shown)."""
    return (
        CoordinationMeeting.objects.filter(
            Q(primary_care=unit) | Q(home_health=unit) | Q(guests=unit)
        )
        .distinct()
        .select_related("primary_care", "home_health")
    )


def meeting_for_unit(staff: Staff, unit: Unit, meeting_id: int) -> CoordinationMeeting | None:
    """A meeting the acting unit (of which the user is a member) takes part in."""
    if not is_care_member(staff, unit):
        return None
    return meetings_for_unit(unit).filter(pk=meeting_id).first()


def visible_items(meeting: CoordinationMeeting, staff: Staff | None, unit: Unit) -> QuerySet:
    """The agenda rows of patients the unit may list now."""
    return meeting.items.filter(patient__in=patients_visible_to(staff, unit)).select_related(
        "patient"
    )


def get_meeting_for_user(
    *, staff: Staff, unit: Unit, meeting_id: int, action=AccessLogEntry.Action.VIEW_PATIENT
) -> CoordinationMeeting:
    """A meeting the acting unit takes part in; any other (or unknown) id is a 404 with a
    denied entry naming the meeting."""
    meeting = meeting_for_unit(staff, unit, meeting_id)
    if meeting is None:
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"coordination meeting id={meeting_id}",
            action=action,
        )
    return meeting


def get_item_for_user(
    *, staff: Staff, unit: Unit, meeting: CoordinationMeeting, item_id: int | None
) -> MeetingItem:
    """An agenda row of the meeting about a patient the unit may see now; otherwise a 404
    and a denied entry naming the row."""
    item = MeetingItem.objects.select_related("patient").filter(pk=item_id, meeting=meeting).first()
    if item is None or not decide_unit_access(staff=staff, unit=unit, patient=item.patient).granted:
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"coordination meeting id={meeting.pk} item id={item_id}",
            patient=item.patient if item else None,
            action=AccessLogEntry.Action.EDIT_PATIENT,
        )
    return item


def meeting_tasks(meeting: CoordinationMeeting, staff: Staff | None, unit: Unit) -> QuerySet:
    """The tasks added at the meeting, of patients the unit may list now."""
    return visible_tasks(
        Task.objects.filter(source=f"meeting:{meeting.pk}"), staff, unit
    ).select_related("owner_unit", "patient")


# --- adding a patient to the agenda by hand ---------------------------------------------


def agenda_patients(staff: Staff, unit: Unit) -> QuerySet:
    """The patients the unit may put on an agenda: those it may list now
    (patients_visible_to) who consent to region–municipality sharing – the meeting always
    has a municipal unit, so the same consent as shared_patients asks of every row."""
    consented = SharingConsent.objects.filter(revoked_at__isnull=True).values("patient_id")
    return patients_visible_to(staff, unit).filter(pk__in=consented)


def agenda_candidates(meeting: CoordinationMeeting, staff: Staff, unit: Unit) -> QuerySet:
    """The patients the unit may put on the agenda and not yet on it (for the form)."""
    on_agenda = meeting.items.values("patient_id")
    return (
        agenda_patients(staff, unit)
        .exclude(pk__in=on_agenda)
        .order_by("last_name", "first_name", "pk")
    )


def get_agenda_patient_for_user(
    *, staff: Staff, unit: Unit, meeting: CoordinationMeeting, patient_id
) -> Patient:
    """A patient the acting unit may put on the agenda (agenda_patients: its own open or
    in-grace care relationship, and the patient's consent to sharing); any other – an
    unknown id too – is a 404 with a denied entry naming the patient."""
    patient = Patient.objects.filter(pk=patient_id).first() if patient_id else None
    if patient is None or not agenda_patients(staff, unit).filter(pk=patient.pk).exists():
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"coordination meeting id={meeting.pk} agenda patient id={patient_id}",
            patient=patient,
            action=AccessLogEntry.Action.EDIT_PATIENT,
        )
    return patient


def agenda_add(
    *, staff: Staff, unit: Unit, meeting: CoordinationMeeting, patient: Patient, reason: str
) -> MeetingItem:
    """A participant puts a patient it may list (with consent to sharing) on the agenda,
    with a reason; once."""
    _require_participant(staff, unit, meeting)
    if not agenda_patients(staff, unit).filter(pk=patient.pk).exists():
        raise NotAllowed(_("Din enhet får inte ta upp patienten."))
    reason = reason.strip()
    if not reason:
        raise HemmaError(_("Ange varför patienten tas upp."))
    duplicate = Conflict(_("Patienten finns redan på dagordningen."))
    if meeting.items.filter(patient=patient).exists():
        raise duplicate
    try:
        with transaction.atomic():
            item = MeetingItem.objects.create(
                meeting=meeting, patient=patient, reason=reason[:200], added_by=staff
            )
    except IntegrityError:  # a concurrent add of the same patient
        raise duplicate from None
    access_log_record(
        staff=staff,
        unit=unit,
        patient=patient,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED,
        detail=f"coordination meeting id={meeting.pk}: added to the agenda",
    )
    return item


def may_add_to_agenda(staff: Staff, unit: Unit, meeting: CoordinationMeeting) -> bool:
    """Whether the page offers the form: a member of a participating unit, not closed."""
    return (
        meeting.closed_at is None
        and unit.pk in _participant_ids(meeting)
        and is_care_member(staff, unit)
    )
