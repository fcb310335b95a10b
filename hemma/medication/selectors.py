"""Reads of the medication list and the doses. Pages fetch the episode through the access
policy first (`episode_for_page`, logged); the rest read what that episode (or a list the
caller already scoped by the policy, like the visit planner's) holds."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Max, OuterRef, Prefetch, Subquery
from django.utils import timezone

from hemma.carerequests.models import CareRequest
from hemma.carerequests.models import Medication as CareRequestMedication
from hemma.episodes.models import Episode
from hemma.episodes.selectors import get_episode_for_user
from hemma.patients.policy import decide_blocks
from hemma.patients.selectors import blocks_for_page

from .models import DoseAdministration, MedicationItem, MedicationListVersion
from .services import current_version, wanted_doses


def episode_for_page(request, episode_id: int, detail: str) -> Episode:
    """The episode's health record, read through the policy and logged: every unit in the
    patient's care team that reads the health record sees the list (a municipal unit only
    with the patient's consent); home care (SoL), anyone else and unknown ids get a 404."""
    return get_episode_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        episode_id=episode_id,
        detail=detail,
        health_record=True,
    ).episode


def versions_of(episode: Episode) -> list[MedicationListVersion]:
    """Every version, newest first, with its items and who made it (three queries)."""
    return list(
        MedicationListVersion.objects.filter(episode=episode)
        .select_related("created_by__user", "unit")
        .prefetch_related("items")
        .order_by("-number")
    )


def doses_on(episode: Episode, day: date) -> list[DoseAdministration]:
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return list(
        DoseAdministration.objects.filter(
            episode=episode, due_at__gte=start, due_at__lt=start + timedelta(days=1)
        ).select_related("recorded_by__user", "recorded_unit", "alert", "item__version")
    )


# --- blocking (spärr): docs/blocking.md, "The medication list and the doses" -----------


@dataclass
class BlockedMedication:
    """What the medication page shows a staff member of the patient's blocks. `hidden`:
    the units whose documentation is withheld; `requests`: the live care requests such a
    unit sent the reader's unit about the episode – the disclosure that carries the doses
    the reader's unit is asked to give; `withheld`: whether anything was left out."""

    hidden: frozenset[int] = frozenset()
    requests: list = field(default_factory=list)
    withheld: bool = False


def medication_blocks(staff, unit, episode: Episode, *, where: str | None = None):
    """The blocks that apply to this reader of the episode's list and doses. With `where`
    (a page) an opening with the patient's consent is logged as shown (purpose emergency)."""
    if where is None:
        hidden = decide_blocks(staff=staff, acting_unit=unit, patient=episode.patient).hidden
    else:
        hidden = blocks_for_page(
            staff=staff, acting_unit=unit, patient=episode.patient, where=where
        ).hidden
    if not hidden:
        return BlockedMedication()
    requests = list(
        CareRequest.objects.filter(
            episode=episode,
            to_unit=unit,
            from_unit_id__in=hidden,
            status__in=CareRequest.LIVE_STATUSES,
        ).order_by("-pk")
    )
    return BlockedMedication(hidden=hidden, requests=requests)


def dose_schedule_blocked(dose: DoseAdministration, blocks: BlockedMedication) -> bool:
    """A planned dose comes from the list version that planned it (its unit's
    documentation). Withheld from a reader of another care provider unless a live care
    request from that unit asks the reader's unit to care for the patient: then the dose
    to give is part of that disclosure (and needed to give it safely)."""
    return dose.item.version.unit_id in blocks.hidden and not blocks.requests


def visible_versions(versions: list, blocks: BlockedMedication) -> list:
    """The list versions, without those a blocked unit wrote (for everyone of another care
    provider, addressee of a care request or not: the request carries the list as sent)."""
    shown = [v for v in versions if v.unit_id not in blocks.hidden]
    if len(shown) != len(versions):
        blocks.withheld = True
    return shown


def visible_doses(doses: list, blocks: BlockedMedication) -> list:
    """The doses without those whose schedule is withheld (`dose_schedule_blocked`); a
    dose recorded by a blocked unit keeps its time, drug, dose and status (so it is not
    given twice) with who recorded it and the reason withheld (`record_withheld`)."""
    shown = []
    for dose in doses:
        if dose_schedule_blocked(dose, blocks):
            blocks.withheld = True
            continue
        dose.record_withheld = dose.recorded_unit_id in blocks.hidden
        if dose.record_withheld:
            blocks.withheld = True
        shown.append(dose)
    return shown


