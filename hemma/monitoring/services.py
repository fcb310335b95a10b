"""Monitoring: record observation sets (NEWS2, personal thresholds, alerts), act on alerts,
escalate, enrol the patient's device, and record the digital round.

Every staff action asks the access policy first (`require_action` with the action's name
in `policy.EPISODE_ACTIONS`): the ward and the visiting team record readings, act on
alerts and enrol devices; the ward's physician sets the monitoring plan and decides at the
round. A crafted request meets the same refusal as a hidden button."""

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hemma.accounts.models import Membership, Staff, Unit
from hemma.clinical import episode_states as states
from hemma.clinical.news2 import InvalidVitals, News2Result, Vitals, news2
from hemma.coordination.models import Task
from hemma.episodes.models import Episode, EpisodeTransition
from hemma.episodes.services import episode_direct_admission, episode_log
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.models import Patient
from hemma.patients.policy import require_action

from .models import (
    Alert,
    DeviceEnrolment,
    DutyPhysician,
    FhirIdentifier,
    Level,
    MonitoringPlan,
    ObservationSet,
    PersonalThreshold,
    Reading,
    RoundEntry,
    Spo2ScaleDecision,
)

PHYSICIAN = Staff.Profession.PHYSICIAN
VALUE_FIELDS = (
    "respiration_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "diastolic_bp",
    "pulse",
    "consciousness",
    "temperature",
)
MONITORED_STATES = (states.AT_HOME, states.READMITTED, states.PREPARING)
ALERTING_LEVELS = (Level.LOW_MEDIUM, Level.MEDIUM, Level.HIGH)
LEVEL_ORDER = {Level.LOW: 0, Level.OVERDUE: 1, Level.PERSONAL: 2, Level.LOW_MEDIUM: 3}
LEVEL_ORDER |= {Level.MEDIUM: 4, Level.HIGH: 5}


PARAMETER_LABELS = {
    "respiration_rate": gettext_lazy("Andningsfrekvens"),
    "spo2": gettext_lazy("Saturation"),
    "on_oxygen": gettext_lazy("Syrgas"),
    "systolic_bp": gettext_lazy("Systoliskt blodtryck"),
    "diastolic_bp": gettext_lazy("Diastoliskt blodtryck"),
    "pulse": gettext_lazy("Puls"),
    "consciousness": gettext_lazy("Medvetandegrad"),
    "temperature": gettext_lazy("Temperatur"),
    "spo2_scale": gettext_lazy("SpO2-skala"),
    "input": gettext_lazy("Indata"),
}


def parameter_label(name: str) -> str:
    return str(PARAMETER_LABELS.get(name, name))


def spo2_scale_of(patient: Patient) -> int:
    decision = Spo2ScaleDecision.objects.filter(patient=patient).first()
    return decision.scale if decision else 1


def active_thresholds(patient: Patient) -> list[PersonalThreshold]:
    return list(PersonalThreshold.objects.filter(patient=patient, ended_at__isnull=True))


def threshold_breaches(values: dict, thresholds: list[PersonalThreshold]) -> list[str]:
    """Personal limits crossed, as sentences for the alert."""
    breaches = []
    for threshold in thresholds:
        value = values.get(threshold.parameter)
        if value is None:
            continue
        value = Decimal(str(value))
        label = parameter_label(threshold.parameter)
        if threshold.high is not None and value > threshold.high:
            breaches.append(
                _("Personlig gräns: %(p)s %(v)s över %(limit)s (%(why)s)")
                % {"p": label, "v": value, "limit": threshold.high, "why": threshold.reason}
            )
        if threshold.low is not None and value < threshold.low:
            breaches.append(
                _("Personlig gräns: %(p)s %(v)s under %(limit)s (%(why)s)")
                % {"p": label, "v": value, "limit": threshold.low, "why": threshold.reason}
            )
    return breaches


def _check_values(values: dict) -> Vitals:
    unknown = set(values) - set(VALUE_FIELDS)
    if unknown:
        raise HemmaError(_("Okänt värde: %(name)s.") % {"name": sorted(unknown)[0]})
    diastolic = values.get("diastolic_bp")
    if diastolic is not None:
        if isinstance(diastolic, bool) or not isinstance(diastolic, int | float | Decimal):
            raise HemmaError(_("Diastoliskt blodtryck måste vara ett tal."))
        if not 20 <= diastolic <= 200:
            raise HemmaError(_("Diastoliskt blodtryck ska vara mellan 20 och 200."))
        systolic = values.get("systolic_bp")
        if systolic is not None and (
            isinstance(systolic, bool) or not isinstance(systolic, int | float | Decimal)
        ):
            raise HemmaError(_("Systoliskt blodtryck måste vara ett tal."))
        if systolic is not None and diastolic >= systolic:
            raise HemmaError(_("Det diastoliska trycket ska vara lägre än det systoliska."))
    if all(values.get(name) is None for name in VALUE_FIELDS):
        raise HemmaError(_("Fyll i minst ett värde."))
    vitals = {name: values.get(name) for name in VALUE_FIELDS if name != "diastolic_bp"}
    return Vitals(**{k: v for k, v in vitals.items() if v is not None})


