"""Coordinated discharge (lag 2017:612): open a case with the admission notice, update the
estimated date, appoint the fixed care contact, mark ready / withdraw, record consent and
call the SIP meeting, read and acknowledge messages, discharge.

A case may belong to a hospital-at-home episode (``DischargeCase.episode``): the episode's
two notice times are then a copy of the case's facts, written by ``episode_notices_sync``
in the same transaction as the message (episode_case.py sends the episode's notices)."""

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.clinical import episode_states as states
from hemma.clinical.discharge_law import notice_is_late
from hemma.episodes.models import Episode
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.models import Patient

from .models import CaseMessage, DischargeCase, MessageReceipt, SipMeeting, SipPlan

MUNICIPAL_KINDS = (Unit.Kind.HOME_HEALTH_CARE, Unit.Kind.HOME_CARE)


def _log(staff: Staff, unit: Unit, case: DischargeCase, detail: str) -> None:
    access_log_record(
        staff=staff,
        unit=unit,
        patient=case.patient,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED,
        detail=f"discharge case {case.pk}: {detail}",
    )


def _member(staff: Staff, unit: Unit) -> Membership | None:
    return Membership.objects.filter(staff=staff, unit=unit).first()


def _require_ward(staff: Staff, unit: Unit, case: DischargeCase) -> None:
    if unit.pk != case.ward_id or _member(staff, unit) is None:
        raise NotAllowed(_("Bara avdelningen som vårdar patienten kan göra detta."))


def _require_physician(staff: Staff) -> None:
    if staff.profession != Staff.Profession.PHYSICIAN:
        raise NotAllowed(_("Bara en läkare kan fatta detta beslut."))


def _send(case: DischargeCase, kind: str, staff: Staff, unit: Unit, text: str = "", late=False):
    """A message to every unit on the case except the sender, each with its own receipt."""
    message = CaseMessage.objects.create(
        case=case, kind=kind, text=text, sent_by=staff, from_unit=unit, late=late
    )
    units = {case.ward_id, *case.receivers.values_list("pk", flat=True)} - {unit.pk}
    MessageReceipt.objects.bulk_create([MessageReceipt(message=message, unit_id=u) for u in units])
    return message


def _locked(case: DischargeCase, base_version: int | None = None) -> DischargeCase:
    locked = DischargeCase.objects.select_for_update().select_related("patient").get(pk=case.pk)
    if base_version is not None and base_version != locked.version:
        raise Conflict(_("Ärendet har ändrats av någon annan. Ladda om sidan."))
    return locked


