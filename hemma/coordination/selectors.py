"""Reads of discharge cases (lag 2017:612): the ward and the receiving units see a case, and
only while that unit may see the patient (patients.policy: its own open or in-grace care
relationship, and for a municipal unit the patient's consent to sharing) – so every list,
counter and page follows the record and a revoked consent hides the case at once. Every
opening is access-logged, every refusal (an unknown id too) writes a denied entry naming
the case; deadlines from hemma.clinical.discharge_law."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from hemma.accounts.models import Membership, Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.clinical.discharge_law import (
    DEFAULT_PAYMENT_DAYS,
    admission_notice_deadline,
    payment_days,
    sip_call_deadline,
)
from hemma.patients.models import Patient
from hemma.patients.policy import (
    CARE_ROLES,
    AccessDecision,
    decide_unit_access,
    patients_visible_to,
)
from hemma.patients.selectors import deny, get_patient_for_user, log_granted

from .models import CaseMessage, DischargeCase, MessageReceipt, PaymentAgreement

HOME_CARE = Unit.Kind.HOME_CARE
WARD_ACTIONS = frozenset({"estimate", "discharge"})
PHYSICIAN_ACTIONS = frozenset({"ready", "withdraw"})  # the ward's physician
SIP_ACTIONS = frozenset({"consent", "sip"})


@dataclass(frozen=True)
class CaseClock:
    notice_deadline: datetime
    notice_late: bool
    sip_deadline: datetime | None
    sip_called: bool
    sip_late: bool
    payment_days: int
    payment_amount: Decimal | None
    days_after_ready: int


def payment_agreements() -> dict[tuple[int, int], PaymentAgreement]:
    """Every local payment agreement by (region, municipality): one row per pair, read once
    per page however many cases it shows."""
    return {(a.region_id, a.municipality_id): a for a in PaymentAgreement.objects.all()}


def clock(
    case: DischargeCase, now: datetime | None = None, agreements: dict | None = None
) -> CaseClock:
    """The case's statutory deadlines and payment days as of now."""
    agreements = payment_agreements() if agreements is None else agreements
    now = now or timezone.now()
    messages = list(case.messages.all())
    admission = next((m for m in messages if m.kind == CaseMessage.Kind.ADMISSION), None)
    sip_called = any(m.kind == CaseMessage.Kind.SIP_CALL for m in messages)
    municipalities = [
        u.organisation_id
        for u in case.receivers.all()
        if u.kind in ("home_health_care", "home_care")
    ]
    agreement = next(
        (
            agreements[(case.ward.organisation_id, m)]
            for m in municipalities
            if (case.ward.organisation_id, m) in agreements
        ),
        None,
    )
    days_after = agreement.days_after_ready if agreement else DEFAULT_PAYMENT_DAYS
    sip_deadline = sip_call_deadline(case.ready_at) if case.ready_at and municipalities else None
    until = case.discharged_at or now
    days = payment_days(case.ready_at, until, days_after) if case.ready_at else 0
    return CaseClock(
        notice_deadline=admission_notice_deadline(case.support_judged_at),
        notice_late=bool(admission and admission.late),
        sip_deadline=sip_deadline,
        sip_called=sip_called,
        sip_late=bool(sip_deadline and not sip_called and now > sip_deadline),
        payment_days=days,
        payment_amount=(agreement.daily_amount * days) if agreement else None,
        days_after_ready=days_after,
    )


def ward_cases(ward: Unit, staff: Staff | None):
    """The discharge coordinator's list: open cases of patients the ward may list, with
    messages and receipts prefetched."""
    return (
        DischargeCase.objects.filter(
            ward=ward,
            status=DischargeCase.Status.OPEN,
            patient__in=patients_visible_to(staff, ward),
        )
        .select_related("patient", "ward", "fixed_contact__user")
        .prefetch_related(
            "receivers",
            Prefetch(
                "messages",
                queryset=CaseMessage.objects.prefetch_related(
                    Prefetch("receipts", queryset=MessageReceipt.objects.select_related("unit"))
                ),
            ),
        )
        .order_by("estimated_discharge", "pk")
    )


def _receipts(staff: Staff | None, unit: Unit) -> QuerySet:
    return MessageReceipt.objects.filter(
        unit=unit, message__case__patient__in=patients_visible_to(staff, unit)
    )