def score(values: dict, scale: int) -> News2Result:
    """NEWS2 of the values, with Swedish messages for what cannot be scored."""
    vitals = _check_values(values)
    try:
        return news2(Vitals(**{**vitals.__dict__, "spo2_scale": scale}))
    except InvalidVitals as error:
        ranges = {
            "respiration_rate": "0–80",
            "spo2": "0–100",
            "systolic_bp": "30–300",
            "pulse": "0–300",
            "temperature": "25–45",
        }
        if error.parameter in ranges:
            raise HemmaError(
                _("%(p)s ska vara ett tal mellan %(range)s.")
                % {"p": parameter_label(error.parameter), "range": ranges[error.parameter]}
            ) from None
        raise HemmaError(
            _("Ogiltigt värde för %(p)s.") % {"p": parameter_label(error.parameter)}
        ) from None


def _alert_reasons(result: News2Result, values: dict) -> list[str]:
    reasons = [
        _("NEWS2 %(total)s (%(level)s)")
        % {"total": result.total, "level": Level(result.level).label}
    ]
    for name, points in result.per_parameter.items():
        if points == 3:
            reasons.append(
                _("%(p)s %(v)s ger 3 poäng")
                % {"p": parameter_label(name), "v": _display(name, values.get(name))}
            )
    if not result.complete:
        reasons.append(
            _("Ofullständig mätning, saknas: %(missing)s")
            % {"missing": ", ".join(str(parameter_label(m)) for m in result.missing)}
        )
    return reasons


def _display(name: str, value) -> str:
    if name == "on_oxygen":
        return _("ja") if value else _("nej")
    return str(value)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def client_id_valid(client_id: str) -> bool:
    """A reading's idempotency key: 1–100 characters the database can store."""
    return 0 < len(client_id) <= 100 and _storable(client_id)


def _storable(text: str) -> bool:
    """Text the database can store: no NUL (PostgreSQL refuses it) and no lone surrogate
    (not encodable as UTF-8)."""
    return _UNSTORABLE.search(text) is None


@dataclass(frozen=True)
class Recorded:
    observation: ObservationSet
    alert: Alert | None
    created: bool


@dataclass
class NewReading:
    """One reading about to be stored: its values (checked alone, in their stored form),
    its moment and where it came from."""

    values: dict
    measured_at: datetime
    client_id: str
    source: str
    method: str = ObservationSet.Method.DEVICE
    recorded_by: Staff | None = None
    note: str = ""
    feeling: str = ""
    clock_offset_seconds: int | None = None


def _check_moment(measured_at: datetime, now: datetime) -> None:
    if measured_at > now + timedelta(minutes=5):
        raise HemmaError(_("Mättiden ligger i framtiden."))
    if measured_at < now - timedelta(days=7):
        raise HemmaError(_("Mättiden är mer än en vecka gammal."))


def _given(values: dict, scale: int) -> dict:
    """The reading's values alone checked (a bad value stores nothing) and rounded as the
    database stores them, so the NEWS2 is computed on exactly what staff will see."""
    score(values, scale)
    return _stored_values({k: v for k, v in values.items() if v not in (None, "")})


