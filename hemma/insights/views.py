"""Follow-up pages: the economics (the seed's KPP example and the organisation's settings,
each figure with its formula and source) and the ward simulator with saved scenarios."""

import csv
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from hemma.accounts.models import Unit
from hemma.errors import HemmaError
from hemma.jobs import selectors as job_selectors
from hemma.jobs.models import Job
from hemma.web.decorators import staff_required

from . import charts, forms, selectors, services, simulation
from . import economics as calc
from .models import ImportBatch, Scenario

WEEKDAY_PROFILE = simulation.WardParameters().arrivals_per_weekday


@staff_required
def economics(request):
    organisation = request.hemma.unit.organisation
    settings = services.economics_for(organisation)
    manager = services.is_manager(request.hemma.staff, organisation)
    form = forms.EconomicsForm(instance=settings)
    if request.method == "POST":
        form = forms.EconomicsForm(request.POST, instance=settings)
        if form.is_valid():
            try:
                services.economics_save(
                    by=request.hemma.staff, organisation=organisation, values=form.cleaned_data
                )
                messages.success(request, _("Antagandena är sparade."))
                return redirect("insights:economics")
            except HemmaError as error:
                messages.error(request, error.message)
        else:
            messages.error(request, _("Kontrollera uppgifterna."))
    saving_form = forms.SavingForm(request.GET or None)
    before, after = 87, 63
    if saving_form.is_bound and saving_form.is_valid():
        before, after = (
            saving_form.cleaned_data["visits_before"],
            saving_form.cleaned_data["visits_after"],
        )
    visit_cost = calc.ed_visit_cost(settings.kpp_ed_visit_cost, settings.overhead_share)
    # Bed-days at home over the last twelve months, from live data (the dashboard's measure).
    today = timezone.localdate()
    year = selectors.Period(today.replace(day=1) - timedelta(days=335), today)
    care = selectors.care_at_home(organisation, year)
    home_days = next(r.value for r in care.rows if r.key == "home_bed_days")
    net = calc.bed_days_net_effect(
        home_days,
        settings.bed_day_cost,
        calc.HomeEpisodeCosts(
            visit_minutes={}, hourly_cost={}, equipment=home_days * settings.home_day_cost
        ),
    )
    housing_days = (
        saving_form.cleaned_data.get("housing_days") or 0
        if saving_form.is_bound and saving_form.is_valid()
        else 0
    )
    housing = calc.short_term_housing_avoided(housing_days, settings.short_term_housing_day_cost)
    return render(
        request,
        "insights/economics.html",
        {
            "settings": settings,
            "form": form,
            "manager": manager,
            "saving_form": saving_form if saving_form.is_bound else forms.SavingForm(),
            "visit_cost": visit_cost,
            "saving": calc.yearly_ed_saving(before, after, visit_cost.value),
            "net": net,
            "year": year,
            "housing": housing,
            "seed_examples": [
                calc.yearly_ed_saving(87, 63, visit_cost.value),
                calc.yearly_ed_saving(87, 78, visit_cost.value),
            ],
        },
    )


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
                    by=request.hemma.staff,
                    organisation=organisation,
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
        services.scenario_delete(by=request.hemma.staff, scenario=scenario)
        messages.success(request, _("Scenariot är borttaget."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("insights:simulator")


@staff_required
def imports(request):
    """Upload a file: the worker reads and stores it (a 100 000-row file takes a while);
    this page shows the import's progress, polled, and then its outcome."""
    organisation = request.hemma.unit.organisation
    form = forms.ImportForm()
    if request.method == "POST":
        form = forms.ImportForm(request.POST, request.FILES)
        if form.is_valid():
            name, text = form.cleaned_data["file"]
            try:
                job = services.import_request(
                    by=request.hemma.staff,
                    unit=request.hemma.unit,
                    kind=form.cleaned_data["kind"],
                    file_name=name,
                    text=text,
                )
                messages.success(
                    request, _("Filen är mottagen och läses in. Förloppet visas nedan.")
                )
                return redirect(f"{reverse('insights:imports')}?job={job.pk}")
            except HemmaError as error:
                messages.error(request, error.message)
        else:
            messages.error(request, _("Kontrollera uppgifterna."))
    batches = ImportBatch.objects.filter(organisation=organisation).select_related("by__user")[:20]
    return render(
        request,
        "insights/imports.html",
        {
            "form": form,
            "batches": batches,
            "manager": services.is_manager(request.hemma.staff, organisation),
            "job": _import_job(request),
        },
    )


def _import_job(request):
    """The import just started (?job=), else the unit's import running now."""
    unit = request.hemma.unit
    job_id = request.GET.get("job", "")
    if job_id.isdigit():
        job = job_selectors.job_for_unit(unit, int(job_id), kind=Job.Kind.INSIGHTS_IMPORT)
        if job is not None:
            return job
    return job_selectors.active_job(unit, Job.Kind.INSIGHTS_IMPORT)


# --- The outcome dashboard ---------------------------------------------------------------


def _period(request):
    organisation = request.hemma.unit.organisation
    wards = Unit.objects.filter(organisation=organisation, kind=Unit.Kind.WARD).order_by("name")
    centres = Unit.objects.filter(kind=Unit.Kind.PRIMARY_CARE).order_by("name")
    today = timezone.localdate()
    default_start = (today.replace(day=1) - timedelta(days=330)).replace(day=1)
    form = forms.PeriodForm(request.GET or None, wards=wards, centres=centres)
    start, end, ward, centre, grain = default_start, today, None, None, "month"
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            ward, centre = form.cleaned_data["ward"], form.cleaned_data["centre"]
            grain = form.cleaned_data["grain"] or "month"
        else:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            form = forms.PeriodForm(
                wards=wards, centres=centres, initial={"start": start, "end": end}
            )
    else:
        form = forms.PeriodForm(wards=wards, centres=centres, initial={"start": start, "end": end})
    return form, selectors.Period(start, end, grain), ward, centre


@staff_required
def dashboard(request):
    form, period, ward, centre = _period(request)
    panels = selectors.dashboard(request.hemma.unit.organisation, period, ward, centre)
    return render(
        request,
        "insights/dashboard.html",
        {
            "form": form,
            "period": period,
            "ward": ward,
            "centre": centre,
            "panels": panels,
            "query": request.GET.urlencode(),
            "threshold": selectors.threshold(),
        },
    )


def _export(request, panel):
    """The chosen panel and its period, as the rows of a table: the measures (hidden counts
    say so), then the chart's series by month or week."""
    _form, period, ward, centre = _period(request)
    organisation = request.hemma.unit.organisation
    panels = {p.key: p for p in selectors.dashboard(organisation, period, ward, centre)}
    chosen = panels.get(panel)
    if chosen is None:
        raise Http404
    hidden = _("dolt (färre än %(n)s)") % {"n": selectors.threshold()}
    rows = [[_("Mått"), _("Värde"), _("Kommentar")]]
    rows += [[r.label, hidden if r.value is None else r.value, r.note] for r in chosen.rows]
    if chosen.chart:
        rows += [[], [_("Serie"), *chosen.chart["labels"]]]
        for series in chosen.chart["series"]:
            rows.append([series["label"], *("" if v is None else v for v in series["values"])])
    name = f"hemma-{panel}-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    return chosen, name, rows


@staff_required
def dashboard_csv(request, panel):
    _chosen, name, rows = _export(request, panel)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a byte-order mark
    csv.writer(response, delimiter=";").writerows(rows)
    return response


@staff_required
def dashboard_xlsx(request, panel):
    """The same table as an Excel workbook (numbers stay numbers)."""
    chosen, name, rows = _export(request, panel)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(chosen.title)[:31])
    for row in rows:
        sheet.append([str(v) if isinstance(v, Promise) else v for v in row])
    content = BytesIO()
    workbook.save(content)
    response = HttpResponse(
        content.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
