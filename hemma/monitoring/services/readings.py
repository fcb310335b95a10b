"""Recording readings: one reading from staff or the patient's page (`observation_record`,
idempotent by its client id), and `readings_store`, which places readings in observation
sets (a set is one NEWS2, assembled from readings taken within HEMMA_NEWS2_SET_MINUTES),
scores each set touched and raises at most one alert. FHIR ingestion (ingest.py) uses the
same store."""

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.clinical import episode_states as states
from hemma.clinical.news2 import News2Result
from hemma.episodes.models import Episode
from hemma.episodes.services import episode_log
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.policy import require_action
from hemma.web.metrics import count_ingested

from ..models import Alert, ObservationSet, Reading
from .alerts import PATIENT_SOURCES, alert_for, concern_alerts_for
from .plans import active_thresholds, spo2_scale_of
from .scoring import VALUE_FIELDS, given, score

MONITORED_STATES = (states.AT_HOME, states.READMITTED, states.PREPARING)

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


def check_moment(measured_at: datetime, now: datetime) -> None:
    if measured_at > now + timedelta(minutes=5):
        raise HemmaError(_("Mättiden ligger i framtiden."))
    if measured_at < now - timedelta(days=7):
        raise HemmaError(_("Mättiden är mer än en vecka gammal."))


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
    check_moment(measured_at, now)
    scale = spo2_scale_of(episode.patient)
    reading = NewReading(
        values=given(values, scale),
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
            lock_monitored(episode)
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
        alert = _vitals_alert(observation) if stored.joined else None
    return Recorded(observation, alert, created=True)


def lock_monitored(episode: Episode) -> None:
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


def _vitals_alert(observation: ObservationSet) -> Alert | None:
    """The set's NEWS2/threshold alert (not the patient's concern next to it)."""
    return observation.alerts.filter(kind=Alert.Kind.VITALS).order_by("-id").first()


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
    return Recorded(observation, _vitals_alert(observation), created=False)


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
        sent = given(values, spo2_scale_of(episode.patient))
    except HemmaError:
        sent = None
    parameters = set(reading.parameters) if reading is not None else set(stored)
    if sent is None or set(sent) != parameters or any(stored[n] != sent[n] for n in sent):
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


# --- Set assembly ------------------------------------------------------------------------


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
    episode's lock (`lock_monitored`) inside a transaction."""
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
    _insert_readings(episode, [(reading, draft.row) for _n, reading, draft, _j in placed])
    count_ingested([reading.source for reading in readings])  # once committed (metrics)
    alert = alert_for(episode, touched, thresholds)
    # The patient's own words raise their own alert next to NEWS2's (none: no query).
    voiced = [
        draft.row
        for _n, reading, draft, _j in placed
        if reading.source in PATIENT_SOURCES
        and (reading.feeling == ObservationSet.Feeling.WORSE or reading.note)
    ]
    concern_alerts_for(episode, list({row.pk: row for row in voiced}.values()))
    placed.sort(key=lambda item: item[0])
    return Stored([d.row for _n, _r, d, _j in placed], alert, joined=placed[0][3])


def _insert_readings(episode: Episode, placed: list[tuple["NewReading", ObservationSet]]):
    """The readings of one call in one statement. On PostgreSQL as arrays to UNNEST: a
    Bundle's readings without building a model instance each (Django's bulk_create spent a
    quarter of a Bundle's time preparing them); elsewhere through the ORM."""
    if connection.vendor != "postgresql":
        Reading.objects.bulk_create(
            Reading(
                episode=episode,
                observation=row,
                client_id=reading.client_id,
                source=reading.source,
                recorded_by=reading.recorded_by,
                measured_at=reading.measured_at,
                parameters=sorted(reading.values),
                clock_offset_seconds=reading.clock_offset_seconds,
            )
            for reading, row in placed
        )
        return
    now = timezone.now()
    columns = {
        "episode_id": ("bigint", [episode.pk] * len(placed)),
        "observation_id": ("bigint", [row.pk for _reading, row in placed]),
        "client_id": ("varchar", [reading.client_id for reading, _row in placed]),
        "source": ("varchar", [reading.source for reading, _row in placed]),
        "recorded_by_id": ("bigint", [r.recorded_by and r.recorded_by.pk for r, _ in placed]),
        "measured_at": ("timestamptz", [reading.measured_at for reading, _row in placed]),
        "received_at": ("timestamptz", [now] * len(placed)),
        "parameters": ("jsonb", [json.dumps(sorted(reading.values)) for reading, _row in placed]),
        "clock_offset_seconds": ("integer", [r.clock_offset_seconds for r, _ in placed]),
    }
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    arrays = ", ".join(f"%s::{kind}[]" for kind, _values in columns.values())
    table = connection.ops.quote_name(Reading._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT * FROM UNNEST({arrays})",  # noqa: S608
            [values for _kind, values in columns.values()],
        )
