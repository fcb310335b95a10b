"""The access log as FHIR AuditEvents, for a log-review client (the region's or the
municipality's log analysis tool; PDL 4 kap. 3 §, logguppföljning).

Only a client registered for log review reads them – its membership has the role log
reviewer, which opens no patient record – and it reads the entries made through the
units of its own organisation, as a person reviewing the log on the web does
(hemma.logreview). Reading the log is itself logged (purpose log review).

The mapping follows IHE Basic Audit Log Patterns (BALP) for a RESTful read: type `rest`,
subtype the interaction, the user and the unit as agents, the patient as entity, and the
purpose of use from the access's purpose."""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from hemma.accounts.selectors import reviewable_organisation_ids
from hemma.audit.models import AccessLogEntry
from hemma.clinical.identifiers import row_id
from hemma.logreview.selectors import LogFilter, log_entries_for_review
from hemma.logreview.services import log_review_record

from .resources import HSA_ID, _clean, instant
from .search import SearchError, decode_cursor, encode_cursor, parse_count, parse_date
from .search import parse_reference as reference
from .selectors import Caller, Page, one, only

AUDIT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL = "http://hl7.org/fhir/restful-interaction"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
ACTIONS = {  # log action → (AuditEvent.action, the RESTful interaction it most resembles)
    "view_patient": ("R", "read"),
    "edit_patient": ("U", "update"),
    "register_patient": ("C", "create"),
    "search": ("E", "search-type"),
    "list_patients": ("E", "search-type"),
    "emergency_access": ("R", "read"),
    "log_extract": ("R", "read"),
    "export": ("R", "read"),
    "api_read": ("R", "read"),
}
PURPOSES = {"care": "TREAT", "emergency": "ETREAT", "log_review": "HOPERAT"}


class NotALogReviewer(Exception):
    """The client is not registered for log review."""


def audit_event(entry: AccessLogEntry) -> dict:
    action, interaction = ACTIONS.get(entry.action, ("E", "read"))
    denied = entry.outcome == AccessLogEntry.Outcome.DENIED
    return _clean(
        {
            "resourceType": "AuditEvent",
            "id": str(entry.pk),
            "type": {"system": AUDIT_TYPE, "code": "rest", "display": "RESTful Operation"},
            "subtype": [{"system": RESTFUL, "code": interaction}],
            "action": action,
            "recorded": instant(entry.occurred_at),
            "outcome": "4" if denied else "0",  # 4: minor failure – the access was refused
            "outcomeDesc": entry.get_outcome_display(),
            "purposeOfEvent": [
                {"coding": [{"system": ACT_REASON, "code": PURPOSES.get(entry.purpose, "TREAT")}]}
            ],
            "agent": [
                {
                    "type": {"coding": [{"system": PARTICIPATION, "code": "IRCP"}]},
                    "who": {
                        "identifier": {"system": HSA_ID, "value": entry.staff_hsa_id}
                        if entry.staff_hsa_id
                        else None,
                        "display": entry.user_display,
                    },
                    "requestor": True,
                },
                {
                    "type": {"text": "unit"},
                    "who": {
                        "identifier": {"system": HSA_ID, "value": entry.unit.hsa_id},
                        "display": entry.unit_display,
                    },
                    "requestor": False,
                }
                if entry.unit_id
                else None,
            ],
            "source": {"observer": {"display": "Hemma"}},
            "entity": [
                {
                    "what": {
                        "reference": f"Patient/{entry.patient_id}",
                        "display": entry.patient_display,
                    },
                    "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
                    "description": entry.get_action_display(),
                    "detail": [{"type": "detail", "valueString": entry.detail}]
                    if entry.detail
                    else [],
                }
                if entry.patient_id
                else {"description": entry.get_action_display(), "name": entry.detail},
            ],
        }
    )


def _entries(caller: Caller):
    if not reviewable_organisation_ids(caller.staff):
        raise NotALogReviewer
    return log_entries_for_review(reviewer=caller.staff, log_filter=LogFilter()).select_related(
        "unit"
    )


def audit_event_search(caller: Caller, params) -> Page:
    only(params, {"patient", "entity", "date", "outcome", "_count", "_cursor"})
    count = parse_count(one(params, "_count"))
    entries = _entries(caller)
    for name in ("patient", "entity"):
        if (value := one(params, name)) is not None:
            entries = entries.filter(patient_id=reference(name, value, "Patient"))
    for text in params.getlist("date"):
        low, high = parse_date("date", text, timezone.get_current_timezone()).bounds()
        if low is not None:
            entries = entries.filter(occurred_at__gte=low)
        if high is not None:
            entries = entries.filter(occurred_at__lt=high)
    if (outcome := one(params, "outcome")) is not None:
        if outcome not in ("0", "4"):
            raise SearchError("outcome", "outcome is 0 (granted) or 4 (denied)")
        entries = entries.filter(
            outcome=AccessLogEntry.Outcome.DENIED
            if outcome == "4"
            else AccessLogEntry.Outcome.GRANTED
        )
    if (cursor := one(params, "_cursor")) is not None:
        moment, last = decode_cursor(cursor, 2)
        try:
            when, last_id = datetime.fromisoformat(moment), int(last)
        except ValueError as error:
            raise SearchError("_cursor", "the paging cursor is damaged") from error
        entries = entries.filter(Q(occurred_at__lt=when) | Q(occurred_at=when, pk__lt=last_id))
    found = list(entries[: count + 1])
    shown = found[:count]
    log_review_record(staff=caller.staff, unit=caller.unit, entries=shown)
    more = len(found) > count
    return Page(
        [audit_event(entry) for entry in shown],
        encode_cursor(shown[-1].occurred_at.isoformat(), shown[-1].pk) if more else None,
    )


def audit_event_read(caller: Caller, entry_id: str) -> dict | None:
    pk = row_id(entry_id)
    entry = _entries(caller).filter(pk=pk).first() if pk else None
    if entry is None:
        return None
    log_review_record(staff=caller.staff, unit=caller.unit, entries=[entry])
    return audit_event(entry)