def open_doses_for_patient(episode: Episode, now: datetime) -> list[DoseAdministration]:
    """The tablet: the patient's own pump doses not yet recorded, from the last day up to
    the next few hours (the 24:00 dose is there before midnight)."""
    return list(
        DoseAdministration.objects.filter(
            episode=episode,
            self_administered=True,
            status=DoseAdministration.Status.PLANNED,
            due_at__gte=now - timedelta(days=1),
            due_at__lte=now + timedelta(hours=3),
        )
    )


def current_items_by_episode(episode_ids: Iterable[int], day: date) -> dict[int, list]:
    """The run sheet's list per episode: the items of each current version that run on
    `day`; an episode without a versioned list shows the list of its live care request
    (written before lists had versions), never a withdrawn one. Two to three queries."""
    episode_ids = set(episode_ids)
    latest = (
        MedicationListVersion.objects.filter(episode_id=OuterRef("version__episode_id"))
        .order_by("-number")
        .values("pk")[:1]
    )
    found: dict[int, list] = {}
    items = (
        MedicationItem.objects.filter(version__episode_id__in=episode_ids)
        .filter(version_id=Subquery(latest))
        .select_related("version")
    )
    for item in items:
        if item.starts_on <= day and (item.ends_on is None or item.ends_on >= day):
            found.setdefault(item.version.episode_id, []).append(item)
        else:
            found.setdefault(item.version.episode_id, [])
    without = episode_ids - set(found)
    if without:
        for old in CareRequestMedication.objects.filter(
            care_request__episode_id__in=without,
            care_request__status__in=CareRequest.LIVE_STATUSES,
        ).select_related("care_request"):
            found.setdefault(old.care_request.episode_id, []).append(old)
    return found


def doses_between(episodes: Iterable[Episode], start: datetime, end: datetime) -> dict:
    """episode id → [(moment, "Cefotaxim 1 g iv")]: the doses the current lists give in
    [start, end) that staff give (not a pump the patient runs), for the visit planner."""
    episodes = list(episodes)
    numbers = (
        MedicationListVersion.objects.filter(episode__in=episodes)
        .values("episode_id")
        .annotate(n=Max("number"))
    )
    wanted = {row["episode_id"]: row["n"] for row in numbers}
    versions = MedicationListVersion.objects.filter(
        episode_id__in=list(wanted), number__in=set(wanted.values())
    ).prefetch_related(
        Prefetch("items", queryset=MedicationItem.objects.filter(self_administered=False))
    )
    found: dict[int, list] = {}
    for version in versions:
        if wanted.get(version.episode_id) != version.number:
            continue
        for (moment, _drug, _route), item in wanted_doses(version, start, end).items():
            text = f"{item.drug} {item.dose} {item.route}"
            found.setdefault(version.episode_id, []).append((moment, text))
    return found


def with_doses(what: str, doses: list, window_start: datetime, window_end: datetime) -> str:
    """A visit's text with the doses due at its time, from the current list: a visit at a
    clock time (its window centred on that time, hemma.routing.visits) at a dose's time –
    not a visit that merely spans it, like blood samples 07–10."""
    middle = window_start + (window_end - window_start) / 2
    due = [text for moment, text in sorted(doses) if abs(moment - middle) < timedelta(minutes=1)]
    if not due:
        return what
    return f"{what}: {', '.join(dict.fromkeys(due))}"


__all__ = [
    "current_items_by_episode",
    "current_version",
    "doses_between",
    "dose_schedule_blocked",
    "doses_on",
    "episode_for_page",
    "medication_blocks",
    "open_doses_for_patient",
    "versions_of",
    "visible_doses",
    "visible_versions",
    "with_doses",
]


def round_panel(staff, unit, episodes, day: date) -> dict[int, dict]:
    """The round's rows (episodes.hooks.register_round_panel): `doses`, the day's scheduled
    doses of every episode with what was recorded, in one query for the whole list. The
    round has already scoped the episodes by the access policy."""
    episodes = list(episodes)
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    found: dict[int, list] = {episode.pk: [] for episode in episodes}
    doses = DoseAdministration.objects.filter(
        episode_id__in=list(found), due_at__gte=start, due_at__lt=start + timedelta(days=1)
    ).order_by("due_at", "drug")
    for dose in doses:
        found[dose.episode_id].append(dose)
    return {episode_id: {"doses": doses} for episode_id, doses in found.items()}
