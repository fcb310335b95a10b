"""Care requests and logistics: every change of state, in a transaction, access-logged."""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Staff, Unit
from hemma.careplans.models import Agreement
from hemma.clinical import episode_states as states
from hemma.clinical.antibiotics import looks_like_antibiotic
from hemma.episodes.models import ChecklistItem, Consent, Episode
from hemma.episodes.services import checklist_mark_done, episode_log
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.policy import require_action
from hemma.patients.services import care_relationship_ensure

from .models import CareRequest, CareRequestMessage, LogisticsOrder, Medication

# The unit kinds each request goes to: care at home to the visiting team (municipal home
# health care or the hospital's mobile or stroke team), home care to home care.
RECEIVER_KINDS = {
    CareRequest.Kind.HOME_HEALTH: Unit.VISITING_KINDS,
    CareRequest.Kind.HOME_CARE: (Unit.Kind.HOME_CARE,),
    CareRequest.Kind.SUPERVISION: (Unit.Kind.HOME_CARE,),
}
# The episode's kind of visiting that a visiting unit's kind gives.
VISITING_OF_KIND = {kind: visiting for visiting, kind in Episode.VISITING_UNIT_KIND.items()}
# After discharge a new request can continue care at home (e.g. wound care).
SENDABLE_STATES = (
    states.AGREED,
    states.PREPARING,
    states.AT_HOME,
    states.READMITTED,
    states.DISCHARGED,
)


def supervision_end_problem(start_at: datetime, ends_on: date | None) -> str | None:
    """Extended supervision: at most 5 calendar days after the start's local date without a
    SIP (the municipality's rule, seed 000). None when fine, else the Swedish message."""
    if ends_on is None:
        return _("Ange slutdatum för den utökade tillsynen.")
    start = timezone.localdate(start_at)
    if ends_on < start:
        return _("Slutdatumet ligger före starten.")
    last = start + timedelta(days=CareRequest.SUPERVISION_MAX_DAYS)
    if ends_on > last:
        return _(
            "Utökad tillsyn utan SIP kan pågå i högst %(n)s dagar: sista möjliga slutdatum är "
            "%(last)s. Kalla till SIP för en längre insats."
        ) % {"n": CareRequest.SUPERVISION_MAX_DAYS, "last": last.isoformat()}
    return None


def _require_member(staff: Staff, unit: Unit) -> None:
    if not Membership.objects.filter(staff=staff, unit=unit).exists():
        raise NotAllowed(_("Du är inte medlem i enheten."))


def _require_sender(staff: Staff, unit: Unit, care_request: CareRequest) -> None:
    if unit.pk != care_request.from_unit_id:
        raise NotAllowed(_("Bara den enhet som skickade vårdbegäran kan göra detta."))
    _require_member(staff, unit)


def _require_receiver(staff: Staff, unit: Unit, care_request: CareRequest) -> None:
    if unit.pk != care_request.to_unit_id:
        raise NotAllowed(_("Bara den mottagande enheten kan göra detta."))
    _require_member(staff, unit)


def _locked(care_request: CareRequest) -> CareRequest:
    return (
        CareRequest.objects.select_for_update()
        .select_related("episode__patient", "episode__ward")
        .get(pk=care_request.pk)
    )


def _medications(rows: list[dict]) -> list[Medication]:
    medications = []
    for row in rows:
        drug = row.get("drug", "").strip()
        if not drug:
            continue
        if not row.get("dose", "").strip() or not row.get("times", "").strip():
            raise HemmaError(_("Ange dos och tider för %(drug)s.") % {"drug": drug})
        if row.get("route") not in Medication.Route.values:
            raise HemmaError(_("Okänt administrationssätt för %(drug)s.") % {"drug": drug})
        medications.append(
            Medication(
                drug=drug,
                dose=row["dose"].strip(),
                route=row["route"],
                times=row["times"].strip(),
                # A known antibiotic is flagged even when the sender forgot to.
                is_antibiotic=bool(row.get("is_antibiotic")) or looks_like_antibiotic(drug),
            )
        )
    return medications