def inbox(unit: Unit, staff: Staff | None):
    """Messages to the unit about patients it may list, unread first."""
    return (
        _receipts(staff, unit)
        .select_related("message__case__patient", "message__from_unit", "message__sent_by__user")
        .order_by(F("read_at").asc(nulls_first=True), "-message__sent_at")
    )


def unread_receipts(staff: Staff | None, unit: Unit) -> QuerySet:
    """Unread messages (the menu badge): a hidden patient is not counted."""
    return _receipts(staff, unit).filter(read_at__isnull=True)


def unread_count(unit: Unit, staff: Staff | None) -> int:
    return unread_receipts(staff, unit).count()


# A discharged case's messages stay current for a week (the discharge notice is read and
# acknowledged after the patient came home); then they are history.
CURRENT_AFTER_DISCHARGE = timedelta(days=7)
# The inbox's status filters, in the order of the page's tabs. "open" is a message not yet
# acknowledged (kvitterat); only "historic" shows the messages of cases discharged longer
# than CURRENT_AFTER_DISCHARGE ago.
INBOX_FILTERS = ("current", "unread", "open", "historic")


def _ongoing(now: datetime) -> Q:
    return Q(message__case__status=DischargeCase.Status.OPEN) | Q(
        message__case__discharged_at__gte=now - CURRENT_AFTER_DISCHARGE
    )


def inbox_filters(now: datetime | None = None) -> dict[str, Q]:
    ongoing = _ongoing(now or timezone.now())
    return {
        "current": ongoing,
        "unread": ongoing & Q(read_at__isnull=True),
        "open": ongoing & Q(acknowledged_at__isnull=True),
        "historic": ~ongoing,
    }


