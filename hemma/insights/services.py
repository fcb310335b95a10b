"""Follow-up: economic settings (managers edit them, every change recorded) and the
simulator's saved scenarios."""

from dataclasses import asdict

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Organisation, Staff
from hemma.errors import Conflict, HemmaError, NotAllowed

from . import simulation
from .models import EconomicsSettings, Scenario

EDITABLE = (
    "kpp_ed_visit_cost",
    "kpp_source",
    "overhead_share",
    "overhead_source",
    "bed_day_cost",
    "bed_day_source",
    "home_day_cost",
    "home_day_source",
    "short_term_housing_day_cost",
    "short_term_housing_source",
)
MAX_REPLICATIONS = 200


def economics_for(organisation: Organisation) -> EconomicsSettings:
    settings, _created = EconomicsSettings.objects.get_or_create(organisation=organisation)
    return settings


def is_manager(staff: Staff, organisation: Organisation) -> bool:
    return Membership.objects.filter(
        staff=staff, unit__organisation=organisation, role=Membership.Role.MANAGER
    ).exists()


@transaction.atomic
def economics_save(*, by: Staff, organisation: Organisation, values: dict) -> EconomicsSettings:
    if not is_manager(by, organisation):
        raise NotAllowed(_("Bara chefer i organisationen ändrar de ekonomiska antagandena."))
    settings = EconomicsSettings.objects.select_for_update().get(pk=economics_for(organisation).pk)
    for name in EDITABLE:
        if name in values:
            setattr(settings, name, values[name])
    settings.updated_by = by
    settings.full_clean()
    settings.save()
    return settings


def run(params: simulation.WardParameters, replications: int, seed: int = 1):
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise HemmaError(_("Välj mellan 1 och %(max)s upprepningar.") % {"max": MAX_REPLICATIONS})
    return simulation.replicate(params, replications=replications, seed=seed)


def summary_as_json(summary: simulation.Summary) -> dict:
    estimates = {
        name: asdict(getattr(summary, name))
        for name in (
            "mean_occupancy",
            "days_over_capacity",
            "home_bed_days",
            "home_share",
            "at_home_mean",
            "at_home_peak",
            "cost",
        )
    }
    return {
        "replications": summary.replications,
        "estimates": estimates,
        "home_percent": round(summary.home_share.mean * 100, 2),
        "occupancy_by_day": [round(v, 2) for v in summary.occupancy_by_day],
        "at_home_by_day": [round(v, 2) for v in summary.at_home_by_day],
    }


@transaction.atomic
def scenario_save(
    *, by: Staff, organisation: Organisation, name: str, params: simulation.WardParameters, summary
) -> Scenario:
    name = name.strip()
    if not name:
        raise HemmaError(_("Ge scenariot ett namn."))
    try:
        with transaction.atomic():
            return Scenario.objects.create(
                organisation=organisation,
                name=name,
                parameters={
                    k: list(v) if isinstance(v, tuple) else v for k, v in asdict(params).items()
                },
                results=summary_as_json(summary),
                created_by=by,
            )
    except IntegrityError:
        raise Conflict(
            _("Det finns redan ett scenario som heter %(name)s.") % {"name": name}
        ) from None


@transaction.atomic
def scenario_delete(*, by: Staff, scenario: Scenario) -> None:
    if scenario.created_by_id != by.pk and not is_manager(by, scenario.organisation):
        raise NotAllowed(_("Bara den som sparade scenariot eller en chef kan ta bort det."))
    scenario.delete()
