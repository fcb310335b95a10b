"""Reads of lab results. Callers have already passed the access policy for the episode
(episodes.selectors.get_episode_for_user, which logged the read) or, for a list like the
round, pass only episodes of patients the list's policy filter let through (and log the
list themselves).

`latest_for_episodes` is for lists of many patients: the newest two results of each
analyte of every episode in one query, as plain values (no model objects)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.clinical import episode_states as states
from hemma.clinical import labs as catalogue
from hemma.clinical.identifiers import row_id
from hemma.episodes.models import Episode
from hemma.patients.policy import any_block_applies, blocked_documentation

from .models import LabResult


def results_for_episode(episode: Episode, hidden_units=frozenset()) -> list[LabResult]:
    """The episode's results, newest first, without those a block hides (`hidden_units`:
    the units whose documentation this staff member may not see)."""
    results = LabResult.objects.filter(episode=episode).select_related("entered_by__user", "unit")
    if hidden_units:
        results = results.exclude(unit_id__in=hidden_units)
    return list(results)


@dataclass(frozen=True)
class AnalyteTrend:
    analyte: catalogue.Analyte
    values: list[dict]  # oldest first: {"at", "value", "text"}
    chart: dict  # for hemma/charts.js: labels and series

    @property
    def latest(self) -> dict:
        return self.values[-1]


def trends(results: list[LabResult]) -> list[AnalyteTrend]:
    """One trend per analyte with results, in the catalogue's order."""
    by_analyte: dict[str, list[LabResult]] = defaultdict(list)
    for result in results:
        by_analyte[result.analyte].append(result)
    found = []
    for code, analyte in catalogue.CATALOGUE.items():
        rows = sorted(by_analyte.get(code, []), key=lambda r: (r.taken_at, r.pk))
        if not rows:
            continue
        values = [
            {"at": r.taken_at, "value": r.value, "text": catalogue.format_value(r.value)}
            for r in rows
        ]
        chart = {
            "labels": [timezone.localtime(r.taken_at).strftime("%d/%m %H:%M") for r in rows],
            "series": [
                {
                    "label": f"{analyte.name} ({analyte.unit})",
                    "values": [float(r.value) for r in rows],
                }
            ],
        }
        found.append(AnalyteTrend(analyte, values, chart))
    return found


@dataclass(frozen=True)
class LatestLab:
    """The newest result of one analyte, with the one before it (for the arrow)."""

    name: str
    unit: str
    value: str
    taken_at: datetime
    previous: str | None
    direction: str  # "up", "down", "same" or "" (no earlier value)


