"""Reads of discharge cases: only the ward and the receiving units see a case, every
opening is access-logged; deadlines from hemma.clinical.discharge_law."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.clinical.discharge_law import (
    DEFAULT_PAYMENT_DAYS,
    admission_notice_deadline,
    payment_days,
    sip_call_deadline,
)

from .models import CaseMessage, DischargeCase, MessageReceipt, PaymentAgreement


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


def ward_cases(ward: Unit):
    """The discharge coordinator's list: open cases with messages and receipts prefetched."""
    return (
        DischargeCase.objects.filter(ward=ward, status=DischargeCase.Status.OPEN)
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
        .order_by("estimated_discharge")
    )


def inbox(unit: Unit):
    """Messages to the unit, unread first."""
    return (
        MessageReceipt.objects.filter(unit=unit)
        .select_related("message__case__patient", "message__from_unit", "message__sent_by__user")
        .order_by(F("read_at").asc(nulls_first=True), "-message__sent_at")
    )


def unread_count(unit: Unit) -> int:
    return MessageReceipt.objects.filter(unit=unit, read_at__isnull=True).count()


def cases_for_unit(unit: Unit):
    return (
        DischargeCase.objects.filter(receivers=unit, status=DischargeCase.Status.OPEN)
        .select_related("patient", "ward", "fixed_contact__user")
        .prefetch_related("receivers", "messages")
        .annotate(
            unread=Count(
                "messages__receipts",
                filter=Q(messages__receipts__unit=unit, messages__receipts__read_at__isnull=True),
            )
        )
        .order_by("estimated_discharge")
    )


def get_case_for_user(*, staff: Staff, unit: Unit, case_id: int, action=None) -> DischargeCase:
    case = (
        DischargeCase.objects.select_related("patient__listed_unit", "ward__organisation")
        .filter(pk=case_id)
        .first()
    )
    member = staff.memberships.filter(unit=unit).exists()
    allowed = (
        case is not None
        and member
        and (unit.pk == case.ward_id or case.receivers.filter(pk=unit.pk).exists())
    )
    access_log_record(
        staff=staff,
        unit=unit,
        patient=case.patient if case else None,
        action=action or AccessLogEntry.Action.VIEW_PATIENT,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED if allowed else AccessLogEntry.Outcome.DENIED,
        detail=f"discharge case id={case_id}",
    )
    if not allowed:
        raise Http404("No case")
    return case