def _bump(case: DischargeCase, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version"])


def episode_notices_sync(case: DischargeCase) -> None:
    """The linked episode's copy of the case's facts (admission notice sent, ready for
    discharge or None), written in the transaction that changed the case."""
    if not case.episode_id:
        return
    admission = case.messages.filter(kind=CaseMessage.Kind.ADMISSION).values("sent_at")[:1]
    Episode.objects.filter(pk=case.episode_id).update(
        admission_notice_at=Subquery(admission), ready_for_discharge_at=case.ready_at
    )


def case_admission_send(
    *,
    staff: Staff,
    unit: Unit,
    patient: Patient,
    admitted_at: datetime,
    estimated_discharge: date,
    receivers: list[Unit],
    support_judged_at: datetime | None = None,
    text: str = "",
    episode: Episode | None = None,
) -> DischargeCase:
    """Open the case with its admission notice to `receivers` and the patient's primary
    care centre, linked to `episode` (or to the patient's open episode on this ward). The
    caller has checked who may send it and to whom."""
    now = timezone.now()
    support_judged_at = support_judged_at or admitted_at
    if admitted_at > now or support_judged_at > now:
        raise HemmaError(_("Inskrivningstiden kan inte ligga i framtiden."))
    if support_judged_at < admitted_at:
        raise HemmaError(_("Bedömningen kan inte vara gjord före inskrivningen."))
    if estimated_discharge < timezone.localdate(admitted_at):
        raise HemmaError(_("Beräknat utskrivningsdatum ligger före inskrivningen."))
    if episode is None:
        # Opened from the patient page while the patient is cared for at home: the same case.
        episode = (
            Episode.objects.filter(patient=patient, ward=unit, discharge_case__isnull=True)
            .exclude(state__in=states.FINAL_STATES)
            .first()
        )
    try:
        with transaction.atomic():
            case = DischargeCase.objects.create(
                patient=patient,
                episode=episode,
                ward=unit,
                admitted_at=admitted_at,
                support_judged_at=support_judged_at,
                estimated_discharge=estimated_discharge,
                created_by=staff,
            )
            units = list(receivers)
            if patient.listed_unit_id:
                units.append(patient.listed_unit)
            case.receivers.set(units)
            _send(
                case,
                CaseMessage.Kind.ADMISSION,
                staff,
                unit,
                text=text.strip()
                or _("Beräknat utskrivningsdatum %(d)s.") % {"d": estimated_discharge},
                late=notice_is_late(support_judged_at, now),
            )
            episode_notices_sync(case)
            _log(staff, unit, case, "admission notice")
    except IntegrityError:
        raise Conflict(_("Patienten har redan ett öppet samordningsärende.")) from None
    return case


def case_open(*, staff: Staff, unit: Unit, receivers: list[Unit], **notice) -> DischargeCase:
    """The ward sends the admission notice to the municipality and the listed primary care
    centre. A notice later than 24 hours after admission (or the judgement) is flagged."""
    if unit.kind != Unit.Kind.WARD or _member(staff, unit) is None:
        raise NotAllowed(_("Inskrivningsmeddelanden skickas av vårdavdelningen."))
    municipal = [r for r in receivers if r.kind in MUNICIPAL_KINDS]
    if not municipal:
        raise HemmaError(_("Välj minst en kommunal enhet som mottagare."))
    if any(r.kind not in MUNICIPAL_KINDS for r in receivers):
        raise HemmaError(_("Mottagare ska vara hemsjukvård eller hemtjänst."))
    return case_admission_send(staff=staff, unit=unit, receivers=municipal, **notice)


def case_update_estimate(
    *, staff: Staff, unit: Unit, case: DischargeCase, estimated_discharge: date, base_version: int
) -> DischargeCase:
    with transaction.atomic():
        case = _locked(case, base_version)
        _require_ward(staff, unit, case)
        if case.status != DischargeCase.Status.OPEN:
            raise NotAllowed(_("Ärendet är avslutat."))
        if estimated_discharge == case.estimated_discharge:
            raise HemmaError(_("Datumet är detsamma som tidigare."))
        old = case.estimated_discharge
        case.estimated_discharge = estimated_discharge
        _bump(case, "estimated_discharge")
        _send(
            case,
            CaseMessage.Kind.UPDATE,
            staff,
            unit,
            _("Beräknat utskrivningsdatum ändrat från %(old)s till %(new)s.")
            % {"old": old, "new": estimated_discharge},
        )
        _log(staff, unit, case, "estimate updated")
    return case


def fixed_contact_appoint(
    *, staff: Staff, unit: Unit, case: DischargeCase, contact: Staff
) -> DischargeCase:
    """The primary care centre's manager appoints a named fixed care contact."""
    with transaction.atomic():
        case = _locked(case)
        membership = _member(staff, unit)
        if unit.pk != case.patient.listed_unit_id or membership is None:
            raise NotAllowed(_("Fast vårdkontakt utses av patientens vårdcentral."))
        if membership.role != Membership.Role.MANAGER:
            raise NotAllowed(_("Bara vårdcentralens chef utser fast vårdkontakt."))
        if case.fixed_contact_id:
            raise Conflict(_("Patienten har redan en fast vårdkontakt."))
        if _member(contact, unit) is None:
            raise HemmaError(_("Den fasta vårdkontakten ska arbeta på vårdcentralen."))
        case.fixed_contact, case.fixed_contact_appointed_at = contact, timezone.now()
        _bump(case, "fixed_contact", "fixed_contact_appointed_at")
        _send(
            case,
            CaseMessage.Kind.FIXED_CONTACT,
            staff,
            unit,
            _("Fast vårdkontakt: %(name)s, %(unit)s, %(phone)s.")
            % {"name": contact.display_name, "unit": unit.name, "phone": unit.phone},
        )
        _log(staff, unit, case, "fixed care contact")
    return case


def case_mark_ready(*, staff: Staff, unit: Unit, case: DischargeCase) -> DischargeCase:
    _require_physician(staff)
    with transaction.atomic():
        case = _locked(case)
        _require_ward(staff, unit, case)
        if case.status != DischargeCase.Status.OPEN:
            raise NotAllowed(_("Ärendet är avslutat."))
        if case.ready_at is not None:
            raise Conflict(_("Patienten är redan utskrivningsklar."))
        case.ready_at = timezone.now()
        _bump(case, "ready_at")
        _send(case, CaseMessage.Kind.READY, staff, unit, _("Patienten är utskrivningsklar."))
        episode_notices_sync(case)
        _log(staff, unit, case, "ready for discharge")
    return case


def case_withdraw_ready(
    *, staff: Staff, unit: Unit, case: DischargeCase, reason: str
) -> DischargeCase:
    """No longer ready (e.g. new fever): withdrawn at once, the payment clock stops."""
    _require_physician(staff)
    if not reason.strip():
        raise HemmaError(_("Ange varför patienten inte längre är utskrivningsklar."))
    with transaction.atomic():
        case = _locked(case)
        _require_ward(staff, unit, case)
        if case.ready_at is None:
            raise Conflict(_("Patienten är inte utskrivningsklar."))
        case.ready_at = None
        _bump(case, "ready_at")
        _send(case, CaseMessage.Kind.READY_WITHDRAWN, staff, unit, reason.strip())
        episode_notices_sync(case)
        _log(staff, unit, case, "ready withdrawn")
    return case


def _require_case_unit(staff: Staff, unit: Unit, case: DischargeCase) -> None:
    on_case = unit.pk == case.ward_id or case.receivers.filter(pk=unit.pk).exists()
    if not on_case or _member(staff, unit) is None:
        raise NotAllowed(_("Din enhet är inte med i ärendet."))


def _require_sip_unit(staff: Staff, unit: Unit, case: DischargeCase) -> None:
    """The SIP is drawn up by the case's health-care units; home care (SoL) is no SIP party
    in Hemma (the model records SIP participants as free text only)."""
    _require_case_unit(staff, unit, case)
    if unit.kind == Unit.Kind.HOME_CARE:
        raise NotAllowed(_("Hemtjänsten ser inte SIP-planen."))


def sip_consent_record(*, staff: Staff, unit: Unit, case: DischargeCase) -> DischargeCase:
    with transaction.atomic():
        case = _locked(case)
        _require_sip_unit(staff, unit, case)
        if case.sip_consent_at is None:
            case.sip_consent_at = timezone.now()
            _bump(case, "sip_consent_at")
            _log(staff, unit, case, "SIP consent")
    return case


def sip_call(
    *,
    staff: Staff,
    unit: Unit,
    case: DischargeCase,
    meeting_at: datetime,
    participants: str,
    place: str = "",
    video_link: str = "",
) -> SipMeeting:
    """The fixed care contact calls the SIP meeting (requires the patient's consent)."""
    with transaction.atomic():
        case = _locked(case)
        if case.fixed_contact_id != staff.pk:
            raise NotAllowed(_("SIP kallas av patientens fasta vårdkontakt."))
        _require_sip_unit(staff, unit, case)
        if case.sip_consent_at is None:
            raise NotAllowed(_("SIP kräver patientens samtycke. Registrera samtycket först."))
        if not participants.strip():
            raise HemmaError(_("Ange vilka som kallas."))
        if not place.strip() and not video_link.strip():
            raise HemmaError(_("Ange plats eller videolänk."))
        if meeting_at < timezone.now():
            raise HemmaError(_("Mötestiden har redan passerat."))
        meeting = SipMeeting.objects.create(
            case=case,
            called_by=staff,
            meeting_at=meeting_at,
            place=place.strip(),
            video_link=video_link.strip(),
            participants=participants.strip(),
        )
        local = timezone.localtime(meeting_at).strftime("%Y-%m-%d %H:%M")
        _send(
            case,
            CaseMessage.Kind.SIP_CALL,
            staff,
            unit,
            _("SIP-möte %(when)s, %(where)s. Kallade: %(who)s.")
            % {"when": local, "where": place.strip() or video_link.strip(), "who": participants},
        )
        _log(staff, unit, case, "SIP call")
    return meeting


def receipt_read(*, staff: Staff, unit: Unit, case: DischargeCase) -> int:
    """Opening the case marks this unit's unread messages on it as read."""
    return MessageReceipt.objects.filter(
        message__case=case, unit=unit, read_at__isnull=True
    ).update(read_at=timezone.now(), read_by=staff)


def receipt_acknowledge(*, staff: Staff, unit: Unit, receipt: MessageReceipt) -> MessageReceipt:
    if receipt.unit_id != unit.pk or _member(staff, unit) is None:
        raise NotAllowed(_("Meddelandet är inte ställt till din enhet."))
    now = timezone.now()
    updated = MessageReceipt.objects.filter(pk=receipt.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now,
        acknowledged_by=staff,
        read_at=receipt.read_at or now,
        read_by=receipt.read_by or staff,
    )
    if not updated:
        raise Conflict(_("Meddelandet är redan kvitterat."))
    receipt.refresh_from_db()
    return receipt


def case_discharge(*, staff: Staff, unit: Unit, case: DischargeCase) -> DischargeCase:
    with transaction.atomic():
        case = _locked(case)
        _require_ward(staff, unit, case)
        if case.status != DischargeCase.Status.OPEN:
            raise Conflict(_("Patienten är redan utskriven."))
        case.status, case.discharged_at = DischargeCase.Status.DISCHARGED, timezone.now()
        _bump(case, "status", "discharged_at")
        _send(case, CaseMessage.Kind.DISCHARGED, staff, unit, _("Patienten är utskriven."))
        _log(staff, unit, case, "discharged")
    return case


def sip_plan_save(
    *,
    staff: Staff,
    unit: Unit,
    case: DischargeCase,
    base_number: int,
    needs: str,
    goals: str,
    actions: list[dict],
    follow_up_on: date,
    evaluation: str = "",
) -> SipPlan:
    """A new version of the SIP plan; a save based on an older version is refused."""
    if not needs.strip() or not goals.strip() or not actions:
        raise HemmaError(_("Ange behov, mål och vem som gör vad."))
    with transaction.atomic():
        case = _locked(case)
        _require_sip_unit(staff, unit, case)
        if case.sip_consent_at is None:
            raise NotAllowed(_("SIP kräver patientens samtycke. Registrera samtycket först."))
        latest = case.sip_plans.order_by("-number").first()
        current = latest.number if latest else 0
        if base_number != current:
            raise Conflict(
                _("Någon annan har sparat version %(n)s av planen. Läs den och gör om ändringen.")
                % {"n": current}
            )
        plan = SipPlan.objects.create(
            case=case,
            number=current + 1,
            needs=needs.strip(),
            goals=goals.strip(),
            actions=actions,
            follow_up_on=follow_up_on,
            evaluation=evaluation.strip(),
            created_by=staff,
        )
        _log(staff, unit, case, f"SIP plan v{plan.number}")
    return plan
