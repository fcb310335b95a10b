"""Medication at home: every change of state, in a transaction, checked by the access
policy and written to the access log.

- `medication_list_save`: the ward's physician makes a new version of the episode's list
  (`change_medication`); `medication_course_end` and `medication_switch_to_oral` are the
  same step with one item changed.
- `doses_schedule`: the scheduled doses of the coming days from the current list (for an
  episode at home), kept in step when the list changes.
- `dose_record` (the visiting team or the ward, `record_dose`) and `dose_record_by_patient`
  (the patient's tablet, a pump the patient runs): given / not given / delayed, once.
- `doses_overdue_check`: the worker's pass (`hemma monitor`): schedules the coming doses
  and alerts the ward once per dose not recorded within HEMMA_DOSE_TOLERANCE_MINUTES.

Long module: the list, its schedule and the recording of doses change together (a new
version reschedules; a recording may raise the alert), so they stay in one place.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.clinical import dosing
from hemma.clinical import episode_states as states
from hemma.clinical.antibiotics import looks_like_antibiotic
from hemma.episodes.models import Episode
from hemma.episodes.services import episode_log
from hemma.errors import Conflict, HemmaError, NotAllowed, NotFound
from hemma.monitoring.models import Alert, Level
from hemma.patients.policy import require_action

from .models import DoseAdministration, MedicationItem, MedicationListVersion, Route

# A list is kept while the episode is open; doses are scheduled while the patient is home.
CHANGEABLE_STATES = tuple(s for s in states.STATES if s not in states.FINAL_STATES)
SCHEDULED_STATES = (states.AT_HOME,)
# Doses that someone gives – the nurse, or the patient's pump – are scheduled and recorded;
# tablets and inhalations the patient takes are listed only (no alert for each tablet).
SCHEDULED_ROUTES = (Route.IV, Route.SC, Route.IM)
# A missed or late dose: the nurse (or patient) informs the ward, whose physician decides
# – give it now, shift the schedule, change the drug, or readmit. RCP's low–medium
# response ("inform the medical team, who decide") fits; it is not a deterioration in
# itself, so it is not escalated like medium/high NEWS2.
MISSED_DOSE_LEVEL = Level.LOW_MEDIUM
ITEM_KEYS = (
    "drug",
    "dose",
    "route",
    "times",
    "starts_on",
    "ends_on",
    "self_administered",
    "note",
)


def tolerance() -> timedelta:
    return timedelta(minutes=settings.HEMMA_DOSE_TOLERANCE_MINUTES)


# --- the list ----------------------------------------------------------------------------


def _times_message(error: dosing.TimesError, drug: str) -> str:
    messages = {
        "empty": _("Ange tider för %(drug)s, eller ”vid behov”."),
        "format": _("%(drug)s: tiden ”%(part)s” kan inte läsas (skriv t.ex. 08, 16, 24)."),
        "range": _("%(drug)s: tiden ”%(part)s” finns inte på dygnet."),
        "duplicate": _("%(drug)s: tiden ”%(part)s” står två gånger."),
    }
    return messages[error.code] % {"drug": drug, "part": error.part}


def parse_item_times(text: str, drug: str) -> str:
    """The times as stored ("08:00, 16:00, 24:00"); "vid behov" (as needed) is empty."""
    cleaned = text.strip().casefold()
    if cleaned in ("vid behov", "v.b.", "vb"):
        return ""
    try:
        return dosing.times_text(dosing.parse_times(text))
    except dosing.TimesError as error:
        raise HemmaError(_times_message(error, drug)) from None


def _items(rows: list[dict], default_start: date) -> list[MedicationItem]:
    items = []
    for position, row in enumerate(rows):
        drug = str(row.get("drug") or "").strip()
        if not drug:
            continue
        dose = str(row.get("dose") or "").strip()
        if not dose:
            raise HemmaError(_("Ange dos för %(drug)s.") % {"drug": drug})
        if row.get("route") not in Route.values:
            raise HemmaError(_("Okänt administrationssätt för %(drug)s.") % {"drug": drug})
        starts_on = row.get("starts_on") or default_start
        ends_on = row.get("ends_on") or None
        if ends_on is not None and ends_on < starts_on:
            raise HemmaError(_("%(drug)s: kuren slutar före den börjar.") % {"drug": drug})
        self_administered = bool(row.get("self_administered"))
        if self_administered and row["route"] != Route.IV:
            raise HemmaError(
                _("%(drug)s: bara en intravenös pump kan skötas av patienten i Hemma.")
                % {"drug": drug}
            )
        items.append(
            MedicationItem(
                drug=drug[:200],
                dose=dose[:100],
                route=row["route"],
                times=parse_item_times(str(row.get("times") or ""), drug),
                starts_on=starts_on,
                ends_on=ends_on,
                self_administered=self_administered,
                # A known antibiotic is flagged even when nobody ticks it.
                is_antibiotic=looks_like_antibiotic(drug),
                note=str(row.get("note") or "").strip()[:300],
                position=position,
            )
        )
    if not items:
        raise HemmaError(_("Listan måste ha minst ett läkemedel."))
    return items


def current_version(episode: Episode) -> MedicationListVersion | None:
    return (
        MedicationListVersion.objects.filter(episode=episode)
        .order_by("-number")
        .prefetch_related("items")
        .first()
    )


def medication_list_save(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    items: list[dict],
    reason: str,
    kind: str = MedicationListVersion.Kind.CHANGE,
    based_on: int | None = None,
    now: datetime | None = None,
) -> MedicationListVersion:
    """A new version of the episode's list (the ward's physician). `based_on`: the version
    the form showed; when someone saved a newer one meanwhile, nothing is saved."""
    if not reason.strip():
        raise HemmaError(_("Ange orsaken till ändringen."))
    now = now or timezone.now()
    new_items = _items(items, timezone.localdate(now))
    try:
        with transaction.atomic():
            episode = (
                Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
            )
            require_action(staff=staff, unit=unit, action="change_medication", episode=episode)
            if episode.state not in CHANGEABLE_STATES:
                raise NotAllowed(_("Vårdtillfället är avslutat: listan kan inte ändras."))
            last = (
                MedicationListVersion.objects.filter(episode=episode).aggregate(n=Max("number"))[
                    "n"
                ]
                or 0
            )
            if based_on is not None and based_on != last:
                raise Conflict(
                    _("Läkemedelslistan har ändrats av någon annan. Ladda om sidan och ändra igen.")
                )
            version = MedicationListVersion.objects.create(
                episode=episode,
                number=last + 1,
                kind=kind,
                reason=reason.strip(),
                created_by=staff,
                unit=unit,
            )
            for item in new_items:
                item.version = version
            MedicationItem.objects.bulk_create(new_items)
            doses_schedule(episode=episode, now=now)
            episode_log(
                staff=staff,
                unit=unit,
                episode=episode,
                detail=f"medication list version {version.number} ({kind})",
            )
    except IntegrityError:
        raise Conflict(
            _("Läkemedelslistan har ändrats av någon annan. Ladda om sidan och ändra igen.")
        ) from None
    return version


def _rows_of(version: MedicationListVersion) -> list[dict]:
    rows = [{key: getattr(item, key) for key in ITEM_KEYS} for item in version.items.all()]
    for row in rows:
        row["times"] = row["times"] or "vid behov"
    return rows


def _item_in_current(item: MedicationItem) -> MedicationListVersion:
    version = current_version(item.version.episode)
    if version is None or version.pk != item.version_id:
        raise Conflict(
            _("Läkemedelslistan har ändrats av någon annan. Ladda om sidan och ändra igen.")
        )
    return version


def medication_course_end(
    *,
    staff: Staff,
    unit: Unit,
    item: MedicationItem,
    ends_on: date,
    reason: str,
    now: datetime | None = None,
) -> MedicationListVersion:
    """The course ends: a new version with the item's last day set (no doses after it)."""
    version = _item_in_current(item)
    if ends_on < item.starts_on:
        raise HemmaError(_("Sista dagen ligger före kurens start."))
    rows = _rows_of(version)
    for row, listed in zip(rows, version.items.all(), strict=True):
        if listed.pk == item.pk:
            row["ends_on"] = ends_on
    return medication_list_save(
        staff=staff,
        unit=unit,
        episode=version.episode,
        items=rows,
        reason=reason,
        kind=MedicationListVersion.Kind.COURSE_END,
        based_on=version.number,
        now=now,
    )


