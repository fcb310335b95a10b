"""The ward simulator: a what-if run (parameters typed or from the ward's own history),
saved as a named scenario and compared with the others; deleting a scenario. The share of
patients sent home early is worked out from the requested share of bed-days with the
ward's stays (`simulation.home_share`), and the page says why when it cannot be reached."""

from dataclasses import replace
from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.accounts.models import Unit
from hemma.clinical import numbers
from hemma.errors import HemmaError
from hemma.web.decorators import staff_required
from hemma.web.form_retry import not_saved_message

from .. import charts, forms, services, simulation
from ..models import Scenario

WEEKDAY_PROFILE = simulation.WardParameters().arrivals_per_weekday


def _params(data, settings) -> simulation.WardParameters:
    mean = float(data["arrivals_per_day"])
    scale = mean / (sum(WEEKDAY_PROFILE) / 7)
    los = float(data["los_mean_days"])
    moved = float(data["days_moved_home"])  # the early share: `home_share`, once stays are known
    return simulation.WardParameters(
        beds=data["beds"],
        safety_places=data["safety_places"],
        arrivals_per_weekday=tuple(round(rate * scale, 4) for rate in WEEKDAY_PROFILE),
        los_mean_days=los,
        los_sd_days=float(data["los_sd_days"]),
        days_moved_home=moved,
        direct_admission_probability=float(data["direct_admission_percent"]) / 100,
        readmission_probability=float(data["readmission_percent"]) / 100,
        bed_day_cost=settings.bed_day_cost,
        home_day_cost=settings.home_day_cost,
    )


def _charts(results: dict, beds: int) -> list[str]:
    return [
        charts.line_chart(
            [(_("Inneliggande (medel)"), results["occupancy_by_day"], "#1565c0")],
            lines=[(_("Vårdplatser"), beds, "#b00020")],
            title=_("Beläggning per dag"),
            x_label=_("Dag"),
        ),
        charts.line_chart(
            [(_("Patienter hemma (medel)"), results["at_home_by_day"], "#2e7d32")],
            title=_("Patienter i vård i hemmet per dag"),
            x_label=_("Dag"),
        ),
    ]


def _home_share_notes(plan: simulation.HomeShare, params) -> list[str]:
    """Why the simulated share of bed-days at home is what it is, in Swedish."""
    values = {
        "requested": numbers.percent(plan.requested * 100, 1),
        "reachable": numbers.percent(plan.reachable * 100, 1),
        "share": numbers.percent(plan.share * 100, 1),
        "days": numbers.decimal(plan.days_at_home, 1),
        "moved": numbers.decimal(params.days_moved_home, 1),
        "short": numbers.percent(plan.lost_to_short_stays * 100, 0),
        "direct": numbers.percent(plan.lost_to_direct_admissions * 100, 1),
    }
    if plan.requested <= 0:
        return []
    if plan.unreachable:
        return [
            _(
                "Begärd andel %(requested)s av vårddygnen i hemmet går inte att nå med dessa "
                "antaganden: även om alla patienter går hem tidigt blir det högst "
                "%(reachable)s. En patient flyttar hem högst %(moved)s dygn av vårdtiden, men "
                "i medel bara %(days)s dygn: vårdtider på ett dygn eller kortare går inte hem "
                "tidigt och korta vårdtider ger färre dygn hemma (%(short)s av dygnen), och "
                "direktinläggningar tar tillbaka %(direct)s. Simuleringen skickar alla "
                "patienter hem tidigt. Öka dygnen som flyttas hem per patient för att nå "
                "längre."
            )
            % values
        ]
    return [
        _(
            "För %(requested)s av vårddygnen i hemmet går %(share)s av patienterna hem "
            "tidigt. De är hemma i medel %(days)s dygn, inte %(moved)s: korta vårdtider ger "
            "färre dygn hemma (%(short)s av dygnen) och direktinläggningar tar tillbaka "
            "%(direct)s. Simuleringens resultat varierar slumpmässigt kring den begärda andelen."
        )
        % values
    ]


@staff_required
def simulator(request):
    organisation = request.hemma.unit.organisation
    settings = services.economics_for(organisation)
    unit = request.hemma.unit
    initial = {"beds": unit.beds} if unit.kind == Unit.Kind.WARD and unit.beds else {}
    form = forms.SimulatorForm(request.POST or None, initial=initial)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            params = _params(data, settings)
            if data["from_history"]:
                if unit.kind != Unit.Kind.WARD:
                    raise HemmaError(_("Historiken finns för avdelningar: agera för en avdelning."))
                arrivals, lengths = services.ward_history(unit)
                params = replace(params, arrivals_per_weekday=arrivals, los_history=lengths)
            plan = simulation.home_share(params, float(data["home_percent"]) / 100)
            params = replace(params, early_discharge_share=plan.share)
            summary = services.run(params, data["replications"], data["seed"])
            result = services.summary_as_json(summary)
            result["requested_percent"] = float(data["home_percent"])
            result["home_share_notes"] = _home_share_notes(plan, params)
            if data["name"]:
                services.scenario_save(
                    staff=request.hemma.staff,
                    unit=unit,
                    name=data["name"],
                    params=params,
                    summary=summary,
                )
                messages.success(request, _("Scenariot är sparat."))
        except (HemmaError, ValueError) as error:
            refusal = getattr(error, "message", str(error))
            messages.error(request, refusal)
            form.add_error(None, refusal)  # the form's own error, above its fields
            result = None
            status = 400
    elif request.method == "POST":
        # The bound form is shown again: its errors at the fields, the values kept.
        messages.error(request, not_saved_message(form, with_fields=False))
        status = 400
    scenarios = list(
        Scenario.objects.filter(organisation=organisation).select_related("created_by__user")
    )
    for scenario in scenarios:  # beds freed compared with the first (the baseline)
        first = scenarios[0].results["estimates"]["mean_occupancy"]["mean"]
        scenario.freed = first - scenario.results["estimates"]["mean_occupancy"]["mean"]
    return render(
        request,
        "insights/simulator.html",
        {
            "form": form,
            "result": result,
            "charts": _charts(result, form.cleaned_data["beds"]) if result else [],
            "scenarios": scenarios,
            "baseline": scenarios[0] if scenarios else None,
            "percent": Decimal(100),
        },
        status=status,
    )


@staff_required
@require_POST
def scenario_delete(request, scenario_id):
    scenario = get_object_or_404(
        Scenario, pk=scenario_id, organisation=request.hemma.unit.organisation
    )
    try:
        services.scenario_delete(
            staff=request.hemma.staff, unit=request.hemma.unit, scenario=scenario
        )
        messages.success(request, _("Scenariot är borttaget."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("insights:simulator")
