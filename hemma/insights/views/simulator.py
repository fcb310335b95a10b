"""The ward simulator: a what-if run (parameters typed or from the ward's own history),
saved as a named scenario and compared with the others; deleting a scenario."""

from dataclasses import replace
from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hemma.accounts.models import Unit
from hemma.errors import HemmaError
from hemma.web.decorators import staff_required

from .. import charts, forms, services, simulation
from ..models import Scenario

WEEKDAY_PROFILE = simulation.WardParameters().arrivals_per_weekday


def _params(data, settings) -> simulation.WardParameters:
    mean = float(data["arrivals_per_day"])
    scale = mean / (sum(WEEKDAY_PROFILE) / 7)
    los = float(data["los_mean_days"])
    moved = float(data["days_moved_home"])
    return simulation.WardParameters(
        beds=data["beds"],
        safety_places=data["safety_places"],
        arrivals_per_weekday=tuple(round(rate * scale, 4) for rate in WEEKDAY_PROFILE),
        los_mean_days=los,
        los_sd_days=float(data["los_sd_days"]),
        early_discharge_share=simulation.share_for_home_bed_days(
            float(data["home_percent"]) / 100, los, moved
        ),
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


@staff_required
def simulator(request):
    organisation = request.hemma.unit.organisation
    settings = services.economics_for(organisation)
    unit = request.hemma.unit
    initial = {"beds": unit.beds} if unit.kind == Unit.Kind.WARD and unit.beds else {}
    form = forms.SimulatorForm(request.POST or None, initial=initial)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            params = _params(data, settings)
            if data["from_history"]:
                if unit.kind != Unit.Kind.WARD:
                    raise HemmaError(_("Historiken finns för avdelningar: agera för en avdelning."))
                arrivals, lengths = services.ward_history(unit)
                params = replace(params, arrivals_per_weekday=arrivals, los_history=lengths)
            summary = services.run(params, data["replications"], data["seed"])
            result = services.summary_as_json(summary)
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
            messages.error(request, getattr(error, "message", str(error)))
            result = None
    elif request.method == "POST":
        messages.error(request, _("Kontrollera uppgifterna."))
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