def latest_for_episodes(episode_ids, *, staff=None, unit=None) -> dict[int, list[LatestLab]]:
    """Episode id → its latest result of each analyte (catalogue order), in ONE query
    however many episodes: the newest two rows per (episode, analyte) by a window function,
    as values. Given the reader (`staff`, `unit`), results documented by a unit the patient
    has blocked from the reader's care provider are left out (one more query when any
    block could apply)."""
    episode_ids = list(episode_ids)
    if not episode_ids:
        return {}
    results = LabResult.objects.filter(episode_id__in=episode_ids)
    if staff is not None and unit is not None and any_block_applies(acting_unit=unit):
        results = results.exclude(
            blocked_documentation(
                staff=staff, acting_unit=unit, patient_ref="episode__patient_id", unit_ref="unit_id"
            )
        )
    ranked = (
        results.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("episode_id"), F("analyte")],
                order_by=[F("taken_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=2)
        .values_list("episode_id", "analyte", "value", "taken_at", "rank")
    )
    rows: dict[tuple[int, str], dict[int, tuple[Decimal, datetime]]] = defaultdict(dict)
    for episode_id, analyte, value, taken_at, rank in ranked:
        rows[(episode_id, analyte)][rank] = (value, taken_at)
    order = list(catalogue.CATALOGUE)
    latest: dict[int, list[LatestLab]] = defaultdict(list)
    for (episode_id, code), ranks in sorted(
        rows.items(), key=lambda item: (item[0][0], order.index(item[0][1]))
    ):
        analyte = catalogue.CATALOGUE[code]
        value, taken_at = ranks[1]
        previous = ranks.get(2)
        direction = ""
        if previous is not None:
            direction = "up" if value > previous[0] else "down" if value < previous[0] else "same"
        latest[episode_id].append(
            LatestLab(
                analyte.name,
                analyte.unit,
                catalogue.format_value(value),
                taken_at,
                catalogue.format_value(previous[0]) if previous else None,
                direction,
            )
        )
    return dict(latest)


# --- discharge criteria that reference a lab trend ----------------------------------------


@dataclass(frozen=True)
class CriterionEvidence:
    """What the lab results say about one discharge criterion (the tick stays the
    physician's or the team's, in careplans)."""

    verdict: str  # clinical.labs.Verdict
    text: str  # Swedish, as shown next to the criterion

    @property
    def met(self) -> bool:
        return self.verdict == catalogue.Verdict.MET


def criteria_evidence(episode: Episode, criteria, now=None) -> dict[str, CriterionEvidence]:
    """Criterion text → the evidence for each criterion that references a lab trend
    ("CRP sjunkande 48 h"); the others are left out. One query (none without such a
    criterion)."""
    now = now or timezone.now()
    rules = {text: rule for text in criteria if (rule := catalogue.lab_criterion(text))}
    if not rules:
        return {}
    analytes = {rule.analyte.code for rule in rules.values()}
    values: dict[str, list] = defaultdict(list)
    for analyte, taken_at, value in LabResult.objects.filter(
        episode=episode, analyte__in=analytes
    ).values_list("analyte", "taken_at", "value"):
        values[analyte].append((taken_at, value))
    return {
        text: _evidence(rule, catalogue.falling_trend(values[rule.analyte.code], now, rule.hours))
        for text, rule in rules.items()
    }


def _evidence(rule: catalogue.LabCriterion, trend: catalogue.Trend) -> CriterionEvidence:
    name, unit = rule.analyte.name, rule.analyte.unit
    if trend.verdict == catalogue.Verdict.INSUFFICIENT:
        text = _("Otillräckligt underlag: minst två %(name)s-värden inom %(hours)s h behövs.") % {
            "name": name,
            "hours": rule.hours,
        }
        return CriterionEvidence(trend.verdict, text)
    values = {
        "name": name,
        "first": catalogue.format_value(trend.first),
        "latest": catalogue.format_value(trend.latest),
        "unit": unit,
    }
    if trend.verdict == catalogue.Verdict.MET:
        text = _("Uppfyllt enligt provsvar (%(name)s %(first)s → %(latest)s %(unit)s)") % values
    else:
        text = _("Ej uppfyllt enligt provsvar (%(name)s %(first)s → %(latest)s %(unit)s)") % values
    return CriterionEvidence(trend.verdict, text)


def open_episode_for(patient) -> Episode | None:
    """The patient's open episode a lab result from a lab system belongs to (the newest)."""
    return (
        Episode.objects.filter(patient=patient)
        .exclude(state__in=states.FINAL_STATES)
        .select_related("patient", "ward", "home_health_unit")
        .order_by("-created_at", "-pk")
        .first()
    )


def round_panel(staff, unit, episodes, day) -> dict[int, dict]:
    """The round's rows (episodes.hooks.register_round_panel): `latest_labs` per episode,
    for all of them in one query (two when a block could apply)."""
    latest = latest_for_episodes([e.pk for e in episodes], staff=staff, unit=unit)
    return {episode.pk: {"latest_labs": latest.get(episode.pk, [])} for episode in episodes}


def result_by_id(result_id) -> LabResult | None:
    """One result with its episode, for the FHIR read (the caller checks the policy)."""
    if (pk := row_id(result_id)) is None:
        return None
    return LabResult.objects.select_related("episode").filter(pk=pk).first()