def observation_record(
    *,
    episode: Episode,
    values: dict,
    source: str,
    client_id: str,
    measured_at: datetime | None = None,
    method: str = ObservationSet.Method.DEVICE,
    recorded_by: Staff | None = None,
    unit: Unit | None = None,
    note: str = "",
    feeling: str = "",
    clock_offset_seconds: int | None = None,
) -> Recorded:
    """Store one reading of vitals and score its set's NEWS2; alert the ward when a
    threshold is crossed. Readings of the episode within HEMMA_NEWS2_SET_MINUTES form one
    set, also across requests (RCP scores one set of observations taken together; at home
    they come from several devices a few minutes apart): a reading whose parameters the
    newest such set lacks joins it, and the set's NEWS2 and alert are recomputed; a
    parameter the set already has starts a new set (a value is never overwritten).
    Idempotent: the same client_id for the same episode is stored once. A reading entered
    by staff (`recorded_by`, acting for `unit`) needs the policy's `record_reading`; the
    patient's own device is tied to its episode by its token."""
    if recorded_by is not None:
        require_action(staff=recorded_by, unit=unit, action="record_reading", episode=episode)
    client_id = (client_id or "").strip()
    if not client_id_valid(client_id):
        raise HemmaError(_("Mätningen saknar ett giltigt id."))
    if not _storable(note) or not _storable(feeling):
        raise HemmaError(_("Texten innehåller otillåtna tecken."))
    existing = _resent(episode, client_id, values)
    if existing is not None:
        return existing
    now = timezone.now()
    measured_at = measured_at or now
    _check_moment(measured_at, now)
    scale = spo2_scale_of(episode.patient)
    reading = NewReading(
        values=_given(values, scale),
        measured_at=measured_at,
        client_id=client_id,
        source=source,
        method=method,
        recorded_by=recorded_by,
        note=note.strip(),
        feeling=feeling,
        clock_offset_seconds=clock_offset_seconds,
    )
    try:
        with transaction.atomic():
            _lock_monitored(episode)
            existing = _resent(episode, client_id, values)
            if existing is not None:
                return existing
            stored = readings_store(
                episode=episode,
                readings=[reading],
                scale=scale,
                thresholds=active_thresholds(episode.patient),
            )
    except IntegrityError:
        # A concurrent retry of the same reading won: return what it stored.
        existing = _resent(episode, client_id, values)
        if existing is None:
            raise
        return existing
    observation = stored.sets[0]
    if recorded_by is not None:
        episode_log(
            staff=recorded_by, unit=unit, episode=episode, detail=f"reading {observation.pk}"
        )
    alert = stored.alert
    if alert is None or alert.observation_id != observation.pk:
        alert = observation.alerts.order_by("-id").first() if stored.joined else None
    return Recorded(observation, alert, created=True)


def _lock_monitored(episode: Episode) -> None:
    """Lock the episode's row for the rest of the transaction, which serialises readings
    of one episode (PostgreSQL; SQLite's IMMEDIATE transactions serialise all writers):
    two requests can neither open a set for one window nor store one identifier twice.
    The state is read under the lock."""
    state = (
        Episode.objects.select_for_update(of=("self",))
        .filter(pk=episode.pk)
        .values_list("state", flat=True)
        .first()
    )
    if state not in MONITORED_STATES:
        raise NotAllowed(_("Vårdtillfället tar inte emot mätningar (inte hemma)."))


def _recorded_before(episode: Episode, client_id: str) -> Recorded | None:
    reading = (
        Reading.objects.filter(episode=episode, client_id=client_id)
        .select_related("observation")
        .first()
    )
    observation = (
        reading.observation
        if reading is not None
        else ObservationSet.objects.filter(episode=episode, client_id=client_id).first()
    )
    if observation is None:
        return None
    return Recorded(observation, observation.alerts.order_by("-id").first(), created=False)


def _resent(episode: Episode, client_id: str, values: dict) -> Recorded | None:
    """What a resend of a stored reading gets: the stored reading. Other values under a
    stored client id are another reading, which would silently be lost: a Conflict.
    Compared as stored (whole numbers, temperature to a tenth)."""
    recorded = _recorded_before(episode, client_id)
    if recorded is None:
        return None
    reading = Reading.objects.filter(episode=episode, client_id=client_id).first()
    stored = _set_values(recorded.observation)
    try:
        given = _given(values, spo2_scale_of(episode.patient))
    except HemmaError:
        given = None
    parameters = set(reading.parameters) if reading is not None else set(stored)
    if given is None or set(given) != parameters or any(stored[n] != given[n] for n in given):
        raise Conflict(
            _(
                "En annan mätning med samma id är redan sparad. "
                "Den här mätningen sparades inte – mät gärna igen."
            )
        )
    return recorded


def _set_values(observation: ObservationSet) -> dict:
    return {
        name: getattr(observation, name)
        for name in VALUE_FIELDS
        if getattr(observation, name) not in (None, "")
    }


class _SetDraft:
    """A set while readings are placed in memory: its row (stored or new), its values and
    which parameters came at which moment."""

    def __init__(self, row: ObservationSet, readings: list[tuple[datetime, list]], order):
        self.row, self.readings, self.order = row, readings, order
        self.values = _set_values(row)
        self.is_new = row.pk is None
        self.result: News2Result | None = None

    @classmethod
    def stored(cls, row: ObservationSet) -> "_SetDraft":
        readings = [(r.measured_at, r.parameters) for r in row.readings.all()]
        return cls(row, readings or [(row.measured_at, list(_set_values(row)))], (0, row.pk))

    def joinable(self, reading: NewReading, window: timedelta) -> bool:
        times = [moment for moment, _names in self.readings]
        span = max(*times, reading.measured_at) - min(*times, reading.measured_at)
        return span <= window and not set(reading.values) & set(self.values)

    def add(self, reading: NewReading) -> None:
        row = self.row
        if self.readings:  # joining: the set is as old as its first value
            row.measured_at = min(row.measured_at, reading.measured_at)
            row.note = "\n".join(t for t in (row.note, reading.note) if t)
            row.feeling = row.feeling or reading.feeling
        for name, value in reading.values.items():
            setattr(row, name, value)
        self.values |= reading.values
        self.readings.append((reading.measured_at, sorted(reading.values)))

    def latest(self) -> datetime:
        return max(moment for moment, _names in self.readings)