def inbox_page_receipts(staff: Staff | None, unit: Unit, status: str) -> QuerySet:
    """The unit's messages under one status filter: unread first, then newest first, in a
    stable order (to be paged)."""
    return (
        _receipts(staff, unit)
        .filter(inbox_filters()[status])
        .select_related("message__case__patient", "message__from_unit", "message__sent_by__user")
        .annotate(
            unread_first=Case(
                When(read_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("unread_first", "-message__sent_at", "-pk")
    )


def inbox_counts(staff: Staff | None, unit: Unit) -> dict[str, int]:
    """How many messages each status filter shows, in one query."""
    return _receipts(staff, unit).aggregate(
        **{name: Count("pk", filter=condition) for name, condition in inbox_filters().items()}
    )


def needs_action(staff: Staff | None, unit: Unit) -> QuerySet:
    """What waits for this unit (the menu badge and the start page): its messages of open
    or just discharged cases not yet acknowledged, of patients it may list. An old message
    of a case long closed is not work."""
    return _receipts(staff, unit).filter(inbox_filters()["open"])


def cases_for_unit(unit: Unit, staff: Staff | None):
    return (
        DischargeCase.objects.filter(
            receivers=unit,
            status=DischargeCase.Status.OPEN,
            patient__in=patients_visible_to(staff, unit),
        )
        .select_related("patient", "ward", "fixed_contact__user")
        .prefetch_related("receivers", "messages")
        .annotate(
            unread=Count(
                "messages__receipts",
                filter=Q(messages__receipts__unit=unit, messages__receipts__read_at__isnull=True),
            )
        )
        .order_by("estimated_discharge", "pk")
    )


@dataclass(frozen=True)
class CaseAccess:
    case: DischargeCase
    decision: AccessDecision
    membership: Membership
    is_ward: bool

    @property
    def sees_sip(self) -> bool:
        """The SIP (its meetings and plan) is health and care planning the parties draw up
        together; a home-care unit (SoL) sees only what its own notice says. The model
        records SIP participants as free text only, so no unit can be proved a participant
        and home care is never shown the SIP."""
        return self.decision.health_record and self.membership.unit.kind != HOME_CARE

    def allowed(self, staff: Staff) -> frozenset[str]:
        """The case actions this unit and person may take (templates show exactly these;
        the state is the service's to check)."""
        case = self.case
        actions = set()
        if self.is_ward:
            actions |= WARD_ACTIONS
            if staff.profession == Staff.Profession.PHYSICIAN:
                actions |= PHYSICIAN_ACTIONS
        if (
            self.membership.unit_id == case.patient.listed_unit_id
            and self.membership.role == Membership.Role.MANAGER
        ):
            actions.add("contact")
        if self.sees_sip:
            actions.add("consent")
            if case.fixed_contact_id == staff.pk:
                actions.add("sip")
        actions.add("acknowledge")
        return frozenset(actions)


def get_case_for_user(
    *, staff: Staff, unit: Unit, case_id: int, action=None, what: str = ""
) -> CaseAccess:
    """The ward and the receiving units, while they may see the patient, read the case;
    anyone else (and any unknown id) gets a 404 and a denied entry naming the case."""
    action = action or AccessLogEntry.Action.VIEW_PATIENT
    what = what or f"discharge case id={case_id}"
    case = (
        DischargeCase.objects.select_related("patient__listed_unit", "ward__organisation")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        deny(staff=staff, acting_unit=unit, what=what, action=action)
    membership = (
        Membership.objects.select_related("unit")
        .filter(staff=staff, unit=unit, role__in=CARE_ROLES)
        .first()
    )
    on_case = unit.pk == case.ward_id or case.receivers.filter(pk=unit.pk).exists()
    decision = (
        decide_unit_access(staff=staff, unit=unit, patient=case.patient)
        if membership is not None and on_case
        else None
    )
    if decision is None or not decision.granted:
        deny(staff=staff, acting_unit=unit, what=what, patient=case.patient, action=action)
    log_granted(staff=staff, decision=decision, patient=case.patient, action=action, detail=what)
    return CaseAccess(case, decision, membership, is_ward=unit.pk == case.ward_id)


def get_sip_case_for_user(*, staff: Staff, unit: Unit, case_id: int, action=None) -> CaseAccess:
    """The SIP plan page and its print: the case's units that see the SIP (not home care)."""
    what = f"SIP plan, discharge case id={case_id}"
    access = get_case_for_user(staff=staff, unit=unit, case_id=case_id, action=action, what=what)
    if not access.sees_sip:
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"{what} (home care)",
            patient=access.case.patient,
            action=action or AccessLogEntry.Action.VIEW_PATIENT,
        )
    return access


def case_page(access: CaseAccess, staff: Staff, unit: Unit) -> dict:
    """What the case page shows: the timeline of messages with their receipts, the clock,
    the receivers, the acting unit's own receipts by message id, the actions it may take,
    and the SIP meetings only where the unit sees the SIP."""
    case = access.case
    return {
        "case": case,
        "patient": case.patient,
        "timeline": case.messages.select_related("sent_by__user", "from_unit").prefetch_related(
            "receipts__unit"
        ),
        "clock": clock(case),
        "receivers": case.receivers.all(),
        # The SIP is not home care's (SoL): neither its meetings nor its plan.
        "sees_sip": access.sees_sip,
        "sip_meetings": case.sip_meetings.all() if access.sees_sip else [],
        "my_receipts": {
            r.message_id: r for r in MessageReceipt.objects.filter(message__case=case, unit=unit)
        },
        "allowed": access.allowed(staff),
    }


def receipt_of_case(
    case: DischargeCase, receipt_id: int | None, unit: Unit | None = None
) -> MessageReceipt | None:
    """A receipt of one of the case's messages (only the unit's own when `unit` is given)."""
    receipts = MessageReceipt.objects.filter(pk=receipt_id, message__case=case)
    return receipts.filter(unit=unit).first() if unit is not None else receipts.first()


def sip_plans(case: DischargeCase) -> list:
    """The case's SIP plan versions, newest first."""
    return list(case.sip_plans.select_related("created_by__user"))


def get_health_record_patient_for_user(
    *, staff: Staff, unit: Unit, patient_id, action, detail: str
) -> Patient:
    """A patient whose health record the acting unit reads (HSL): admission notices and
    frailty screenings are health care, not home care's (SoL). The policy's own check
    (`get_patient_for_user(health_record=True)`): home care, an invisible or unknown
    patient get a 404 and one denied entry; a granted read is logged."""
    return get_patient_for_user(
        staff=staff,
        acting_unit=unit,
        patient_id=patient_id,
        action=action,
        detail=detail,
        health_record=True,
    ).patient