def medication_switch_to_oral(
    *,
    staff: Staff,
    unit: Unit,
    item: MedicationItem,
    drug: str,
    dose: str,
    times: str,
    starts_on: date,
    ends_on: date | None,
    reason: str,
    now: datetime | None = None,
) -> MedicationListVersion:
    """Switch to tablets (iv → po): a new version where the IV item's last day is the day
    before `starts_on` and the tablets start that day."""
    version = _item_in_current(item)
    if item.route == Route.ORAL:
        raise HemmaError(_("Läkemedlet ges redan som tabletter."))
    if starts_on <= item.starts_on:
        raise HemmaError(_("Tabletterna börjar efter den intravenösa kurens första dag."))
    rows = []
    for row, listed in zip(_rows_of(version), version.items.all(), strict=True):
        rows.append(row)
        if listed.pk == item.pk:
            row["ends_on"] = starts_on - timedelta(days=1)
            rows.append(
                {
                    "drug": drug,
                    "dose": dose,
                    "route": Route.ORAL,
                    "times": times,
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "self_administered": False,
                    "note": _("Byte från %(drug)s iv") % {"drug": listed.drug},
                }
            )
    return medication_list_save(
        staff=staff,
        unit=unit,
        episode=version.episode,
        items=rows,
        reason=reason,
        kind=MedicationListVersion.Kind.SWITCH_TO_ORAL,
        based_on=version.number,
        now=now,
    )


