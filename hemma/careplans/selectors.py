"""Reads of agreements and templates. Callers have already passed the episode's access
policy (episodes.selectors.get_episode_for_user), which logged the read."""

from dataclasses import dataclass

from django.db.models import F, Q
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.clinical.recurrence import applies_on
from hemma.episodes.models import Episode
from hemma.patients.policy import any_block_applies, blocked_documentation

from .models import Agreement, AgreementTemplate, AgreementVersion, DischargeCriterionCheck


def agreement_for_episode(episode: Episode) -> Agreement | None:
    return Agreement.objects.filter(episode=episode).first()


def agreement_exists(episode: Episode) -> bool:
    return Agreement.objects.filter(episode=episode).exists()


def current_version(agreement: Agreement) -> AgreementVersion:
    return agreement.versions.select_related("created_by__user").get(
        number=agreement.current_number
    )


@dataclass(frozen=True)
class CriterionStatus:
    criterion: str
    check: DischargeCriterionCheck | None

    @property
    def met(self) -> bool:
        return self.check is not None


def criteria_status(agreement: Agreement) -> list[CriterionStatus]:
    checks = {
        check.criterion: check for check in agreement.checks.select_related("checked_by__user")
    }
    return [
        CriterionStatus(criterion, checks.get(criterion))
        for criterion in current_version(agreement).criteria
    ]


def discharge_criteria_met(agreement: Agreement | None) -> bool:
    """Every criterion of the current version is checked off (none written: nothing to meet)."""
    if agreement is None:
        return True
    return all(status.met for status in criteria_status(agreement))


def templates_for_ward(ward: Unit, *, active_only: bool = True):
    """The ward's own templates and the shipped ones."""
    templates = AgreementTemplate.objects.filter(Q(ward=ward) | Q(ward__isnull=True))
    if active_only:
        templates = templates.filter(is_active=True)
    return templates.order_by("ward_id", "name")


def activities_today(
    episodes: list[Episode], blocked: frozenset[int] = frozenset()
) -> list[tuple[Episode, int, list[dict] | None]]:
    """Each patient at home with the agreement's activities due today (one query);
    None instead of the activities for the episodes in `blocked` (the patient blocked the
    ward, whose documentation the agreement is, from the reader: `blocked_agreements`)."""
    versions = {
        version.agreement.episode_id: version
        for version in AgreementVersion.objects.filter(
            agreement__episode__in=episodes, number=F("agreement__current_number")
        ).select_related("agreement")
    }
    today = timezone.localdate()
    rows = []
    for episode in episodes:
        day = (today - timezone.localdate(episode.at_home_since)).days + 1
        version = versions.get(episode.pk)
        activities = [
            activity
            for activity in (version.activities if version else [])
            if applies_on(activity["when"], today, day)
        ]
        rows.append((episode, day, None if episode.pk in blocked else activities))
    return rows


def blocked_agreements(staff: Staff | None, unit: Unit, episodes: list[Episode]) -> frozenset[int]:
    """The episodes among `episodes` whose agreement (the ward's documentation) the patient
    has blocked from this staff member's care provider: one query, none when no block could
    apply (policy.blocked_documentation)."""
    if not episodes or not any_block_applies(acting_unit=unit):
        return frozenset()
    return frozenset(
        Episode.objects.filter(pk__in=[episode.pk for episode in episodes])
        .filter(
            blocked_documentation(
                staff=staff, acting_unit=unit, patient_ref="patient_id", unit_ref="ward_id"
            )
        )
        .values_list("pk", flat=True)
    )