def care_request_send(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    kind: str,
    to_unit: Unit,
    reason: str,
    start_at: datetime,
    interventions: str,
    medications: list[dict] | None = None,
    ends_on: date | None = None,
) -> CareRequest:
    """Step 5: the ward sends a care request with the medication list and the agreement;
    extended supervision to home care with its end date (at most 5 days after the start)."""
    if not reason.strip() or not interventions.strip():
        raise HemmaError(_("Ange orsak och vilka insatser som önskas."))
    if kind == CareRequest.Kind.SUPERVISION:
        problem = supervision_end_problem(start_at, ends_on)
        if problem:
            raise HemmaError(problem)
    elif ends_on is not None:
        raise HemmaError(_("Slutdatum anges bara för utökad tillsyn."))
    if to_unit.kind not in RECEIVER_KINDS.get(kind, ()):
        raise HemmaError(
            _("Vårdbegäran av typen ”%(kind)s” går till en enhet av typen ”%(unit)s”.")
            % {
                "kind": CareRequest.Kind(kind).label,
                "unit": " / ".join(str(Unit.Kind(k).label) for k in RECEIVER_KINDS[kind]),
            }
            if kind in RECEIVER_KINDS
            else _("Okänd typ av vårdbegäran.")
        )
    meds = _medications(medications or [])
    try:
        with transaction.atomic():
            episode = (
                Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
            )
            if unit.pk != episode.ward_id:
                raise NotAllowed(_("Vårdbegäran skickas av avdelningen som har vårdtillfället."))
            require_action(staff=staff, unit=unit, action="send_care_request", episode=episode)
            if episode.state not in SENDABLE_STATES:
                raise NotAllowed(_("Vårdbegäran skickas när samtycke och överenskommelse finns."))
            consent = Consent.objects.filter(episode=episode).first()
            if consent is None or not consent.patient_agrees:
                raise NotAllowed(_("Vårdbegäran skickas när samtycke och överenskommelse finns."))
            # Sharing is the region–municipality question: the hospital's own teams need none.
            if to_unit.organisation_id != unit.organisation_id and not consent.shares_information:
                raise NotAllowed(
                    _("Patienten har inte samtyckt till informationsdelning med kommunen.")
                )
            agreement = Agreement.objects.filter(episode=episode).first()
            version = agreement.versions.get(number=agreement.current_number) if agreement else None
            if kind == CareRequest.Kind.HOME_HEALTH and version is None:
                raise NotAllowed(_("Skriv den dokumenterade överenskommelsen först."))
            care_request = CareRequest.objects.create(
                episode=episode,
                kind=kind,
                from_unit=unit,
                to_unit=to_unit,
                reason=reason.strip(),
                start_at=start_at,
                interventions=interventions.strip(),
                ends_on=ends_on,
                agreement_version=version if kind == CareRequest.Kind.HOME_HEALTH else None,
                sent_by=staff,
            )
            for medication in meds:
                medication.care_request = care_request
            Medication.objects.bulk_create(meds)
            # Care at home is health care (HSL): the receiver becomes the visiting team.
            if kind == CareRequest.Kind.HOME_HEALTH and episode.home_health_unit_id != to_unit.pk:
                episode.home_health_unit = to_unit
                episode.visiting = VISITING_OF_KIND[to_unit.kind]
                episode.save(update_fields=["home_health_unit", "visiting"])
            # The receiver gets a care relationship, the basis of every read (policy.py):
            # home health care reads the record (HSL); a home-care unit's relationship opens
            # only what its own request needs (Scope.SOL), and both only with consent.
            care_relationship_ensure(episode.patient, to_unit, staff)
            episode_log(staff=staff, unit=unit, episode=episode, detail=f"care request {kind} sent")
    except IntegrityError:
        raise Conflict(
            _("Det finns redan en pågående vårdbegäran av samma typ till den enheten.")
        ) from None
    return care_request