def _place(drafts: list[_SetDraft], reading: NewReading, window: timedelta) -> _SetDraft | None:
    """The set a reading joins: the newest whose readings, with this one, lie within the
    window and that has none of its parameters yet. None: the reading starts a set."""
    if window <= timedelta(0):
        return None
    joinable = [d for d in drafts if d.joinable(reading, window)]
    return max(joinable, key=lambda d: (d.latest(), d.order)) if joinable else None


@dataclass
class Stored:
    sets: list[ObservationSet]  # the set of each reading, in the order given
    alert: Alert | None  # the one alert this call raised or updated
    joined: bool  # the (first) reading joined a set stored before


SCORE_FIELDS = [
    *VALUE_FIELDS,
    "measured_at",
    "note",
    "feeling",
    "spo2_scale",
    "news2_total",
    "news2_scores",
    "news2_level",
    "news2_complete",
    "news2_missing",
]


def readings_store(
    *, episode: Episode, readings: list[NewReading], scale: int, thresholds: list
) -> Stored:
    """Place readings in sets, score each set touched, and store it all with a fixed
    number of statements whatever the number of readings: one read of the sets they may
    join, one insert of new sets, one update of joined sets, one insert of readings and at
    most one alert – the highest the readings give the episode. The caller holds the
    episode's lock (`_lock_monitored`) inside a transaction."""
    window = timedelta(minutes=settings.HEMMA_NEWS2_SET_MINUTES)
    moments = [reading.measured_at for reading in readings]
    drafts = []
    if window > timedelta(0):
        nearby = ObservationSet.objects.filter(
            episode=episode,
            measured_at__gte=min(moments) - window,
            measured_at__lte=max(moments) + window,
        ).prefetch_related("readings")
        drafts = [_SetDraft.stored(row) for row in nearby]
    placed = []
    for number, reading in sorted(enumerate(readings), key=lambda item: item[1].measured_at):
        draft = _place(drafts, reading, window)
        if draft is None:
            row = ObservationSet(
                episode=episode,
                client_id=reading.client_id,
                source=reading.source,
                method=reading.method,
                recorded_by=reading.recorded_by,
                measured_at=reading.measured_at,
                note=reading.note,
                feeling=reading.feeling,
            )
            draft = _SetDraft(row, [], (1, number))  # newer than every stored set
            drafts.append(draft)
        placed.append((number, reading, draft, bool(draft.readings) and not draft.is_new))
        draft.add(reading)
    touched = list({id(d): d for _n, _r, d, _j in placed}.values())
    for draft in touched:
        draft.result = score(draft.values, scale)
        row = draft.row
        row.spo2_scale, row.news2_total = scale, draft.result.total
        row.news2_scores, row.news2_level = draft.result.per_parameter, draft.result.level
        row.news2_complete, row.news2_missing = draft.result.complete, draft.result.missing
    ObservationSet.objects.bulk_create([d.row for d in touched if d.is_new])
    joined = [d.row for d in touched if not d.is_new]
    if joined:
        ObservationSet.objects.bulk_update(joined, SCORE_FIELDS)
    Reading.objects.bulk_create(
        [
            Reading(
                episode=episode,
                observation=draft.row,
                client_id=reading.client_id,
                source=reading.source,
                recorded_by=reading.recorded_by,
                measured_at=reading.measured_at,
                parameters=sorted(reading.values),
                clock_offset_seconds=reading.clock_offset_seconds,
            )
            for _n, reading, draft, _j in placed
        ]
    )
    alert = _alert_for(episode, touched, thresholds)
    placed.sort(key=lambda item: item[0])
    return Stored([d.row for _n, _r, d, _j in placed], alert, joined=placed[0][3])