# --- the schedule ------------------------------------------------------------------------


def _window(episode: Episode, now: datetime) -> tuple[datetime, datetime]:
    """From the start of today (not before the patient came home) to the end of the
    schedule's last day."""
    today = timezone.localdate(now)
    start = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    if episode.at_home_since and episode.at_home_since > start:
        start = episode.at_home_since
    end = timezone.make_aware(
        datetime.combine(
            today + timedelta(days=settings.HEMMA_DOSE_SCHEDULE_DAYS), datetime.min.time()
        )
    )
    return start, end


def wanted_doses(
    version: MedicationListVersion, start: datetime, end: datetime
) -> dict[tuple, MedicationItem]:
    """(due_at, drug, route) → item: the doses the list gives in [start, end)."""
    wanted = {}
    for item in version.items.all():
        if not item.times or item.route not in SCHEDULED_ROUTES:
            continue
        times = tuple(t.strip() for t in item.times.split(","))
        for moment in dosing.dose_moments(
            times, item.starts_on, item.ends_on, start, end, tz=timezone.get_current_timezone()
        ):
            wanted[(moment, item.drug, item.route)] = item
    return wanted


def doses_schedule(*, episode: Episode, now: datetime | None = None) -> int:
    """Bring the episode's scheduled doses in step with its current list: create the
    missing ones, move planned ones to the new version's item (a changed dose), and drop
    planned future doses the list no longer gives. Recorded doses are never touched.
    Only while the patient is at home. Returns the number created."""
    now = now or timezone.now()
    if episode.state not in SCHEDULED_STATES:
        return 0
    version = current_version(episode)
    if version is None:
        return 0
    start, end = _window(episode, now)
    wanted = wanted_doses(version, start, end)
    existing = {
        (dose.due_at, dose.drug, dose.route): dose
        for dose in DoseAdministration.objects.filter(
            episode=episode, due_at__gte=start, due_at__lt=end
        )
    }
    for key, dose in existing.items():
        if dose.status != DoseAdministration.Status.PLANNED:
            continue
        item = wanted.get(key)
        if item is None:
            if dose.due_at > now:
                dose.delete()
        elif dose.item_id != item.pk:
            dose.item, dose.dose = item, item.dose
            dose.self_administered = item.self_administered
            dose.save(update_fields=["item", "dose", "self_administered"])
    new = [
        DoseAdministration(
            episode=episode,
            item=item,
            due_at=due_at,
            drug=drug,
            dose=item.dose,
            route=route,
            self_administered=item.self_administered,
        )
        for (due_at, drug, route), item in wanted.items()
        if (due_at, drug, route) not in existing
    ]
    DoseAdministration.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