def care_request_mark_read(*, staff: Staff, unit: Unit, care_request: CareRequest) -> CareRequest:
    """The receiving unit opened the request: the sender sees when it was read."""
    if care_request.read_at is not None or unit.pk != care_request.to_unit_id:
        return care_request
    with transaction.atomic():
        care_request = _locked(care_request)
        if care_request.read_at is None:
            care_request.read_at, care_request.read_by = timezone.now(), staff
            care_request.save(update_fields=["read_at", "read_by"])
    return care_request


def _answer(care_request: CareRequest, staff: Staff, status: str, reason: str = "") -> None:
    now = timezone.now()
    care_request.status = status
    care_request.answered_at, care_request.answered_by = now, staff
    care_request.decline_reason = reason
    if care_request.read_at is None:
        care_request.read_at, care_request.read_by = now, staff
    care_request.save()


def care_request_accept(*, staff: Staff, unit: Unit, care_request: CareRequest) -> CareRequest:
    with transaction.atomic():
        care_request = _locked(care_request)
        _require_receiver(staff, unit, care_request)
        if not care_request.is_open:
            raise Conflict(_("Vårdbegäran är redan besvarad."))
        _answer(care_request, staff, CareRequest.Status.ACCEPTED)
        if care_request.kind == CareRequest.Kind.HOME_HEALTH:
            checklist_mark_done(
                care_request.episode, ChecklistItem.Key.CARE_REQUEST_ACCEPTED, staff
            )
        episode_log(
            staff=staff, unit=unit, episode=care_request.episode, detail="care request accepted"
        )
    return care_request


def care_request_decline(
    *, staff: Staff, unit: Unit, care_request: CareRequest, reason: str
) -> CareRequest:
    if not reason.strip():
        raise HemmaError(_("Ange varför vårdbegäran avböjs."))
    with transaction.atomic():
        care_request = _locked(care_request)
        _require_receiver(staff, unit, care_request)
        if not care_request.is_open:
            raise Conflict(_("Vårdbegäran är redan besvarad."))
        _answer(care_request, staff, CareRequest.Status.DECLINED, reason.strip())
        episode_log(
            staff=staff, unit=unit, episode=care_request.episode, detail="care request declined"
        )
    return care_request


def care_request_ask(
    *, staff: Staff, unit: Unit, care_request: CareRequest, question: str
) -> CareRequestMessage:
    """The receiver asks the sender a question instead of phoning; the request waits."""
    if not question.strip():
        raise HemmaError(_("Skriv frågan."))
    with transaction.atomic():
        care_request = _locked(care_request)
        _require_receiver(staff, unit, care_request)
        if not care_request.is_open:
            raise Conflict(_("Vårdbegäran är redan besvarad."))
        if care_request.read_at is None:
            care_request.read_at, care_request.read_by = timezone.now(), staff
        care_request.status = CareRequest.Status.QUESTION
        care_request.save()
        message = CareRequestMessage.objects.create(
            care_request=care_request,
            kind=CareRequestMessage.Kind.QUESTION,
            text=question.strip(),
            by=staff,
            unit=unit,
        )
        episode_log(
            staff=staff, unit=unit, episode=care_request.episode, detail="care request question"
        )
    return message


def care_request_answer(
    *, staff: Staff, unit: Unit, care_request: CareRequest, answer: str
) -> CareRequestMessage:
    if not answer.strip():
        raise HemmaError(_("Skriv svaret."))
    with transaction.atomic():
        care_request = _locked(care_request)
        _require_sender(staff, unit, care_request)
        if care_request.status != CareRequest.Status.QUESTION:
            raise Conflict(_("Det finns ingen obesvarad fråga."))
        care_request.status = CareRequest.Status.SENT
        care_request.save(update_fields=["status"])
        message = CareRequestMessage.objects.create(
            care_request=care_request,
            kind=CareRequestMessage.Kind.ANSWER,
            text=answer.strip(),
            by=staff,
            unit=unit,
        )
        episode_log(
            staff=staff, unit=unit, episode=care_request.episode, detail="care request answer"
        )
    return message