def _stored_values(values: dict) -> dict:
    """Whole numbers for the integer vitals, one decimal for temperature (as stored)."""
    stored = {}
    for name in VALUE_FIELDS:
        value = values.get(name)
        if value is None:
            continue
        if name == "temperature":
            value = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        elif name not in ("on_oxygen", "consciousness"):
            value = int(Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
        stored[name] = value
    return stored


def _alert_wanted(draft: _SetDraft, thresholds: list) -> tuple | None:
    """(level, reasons, response) the set's values call for, or None."""
    result, values = draft.result, draft.values
    breaches = threshold_breaches(values, thresholds)
    if result.level in ALERTING_LEVELS:
        return result.level, _alert_reasons(result, values) + breaches, result.response
    if breaches:
        return Level.PERSONAL, breaches, ""
    return None


def _alert_for(episode: Episode, drafts: list[_SetDraft], thresholds: list) -> Alert | None:
    """One alert for what was just stored: the highest level among the sets touched (the
    latest set on a tie). A set that already has an open alert has it updated in place
    (raised to the new level, the escalation clock restarted when the level rises); when
    its alert was already acknowledged or resolved, only a higher level raises a new one."""
    wanted = [(w, d) for d in drafts if (w := _alert_wanted(d, thresholds)) is not None]
    if not wanted:
        return None
    (level, reasons, response), draft = max(
        wanted, key=lambda item: (LEVEL_ORDER[item[0][0]], item[1].row.measured_at)
    )
    reasons = [str(reason) for reason in [*reasons, _scored_on(draft)]]
    current = None
    if not draft.is_new:
        current = (
            Alert.objects.select_for_update().filter(observation=draft.row).order_by("-id").first()
        )
    if current is not None:
        rank, current_rank = LEVEL_ORDER[level], LEVEL_ORDER[current.level]
        if current.status == Alert.Status.OPEN and rank >= current_rank:
            if rank > current_rank:
                current.created_at = timezone.now()
            current.level, current.reasons, current.response = level, reasons, response
            current.save(update_fields=["level", "reasons", "response", "created_at"])
            return current
        if rank <= current_rank:
            return current
    return Alert.objects.create(
        episode=episode,
        unit_id=episode.ward_id,
        observation=draft.row,
        level=level,
        reasons=reasons,
        response=response,
    )


def _scored_on(draft: _SetDraft) -> str:
    """The values the score was computed from, with when each reading was taken."""
    parts = []
    for moment, names in sorted(draft.readings, key=lambda item: item[0]):
        shown = [
            f"{parameter_label(name)} {_display(name, draft.values[name])}"
            for name in VALUE_FIELDS
            if name in names and name in draft.values
        ]
        if shown:
            at = timezone.localtime(moment).strftime("%H:%M")
            parts.append(f"{', '.join(shown)} ({at})")
    return _("Bedömt på: %(values)s") % {"values": "; ".join(parts)}


def alert_acknowledge(*, staff: Staff, unit: Unit, alert: Alert) -> Alert:
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update().select_related("episode__patient").get(pk=alert.pk)
        )
        require_action(staff=staff, unit=unit, action="acknowledge_alert", episode=alert.episode)
        if alert.status != Alert.Status.OPEN:
            raise Conflict(_("Larmet är redan kvitterat."))
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_by, alert.acknowledged_at = staff, timezone.now()
        alert.save()
        episode_log(staff=staff, unit=unit, episode=alert.episode, detail=f"alert {alert.pk} ack")
    return alert


def alert_resolve(*, staff: Staff, unit: Unit, alert: Alert, action: str, note: str = "") -> Alert:
    """Close the alert with the action taken; a direct admission runs the flow's own step."""
    if action not in Alert.Action.values:
        raise HemmaError(_("Välj vilken åtgärd som gjorts."))
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update().select_related("episode__patient").get(pk=alert.pk)
        )
        require_action(staff=staff, unit=unit, action="acknowledge_alert", episode=alert.episode)
        if action == Alert.Action.DIRECT_ADMISSION:
            # Readmission is the ward's step, whoever handles the alert.
            require_action(staff=staff, unit=unit, action="readmit", episode=alert.episode)
        if alert.status == Alert.Status.RESOLVED:
            raise Conflict(_("Larmet är redan åtgärdat."))
        if action == Alert.Action.DIRECT_ADMISSION:
            reason = note.strip() or "; ".join(alert.reasons)
            episode_direct_admission(staff=staff, unit=unit, episode=alert.episode, reason=reason)
        now = timezone.now()
        if alert.acknowledged_at is None:
            alert.acknowledged_by, alert.acknowledged_at = staff, now
        alert.status = Alert.Status.RESOLVED
        alert.resolved_by, alert.resolved_at = staff, now
        alert.action, alert.action_note = action, note.strip()
        alert.save()
        episode_log(
            staff=staff, unit=unit, episode=alert.episode, detail=f"alert {alert.pk} {action}"
        )
    return alert


def duty_physician_set(*, staff: Staff, unit: Unit) -> DutyPhysician:
    if staff.profession != PHYSICIAN:
        raise NotAllowed(_("Bara en läkare kan ha jouren."))
    if (
        unit.kind != Unit.Kind.WARD
        or not Membership.objects.filter(staff=staff, unit=unit).exists()
    ):
        raise NotAllowed(_("Du är inte läkare på avdelningen."))
    duty, _created = DutyPhysician.objects.update_or_create(ward=unit, defaults={"staff": staff})
    return duty


def _physician_on_duty(ward: Unit) -> Staff | None:
    duty = DutyPhysician.objects.filter(ward=ward).select_related("staff").first()
    if duty is not None:
        return duty.staff
    return Staff.objects.filter(memberships__unit=ward, profession=PHYSICIAN).order_by("pk").first()


