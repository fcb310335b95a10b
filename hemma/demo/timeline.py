"""Back-dating a demo episode: the services stamp every step at load time, so an episode
"on day 3" would show all its steps at one minute. Once walked, its records (transitions,
assessment, consent, agreement and its versions, care requests, orders, checklist, ...)
are spread in their order over the days the episode describes, at working hours
(08–16). Deterministic: the n-th step of an episode always lands at the same clock time
of the same day relative to the load. Only at creation (the demo walks an episode once),
so loading again changes nothing. The audit log is append-only and is left as it is.
The demo's discharge cases are spread the same way (`case_spread`)."""

from datetime import datetime, time, timedelta

from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from hemma.carerequests.models import CareRequest
from hemma.clinical.discharge_law import admission_notice_deadline
from hemma.coordination.models import CaseMessage, DischargeCase, MessageReceipt
from hemma.episodes.models import Episode

DAY_START, DAY_END = time(8, 0), time(16, 0)
SKIPPED_APPS = {"audit"}  # append-only: never rewritten


def _window(days: tuple[int, int], now: datetime) -> tuple[datetime, datetime]:
    """From the first day's 08:00 to the last day's 16:00 (a last day of 0 is today:
    until seven hours before now, so today's lab values and readings come after it)."""
    first, last = days
    today = timezone.localdate(now)
    start = timezone.make_aware(datetime.combine(today - timedelta(days=first), DAY_START))
    if last > 0:
        end = timezone.make_aware(datetime.combine(today - timedelta(days=last), DAY_END))
    else:
        end = now - timedelta(hours=7)
    return start, max(end, start + timedelta(hours=1))


def _at_working_minute(start: datetime, end: datetime, share: float) -> datetime:
    """The moment `share` (0–1) of the way through the working hours between start and
    end (nights skipped)."""
    day_minutes = (DAY_END.hour - DAY_START.hour) * 60
    days = []
    day = timezone.localdate(start)
    while day <= timezone.localdate(end):
        opens = max(start, timezone.make_aware(datetime.combine(day, DAY_START)))
        closes = min(end, timezone.make_aware(datetime.combine(day, DAY_END)))
        if closes > opens:
            days.append((opens, (closes - opens).total_seconds() / 60))
        day += timedelta(days=1)
    if not days:
        return start
    total = sum(minutes for _opens, minutes in days) or day_minutes
    offset = share * total
    for opens, minutes in days:
        if offset <= minutes:
            return opens + timedelta(minutes=round(offset))
        offset -= minutes
    opens, minutes = days[-1]
    return opens + timedelta(minutes=round(minutes))


def _stamped_rows(episode: Episode, since: datetime, until: datetime) -> list:
    """(value, model, pk, field) of every datetime the load stamped on the episode and on
    the records that hang from it (and from those: an agreement's versions)."""
    found = []

    def collect(model, filters: dict, depth: int) -> None:
        if model._meta.app_label in SKIPPED_APPS:
            return
        fields = [f.name for f in model._meta.concrete_fields if type(f) is models.DateTimeField]
        rows = list(model.objects.filter(**filters).values("pk", *fields))
        for row in rows:
            for name in fields:
                value = row[name]
                if value is not None and since <= value <= until:
                    found.append((value, model, row["pk"], name))
        if depth == 0 or not rows:
            return
        for relation in model._meta.related_objects:
            if relation.many_to_many or relation.related_model is Episode:
                continue
            collect(
                relation.related_model,
                {f"{relation.field.name}__in": [row["pk"] for row in rows]},
                depth - 1,
            )

    collect(Episode, {"pk": episode.pk}, 2)
    return found


