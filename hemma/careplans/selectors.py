"""Reads of agreements and templates. Callers have already passed the episode's access
policy (episodes.selectors.get_episode_for_user), which logged the read."""

from dataclasses import dataclass

from django.db.models import Q

from hemma.accounts.models import Unit
from hemma.episodes.models import Episode

from .models import Agreement, AgreementTemplate, AgreementVersion, DischargeCriterionCheck


def agreement_for_episode(episode: Episode) -> Agreement | None:
    return Agreement.objects.filter(episode=episode).first()


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