def alerts_escalate(now: datetime | None = None) -> int:
    """Escalate open medium/high alerts nobody acknowledged in time. Safe to run in several
    worker copies at once: each alert is claimed with a conditional update."""
    now = now or timezone.now()
    deadline = now - timedelta(minutes=settings.HEMMA_ALERT_ESCALATION_MINUTES)
    due = Alert.objects.filter(
        status=Alert.Status.OPEN,
        level__in=[Level.MEDIUM, Level.HIGH],
        escalated_at__isnull=True,
        created_at__lte=deadline,
    ).select_related("unit", "episode__patient")
    escalated = 0
    for alert in due:
        physician = _physician_on_duty(alert.unit)
        claimed = Alert.objects.filter(pk=alert.pk, escalated_at__isnull=True).update(
            escalated_at=now, escalated_to=physician
        )
        if claimed:
            escalated += 1
            Task.objects.create(
                title=(
                    _("Eskalerat larm till %(who)s: %(why)s")
                    % {
                        "who": physician.display_name if physician else _("jourhavande läkare"),
                        "why": "; ".join(alert.reasons),
                    }
                )[:300],
                kind=Task.Kind.OTHER,
                episode=alert.episode,
                patient=alert.episode.patient,
                owner_unit=alert.unit,
                owner=physician,
                due_on=timezone.localdate(now),
                due_at=now,
                source="alert",
            )
    return escalated


def overdue_check(now: datetime | None = None) -> int:
    """Alert the ward once when a patient's agreed measurement is overdue."""
    now = now or timezone.now()
    raised = 0
    plans = MonitoringPlan.objects.filter(episode__state=states.AT_HOME).select_related(
        "episode__ward"
    )
    for plan in plans:
        episode = plan.episode
        since = last_measured_at(episode) or episode.at_home_since
        if since is None or since > now - timedelta(hours=plan.interval_hours, minutes=60):
            continue
        with transaction.atomic():
            locked = Episode.objects.select_for_update().get(pk=episode.pk)
            if Alert.objects.filter(
                episode=locked, level=Level.OVERDUE, created_at__gte=since
            ).exists():
                continue
            Alert.objects.create(
                episode=locked,
                unit=episode.ward,
                level=Level.OVERDUE,
                reasons=[
                    str(
                        _("Inga värden sedan %(since)s (mätning var %(h)s:e timme).")
                        % {
                            "since": timezone.localtime(since).strftime("%Y-%m-%d %H:%M"),
                            "h": plan.interval_hours,
                        }
                    )
                ],
            )
            raised += 1
    return raised


def last_measured_at(episode: Episode) -> datetime | None:
    latest = ObservationSet.objects.filter(episode=episode).order_by("-measured_at").first()
    return latest.measured_at if latest else None


def monitoring_plan_set(*, staff: Staff, unit: Unit, episode: Episode, interval_hours: int):
    require_action(staff=staff, unit=unit, action="set_monitoring_plan", episode=episode)
    if not 1 <= interval_hours <= 72:
        raise HemmaError(_("Ange ett intervall mellan 1 och 72 timmar."))
    plan, _created = MonitoringPlan.objects.update_or_create(
        episode=episode, defaults={"interval_hours": interval_hours, "set_by": staff}
    )
    episode_log(
        staff=staff, unit=unit, episode=episode, detail=f"monitoring every {interval_hours} h"
    )
    return plan


def _require_physician(staff: Staff) -> None:
    if staff.profession != PHYSICIAN:
        raise NotAllowed(_("Bara en läkare kan fatta detta beslut."))


def spo2_scale_set(*, staff: Staff, unit: Unit, episode: Episode, scale: int, reason: str):
    """Scale 2 only for confirmed hypercapnic respiratory failure: a physician's decision."""
    _require_physician(staff)
    require_action(staff=staff, unit=unit, action="set_monitoring_plan", episode=episode)
    if scale not in (1, 2):
        raise HemmaError(_("Välj skala 1 eller 2."))
    if not reason.strip():
        raise HemmaError(_("Motivera valet av skala."))
    decision = Spo2ScaleDecision.objects.create(
        patient=episode.patient, scale=scale, reason=reason.strip(), decided_by=staff
    )
    episode_log(staff=staff, unit=unit, episode=episode, detail=f"spo2 scale {scale}")
    return decision