# --- recording a dose --------------------------------------------------------------------


def _problem_message(code: str) -> str:
    minutes = settings.HEMMA_DOSE_TOLERANCE_MINUTES
    return {
        "no_reason": _("Ange varför dosen inte gavs."),
        "outcome": _("Välj given, inte given eller försenad."),
        "no_time": _("Ange när dosen gavs."),
        "future": _("Tiden ligger i framtiden."),
        "too_early": _("Tiden ligger mer än %(m)s minuter före den planerade tiden.")
        % {"m": minutes},
        "too_late": _("Tiden ligger mer än ett dygn efter den planerade tiden."),
        "late_as_given": _(
            "Dosen gavs mer än %(m)s minuter efter den planerade tiden: registrera den som "
            "försenad."
        )
        % {"m": minutes},
        "delayed_not_late": _("En försenad dos ges efter den planerade tiden."),
    }[code]


def _record(
    dose: DoseAdministration,
    *,
    outcome: str,
    given_at: datetime | None,
    reason: str,
    now: datetime,
    staff: Staff | None,
    unit: Unit | None,
    by_patient: bool,
) -> DoseAdministration:
    """Record the locked dose once; a second recording is a conflict, not a second row."""
    if dose.status != DoseAdministration.Status.PLANNED:
        raise Conflict(_("Dosen är redan registrerad."))
    if outcome == DoseAdministration.Status.NOT_GIVEN:
        given_at = None
    elif given_at is None and outcome == DoseAdministration.Status.GIVEN:
        given_at = now
    problem = dosing.administration_problem(
        outcome, dose.due_at, given_at, now, tolerance(), reason
    )
    if problem:
        raise HemmaError(_problem_message(problem))
    dose.status, dose.given_at, dose.reason = outcome, given_at, reason.strip()[:500]
    dose.recorded_at, dose.recorded_by, dose.recorded_unit = now, staff, unit
    dose.by_patient = by_patient
    dose.save()
    if outcome == DoseAdministration.Status.NOT_GIVEN:
        _alert(dose, now, _("inte given: %(why)s") % {"why": dose.reason})
    elif dosing.is_late(dose.due_at, given_at, tolerance()):
        at = timezone.localtime(given_at).strftime("%H:%M")
        _alert(dose, now, _("given för sent, kl. %(at)s") % {"at": at})
    return dose