def episode_spread(episode: Episode, days: tuple[int, int], *, loaded_at: datetime) -> None:
    """Spread the episode's steps, in the order they happened, over `days` (days ago of its
    first and last step)."""
    now = timezone.now()
    rows = _stamped_rows(episode, loaded_at - timedelta(seconds=1), now)
    moments = sorted({value for value, *_rest in rows})
    if not moments:
        return
    start, end = _window(days, now)
    last = max(len(moments) - 1, 1)
    new = {moment: _at_working_minute(start, end, i / last) for i, moment in enumerate(moments)}
    updates: dict[tuple, dict] = {}
    for value, model, pk, name in rows:
        updates.setdefault((model, pk), {})[name] = new[value]
    for (model, pk), values in updates.items():
        model.objects.filter(pk=pk).update(**values)
    episode.refresh_from_db(fields=["at_home_since"])
    if episode.at_home_since:
        # Home health care's start was the day the patient came home, not a planned one.
        CareRequest.objects.filter(episode=episode).update(start_at=episode.at_home_since)


def inbox_history_read() -> None:
    """The inboxes as after days of work: every answered care request was read when it was
    answered (or soon after it came), and the coordination messages from before today were
    read by the receiving unit. Left unread: what waits today (requests not yet answered,
    today's messages), so the badges count only that. Idempotent: only unread rows."""
    today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    read_soon = timedelta(minutes=20)
    CareRequest.objects.filter(read_at=None).exclude(status=CareRequest.Status.SENT).update(
        read_at=Coalesce(F("answered_at"), F("sent_at") + read_soon)
    )
    for receipt in MessageReceipt.objects.filter(
        read_at=None, message__sent_at__lt=today
    ).select_related("message"):
        MessageReceipt.objects.filter(pk=receipt.pk).update(
            read_at=receipt.message.sent_at + read_soon
        )


def case_spread(case: DischargeCase, now: datetime, *, ready_by: datetime | None = None) -> None:
    """Back-date a demo discharge case the services stamped at load time: support judged
    soon after admission, the admission notice soon after that (or, if it went out late,
    after its 24-hour deadline), then each later step – fixed contact, ready for discharge
    (by `ready_by` if given), SIP consent – at working hours up to a little before now.
    Each message gets its step's time. Only at creation (once)."""
    case.refresh_from_db()
    end = now - timedelta(minutes=10)
    admitted = case.admitted_at
    messages = {m.kind: m for m in case.messages.all()}
    notice = messages.get(CaseMessage.Kind.ADMISSION)
    if notice is not None and notice.late:
        judged = admitted  # judged at admission; the notice then went out late
        sent = _between(admission_notice_deadline(admitted) + timedelta(minutes=30), end, 0.2)
    else:
        judged = _between(admitted, min(end, admitted + timedelta(hours=8)), 0.1)
        sent = min(judged + timedelta(minutes=40), end)
    later = [
        name
        for name in ("fixed_contact_appointed_at", "ready_at", "sip_consent_at")
        if getattr(case, name) is not None
    ]
    steps_end = min(ready_by, end) if ready_by else end
    moments = {
        name: _between(sent + timedelta(minutes=10), steps_end, (i + 1) / (len(later) + 1))
        for i, name in enumerate(later)
    }
    if ready_by and "sip_consent_at" in moments:
        moments["sip_consent_at"] = _between(moments["ready_at"], end, 0.5)
    DischargeCase.objects.filter(pk=case.pk).update(support_judged_at=judged, **moments)
    for kind, moment in (
        (CaseMessage.Kind.ADMISSION, sent),
        (CaseMessage.Kind.FIXED_CONTACT, moments.get("fixed_contact_appointed_at")),
        (CaseMessage.Kind.READY, moments.get("ready_at")),
    ):
        if kind in messages and moment is not None:
            CaseMessage.objects.filter(pk=messages[kind].pk).update(sent_at=moment)


def _between(start: datetime, end: datetime, share: float) -> datetime:
    """`share` of the way through the working hours from start to end (start if none),
    never after end."""
    return min(_at_working_minute(start, max(start, end), share), max(start, end), end)