def threshold_set(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    parameter: str,
    low: Decimal | None,
    high: Decimal | None,
    reason: str,
) -> PersonalThreshold:
    _require_physician(staff)
    require_action(staff=staff, unit=unit, action="set_monitoring_plan", episode=episode)
    if parameter not in PersonalThreshold.Parameter.values:
        raise HemmaError(_("Okänd parameter."))
    if low is None and high is None:
        raise HemmaError(_("Ange en lägsta eller högsta gräns."))
    if low is not None and high is not None and low >= high:
        raise HemmaError(_("Lägsta gränsen ska vara lägre än den högsta."))
    if not reason.strip():
        raise HemmaError(_("Motivera den personliga gränsen."))
    with transaction.atomic():
        PersonalThreshold.objects.filter(
            patient=episode.patient, parameter=parameter, ended_at__isnull=True
        ).update(ended_at=timezone.now())
        threshold = PersonalThreshold.objects.create(
            patient=episode.patient,
            parameter=parameter,
            low=low,
            high=high,
            reason=reason.strip(),
            set_by=staff,
        )
        episode_log(staff=staff, unit=unit, episode=episode, detail=f"threshold {parameter}")
    return threshold


def threshold_end(*, staff: Staff, unit: Unit, threshold: PersonalThreshold) -> None:
    _require_physician(staff)
    PersonalThreshold.objects.filter(pk=threshold.pk, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )


def fhir_content(observation) -> str:
    """What an identifier was sent with: its time and values (72 and 72.0 are one)."""
    moment = observation.effective.astimezone(UTC).isoformat()
    values = sorted((name, float(value)) for name, value in observation.values.items())
    return hashlib.sha256(json.dumps([moment, values]).encode()).hexdigest()


def fhir_observations_store(
    *, episode: Episode, groups: list, if_none_exist: dict | None = None
) -> tuple[list[tuple], dict]:
    """Store each group of FHIR observations taken at one moment as one reading, all or
    nothing, with a fixed number of statements whatever the Bundle's size; readings within
    HEMMA_NEWS2_SET_MINUTES join one set and the Bundle raises at most one alert (the
    highest). Returns (observation, set id, created) per stored or resent observation, and
    {entry index: identifier} for an identifier the episode already has with another time
    or value (a conflict, nothing stored for it). Identifiers are the episode's own: the
    same identifier from another patient's device is another reading. `if_none_exist`
    maps an entry index to the identifier its conditional create names: when the episode
    has it, the entry is answered with that set and not stored."""
    if_none_exist = if_none_exist or {}
    results, conflicts = [], {}
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # the caller's savepoint is enough
        _lock_monitored(episode)
        sent = {o.identifier[1] for group in groups for o in group}
        sent |= {value for _system, value in if_none_exist.values()}
        known = {
            (system, value): (observation_id, content)
            for system, value, observation_id, content in FhirIdentifier.objects.filter(
                episode=episode, value__in=sent
            ).values_list("system", "value", "observation_id", "content")
        }
        fresh_groups = []
        for group in groups:
            fresh = []
            for observation in group:
                condition = if_none_exist.get(observation.index)
                if condition is not None and condition in known:
                    results.append((observation, known[condition][0], False))
                elif observation.identifier not in known:
                    fresh.append(observation)
                elif known[observation.identifier][1] not in ("", fhir_content(observation)):
                    conflicts[observation.index] = observation.identifier
                else:
                    results.append((observation, known[observation.identifier][0], False))
            if fresh:
                fresh_groups.append(fresh)
        if not fresh_groups:
            return results, conflicts
        scale = spo2_scale_of(episode.patient)
        readings = []
        for group in fresh_groups:
            values = {}
            for observation in group:
                values.update(observation.values)
            _check_moment(group[0].effective, now)
            identifiers = sorted({o.identifier for o in group})
            digest = hashlib.sha256(json.dumps(identifiers).encode()).hexdigest()  # unambiguous
            readings.append(
                NewReading(
                    values=_given(values, scale),
                    measured_at=group[0].effective,
                    client_id=f"fhir:{digest[:60]}",
                    source=ObservationSet.Source.DEVICE,
                )
            )
        stored = readings_store(
            episode=episode,
            readings=readings,
            scale=scale,
            thresholds=active_thresholds(episode.patient),
        )
        # No ignore_conflicts: the unique (episode, system, value) constraint is the
        # backstop behind the row lock, so a second copy can never be stored silently.
        FhirIdentifier.objects.bulk_create(
            FhirIdentifier(
                episode=episode,
                system=o.identifier[0],
                value=o.identifier[1],
                observation=observation_set,
                content=fhir_content(o),
            )
            for group, observation_set in zip(fresh_groups, stored.sets, strict=True)
            for o in {o.identifier: o for o in group}.values()
        )
        for group, observation_set in zip(fresh_groups, stored.sets, strict=True):
            results += [(o, observation_set.pk, True) for o in group]
    return results, conflicts


# --- The patient's device ------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed


def enrolment_issue(*, staff: Staff, unit: Unit, episode: Episode, label: str = "") -> str:
    """A one-time code the ward (or the visiting team) gives the patient; returns the code
    (stored only hashed)."""
    require_action(staff=staff, unit=unit, action="enrol_device", episode=episode)
    if episode.state in states.FINAL_STATES:
        raise NotAllowed(_("Vårdtillfället är avslutat."))
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(8))
    DeviceEnrolment.objects.create(
        episode=episode,
        code_hash=_digest(code),
        code_expires_at=timezone.now() + timedelta(minutes=settings.HEMMA_ENROLMENT_CODE_MINUTES),
        label=label.strip(),
        created_by=staff,
    )
    episode_log(staff=staff, unit=unit, episode=episode, detail="device code issued")
    return code


def enrolment_claim(*, code: str) -> str:
    """Exchange the one-time code for the device's token (returned once, stored hashed)."""
    normalized = "".join(code.split()).upper()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        enrolment = (
            DeviceEnrolment.objects.select_for_update()
            .select_related("episode")
            .filter(code_hash=_digest(normalized))
            .first()
        )
        now = timezone.now()
        if (
            enrolment is None
            or enrolment.claimed_at is not None
            or enrolment.revoked_at is not None
            or enrolment.code_expires_at < now
            or enrolment.episode.state in states.FINAL_STATES
        ):
            raise NotAllowed(_("Koden gäller inte. Be avdelningen om en ny kod."))
        enrolment.token_hash, enrolment.claimed_at = _digest(token), now
        enrolment.save(update_fields=["token_hash", "claimed_at"])
    return token


def device_for_token(token: str | None) -> DeviceEnrolment | None:
    """The enrolment a token belongs to, while the episode is open and it is not revoked."""
    if not token:
        return None
    enrolment = (
        DeviceEnrolment.objects.select_related("episode__patient", "episode__ward")
        .filter(token_hash=_digest(token), revoked_at__isnull=True)
        .first()
    )
    if enrolment is None or enrolment.episode.state in states.FINAL_STATES:
        return None
    now = timezone.now()
    if enrolment.last_used_at is None or enrolment.last_used_at < now - timedelta(minutes=1):
        # At most one write a minute: a device sending many readings is not slowed down.
        DeviceEnrolment.objects.filter(pk=enrolment.pk).update(last_used_at=now)
    return enrolment


def enrolment_revoke(*, staff: Staff, unit: Unit, enrolment: DeviceEnrolment) -> None:
    require_action(staff=staff, unit=unit, action="enrol_device", episode=enrolment.episode)
    DeviceEnrolment.objects.filter(pk=enrolment.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    episode_log(staff=staff, unit=unit, episode=enrolment.episode, detail="device revoked")


# --- The digital round -----------------------------------------------------------------


def round_action(decision: str) -> str:
    """The policy's name for recording this decision: the ward and the visiting team record
    the round ("continue as planned"); revising the agreement, the discharge conversation
    and a direct admission are the ward physician's decisions."""
    return "round" if decision == RoundEntry.Decision.CONTINUE else "round_decision"


def round_record(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    day,
    decision: str,
    participants: list[str],
    note: str = "",
    video_link: str = "",
) -> RoundEntry:
    """One patient's decision at the day's round, held by the episode's ward (its physician
    decides); a direct admission runs the flow's step."""
    require_action(staff=staff, unit=unit, action="round", episode=episode)
    if decision not in RoundEntry.Decision.values:
        raise HemmaError(_("Välj ett beslut."))
    require_action(staff=staff, unit=unit, action=round_action(decision), episode=episode)
    if not participants:
        raise HemmaError(_("Ange vilka som deltog."))
    with transaction.atomic():
        earlier = RoundEntry.objects.select_for_update().filter(episode=episode, day=day).first()
        if earlier is not None:
            # A physician's decision is changed only by whoever may decide it.
            require_action(
                staff=staff, unit=unit, action=round_action(earlier.decision), episode=episode
            )
        if decision == RoundEntry.Decision.DIRECT_ADMISSION:
            episode_direct_admission(
                staff=staff,
                unit=unit,
                episode=episode,
                reason=note.strip() or _("Beslut på digital rond."),
            )
        entry, _created = RoundEntry.objects.update_or_create(
            episode=episode,
            day=day,
            defaults={
                "ward": episode.ward,
                "decision": decision,
                "participants": participants,
                "note": note.strip(),
                "video_link": video_link.strip(),
                "recorded_by": staff,
            },
        )
        # The round protocol shows on the episode timeline (a note, not a state change).
        EpisodeTransition.objects.create(
            episode=episode,
            from_state=episode.state,
            to_state=Episode.objects.get(pk=episode.pk).state,
            by=staff,
            reason=_("Digital rond: %(decision)s. %(note)s")
            % {"decision": RoundEntry.Decision(decision).label, "note": note.strip()},
        )
        episode_log(staff=staff, unit=unit, episode=episode, detail=f"round {day} {decision}")
    return entry