def dose_record(
    *,
    staff: Staff,
    unit: Unit,
    dose: DoseAdministration,
    outcome: str,
    given_at: datetime | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> DoseAdministration:
    """The visiting nurse (or the ward) records a dose: given, not given (with a reason) or
    delayed (with the time it was given)."""
    now = now or timezone.now()
    with transaction.atomic():
        dose = (
            DoseAdministration.objects.select_for_update()
            .select_related("episode__patient", "episode__ward")
            .get(pk=dose.pk)
        )
        require_action(staff=staff, unit=unit, action="record_dose", episode=dose.episode)
        dose = _record(
            dose,
            outcome=outcome,
            given_at=given_at,
            reason=reason,
            now=now,
            staff=staff,
            unit=unit,
            by_patient=False,
        )
        episode_log(
            staff=staff, unit=unit, episode=dose.episode, detail=f"dose {dose.pk} {outcome}"
        )
    return dose


def dose_record_by_patient(
    *,
    episode: Episode,
    dose_id: int,
    outcome: str,
    given_at: datetime | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> DoseAdministration:
    """The patient records a dose of a pump they run themselves, from the tablet bound to
    `episode`. Another episode's dose, or one the patient does not give, is not found."""
    now = now or timezone.now()
    with transaction.atomic():
        dose = (
            DoseAdministration.objects.select_for_update()
            .select_related("episode__patient", "episode__ward")
            .filter(pk=dose_id, episode=episode, self_administered=True)
            .first()
        )
        if dose is None:
            raise NotFound(_("Dosen finns inte."))
        if dose.episode.state not in SCHEDULED_STATES:
            raise NotAllowed(_("Vårdtillfället tar inte emot registreringar nu."))
        dose = _record(
            dose,
            outcome=outcome,
            given_at=given_at,
            reason=reason,
            now=now,
            staff=None,
            unit=None,
            by_patient=True,
        )
        access_log_record(
            staff=None,
            unit=dose.episode.ward,
            patient=dose.episode.patient,
            action=AccessLogEntry.Action.EDIT_PATIENT,
            purpose=AccessLogEntry.Purpose.CARE,
            outcome=AccessLogEntry.Outcome.GRANTED,
            detail=f"patient device: dose {dose.pk} {outcome}",
        )
    return dose


# --- the ward's alert --------------------------------------------------------------------


def _alert(dose: DoseAdministration, now: datetime, what: str) -> Alert | None:
    """The ward's alert for this dose, at most once (a conditional update claims it, so two
    workers – or a worker and a nurse recording – never raise two)."""
    claimed = DoseAdministration.objects.filter(pk=dose.pk, alerted_at__isnull=True).update(
        alerted_at=now
    )
    if not claimed:
        return None
    due = timezone.localtime(dose.due_at).strftime("%Y-%m-%d %H:%M")
    alert = Alert.objects.create(
        episode_id=dose.episode_id,
        unit_id=dose.episode.ward_id,
        kind=Alert.Kind.MISSED_DOSE,
        level=MISSED_DOSE_LEVEL,
        reasons=[
            str(
                _("%(drug)s %(dose)s %(route)s kl. %(due)s: %(what)s")
                % {
                    "drug": dose.drug,
                    "dose": dose.dose,
                    "route": dose.route,
                    "due": due,
                    "what": what,
                }
            )
        ],
        response=str(
            _(
                "Kontakta patienten eller hemsjukvården. Läkaren beslutar om dosen ska ges "
                "nu, om schemat ska flyttas eller om behandlingen ska ändras."
            )
        ),
    )
    DoseAdministration.objects.filter(pk=dose.pk).update(alert=alert)
    dose.alerted_at, dose.alert = now, alert
    return alert


def doses_overdue_check(now: datetime | None = None) -> int:
    """The worker's pass: schedule the coming doses of every episode at home with a list,
    then alert the ward once for each dose nothing was recorded for within the tolerance.
    Safe to run in several worker copies (each alert is claimed). Returns alerts raised."""
    now = now or timezone.now()
    episodes = Episode.objects.filter(
        state__in=SCHEDULED_STATES, medication_versions__isnull=False
    ).distinct()
    for episode in episodes:
        with transaction.atomic():
            doses_schedule(episode=episode, now=now)
    overdue = DoseAdministration.objects.filter(
        status=DoseAdministration.Status.PLANNED,
        due_at__lt=now - tolerance(),
        alerted_at__isnull=True,
        episode__state__in=SCHEDULED_STATES,
    ).select_related("episode")
    raised = 0
    for dose in overdue:
        with transaction.atomic():
            if _alert(dose, now, _("ingen registrering")) is not None:
                raised += 1
    return raised