def care_request_withdraw(
    *, staff: Staff, unit: Unit, care_request: CareRequest, reason: str
) -> CareRequest:
    if not reason.strip():
        raise HemmaError(_("Ange varför vårdbegäran återkallas."))
    with transaction.atomic():
        care_request = _locked(care_request)
        _require_sender(staff, unit, care_request)
        if care_request.status not in CareRequest.LIVE_STATUSES:
            raise Conflict(_("Vårdbegäran är redan avslutad."))
        care_request.status = CareRequest.Status.WITHDRAWN
        care_request.decline_reason = reason.strip()
        care_request.save(update_fields=["status", "decline_reason"])
        if care_request.kind == CareRequest.Kind.HOME_HEALTH:
            ChecklistItem.objects.filter(
                episode=care_request.episode,
                key=ChecklistItem.Key.CARE_REQUEST_ACCEPTED,
                status=ChecklistItem.Status.DONE,
            ).update(status=ChecklistItem.Status.OPEN, by=None, at=None)
        episode_log(
            staff=staff, unit=unit, episode=care_request.episode, detail="care request withdrawn"
        )
    return care_request


def _require_episode_team(staff: Staff, unit: Unit, episode: Episode, action: str) -> None:
    """Ordering is the owning ward's; the ward and home health care deliver."""
    if unit.pk not in (episode.ward_id, episode.home_health_unit_id):
        raise NotAllowed(_("Bara avdelningen och hemsjukvården hanterar logistiken."))
    require_action(staff=staff, unit=unit, action=action, episode=episode)


def logistics_order_add(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    category: str,
    item: str,
    quantity: int,
    delivery_place: str,
    responsible_unit: Unit,
    travels_with_patient: bool = False,
    note: str = "",
) -> LogisticsOrder:
    """Step 6: order medicines, supplies, sampling material, equipment or assistive devices."""
    if not item.strip():
        raise HemmaError(_("Ange vad som ska beställas."))
    if quantity < 1:
        raise HemmaError(_("Antalet måste vara minst 1."))
    with transaction.atomic():
        episode = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
        _require_episode_team(staff, unit, episode, "order_logistics")
        if not episode.is_open or episode.state == states.CANDIDATE:
            raise NotAllowed(_("Logistik beställs för ett pågående vårdtillfälle efter beslut."))
        if responsible_unit.pk not in (episode.ward_id, episode.home_health_unit_id) and (
            responsible_unit.pk != episode.patient.listed_unit_id
        ):
            raise HemmaError(
                _("Ansvarig enhet ska vara avdelningen, hemsjukvården eller vårdcentralen.")
            )
        order = LogisticsOrder.objects.create(
            episode=episode,
            category=category,
            item=item.strip(),
            quantity=quantity,
            delivery_place=delivery_place,
            responsible_unit=responsible_unit,
            travels_with_patient=travels_with_patient,
            note=note.strip(),
            ordered_by=staff,
        )
        episode_log(staff=staff, unit=unit, episode=episode, detail=f"logistics {category} ordered")
    return order


def logistics_order_advance(*, staff: Staff, unit: Unit, order: LogisticsOrder) -> LogisticsOrder:
    """ordered → ready → delivered, with the time of each step."""
    with transaction.atomic():
        order = (
            LogisticsOrder.objects.select_for_update()
            .select_related("episode__patient")
            .get(pk=order.pk)
        )
        _require_episode_team(staff, unit, order.episode, "deliver_logistics")
        next_status = LogisticsOrder.NEXT_STATUS.get(order.status)
        if next_status is None:
            raise Conflict(_("Beställningen är redan levererad."))
        order.status = next_status
        now = timezone.now()
        if next_status == LogisticsOrder.Status.READY:
            order.ready_at = now
        else:
            order.delivered_at = now
        order.save()
        episode_log(
            staff=staff, unit=unit, episode=order.episode, detail=f"logistics -> {next_status}"
        )
    return order
