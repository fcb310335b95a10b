"""The economics page: the cost of an ED visit from KPP less overhead, the saving when ED
visits fall – visits a month before and after read from the organisation's imported ED
visits of the chosen months (typed numbers take precedence; months without imported
visits are named and the visits asked for, never filled in) – the net effect of bed-days
at home and the short-term housing avoided; each figure with its formula and source, next
to the seed's Ljungby examples. Managers edit the assumptions."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.errors import HemmaError
from hemma.web.decorators import staff_required
from hemma.web.form_retry import not_saved_message

from .. import economics as calc
from .. import forms, measures, presenters, selectors, services
from ..periods import Period


@staff_required
def economics(request):
    unit = request.hemma.unit
    organisation = unit.organisation
    settings = services.economics_for(organisation)
    manager = services.is_manager(request.hemma.staff, organisation)
    form = forms.EconomicsForm(instance=settings)
    status = 200
    if request.method == "POST":
        form = forms.EconomicsForm(request.POST, instance=settings)
        if form.is_valid():
            try:
                services.economics_save(
                    staff=request.hemma.staff, unit=unit, values=form.cleaned_data
                )
                messages.success(request, _("Antagandena är sparade."))
                return redirect("insights:economics")
            except HemmaError as error:
                form.add_error(None, error.message)
                messages.error(request, error.message)
                status = 400
        else:
            # The bound form is shown again: its errors at the fields, the values kept.
            messages.error(request, not_saved_message(form, with_fields=False))
            status = 400
    visit_cost = calc.ed_visit_cost(settings.kpp_ed_visit_cost, settings.overhead_share)
    saving = _ed_saving(request, organisation, visit_cost.value)
    # Bed-days at home over the last twelve months, from live data (the dashboard's measure).
    today = timezone.localdate()
    year = Period(today.replace(day=1) - timedelta(days=335), today)
    home_days = selectors.home_bed_days(organisation, year)
    net = calc.bed_days_net_effect(
        home_days,
        settings.bed_day_cost,
        calc.HomeEpisodeCosts(
            visit_minutes={}, hourly_cost={}, equipment=home_days * settings.home_day_cost
        ),
    )
    housing = calc.short_term_housing_avoided(
        saving["housing_days"], settings.short_term_housing_day_cost
    )
    return render(
        request,
        "insights/economics.html",
        {
            "settings": settings,
            "form": form,
            "manager": manager,
            "visit_cost": visit_cost,
            "net": net,
            "year": year,
            "housing": housing,
            "seed_examples": [
                calc.yearly_ed_saving(before, after, visit_cost.value)
                for before, after in calc.LJUNGBY_EXAMPLES
            ],
            **saving,
        },
        status=status,
    )


SAVING_FIELDS = ("visits_before", "visits_after", "housing_days")


def _default_periods() -> dict:
    """After: the last three whole months; before: the twelve months before them."""
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    after = measures.months_back(last_month.replace(day=1), 3)
    before = measures.months_back(after[0] - timedelta(days=1), 12)
    return {
        "before_from": before[0],
        "before_to": before[-1],
        "after_from": after[0],
        "after_to": after[-1],
    }


def _ed_saving(request, organisation, cost_per_visit: int) -> dict:
    """The saving when ED visits fall: visits a month before and after from the imported
    ED visits of the chosen months, unless typed; no imported data and nothing typed means
    no number – the page says which months lack data and asks for the visits."""
    periods = _default_periods()
    bound = any(name in request.GET for name in periods)
    periods_form = forms.EdPeriodsForm(request.GET if bound else None, initial=periods)
    if bound and periods_form.is_valid():
        periods = periods_form.cleaned_data
    before = selectors.ed_visits_per_month(
        organisation, periods["before_from"], periods["before_to"]
    )
    after = selectors.ed_visits_per_month(organisation, periods["after_from"], periods["after_to"])
    imported = {
        "visits_before": presenters.ed_visits_a_month(before),
        "visits_after": presenters.ed_visits_a_month(after),
    }
    typed = any(name in request.GET for name in SAVING_FIELDS)
    saving_form = forms.SavingForm(request.GET if typed else None, initial=imported)
    numbers, housing_days = dict(imported), 0
    if typed and saving_form.is_valid():
        data = saving_form.cleaned_data
        numbers |= {k: data[k] for k in imported if data[k] is not None}
        housing_days = data["housing_days"] or 0
    missing = [
        (side, presenters.months_label(visits), presenters.ed_visits_missing(visits))
        for side, key, visits in (
            (_("Före"), "visits_before", before),
            (_("Efter"), "visits_after", after),
        )
        if numbers[key] is None
    ]
    known = None not in numbers.values()
    return {
        "periods_form": periods_form,
        "periods": {name: f"{value:%Y-%m}" for name, value in periods.items()},
        "saving_form": saving_form,
        "imported": imported,
        "before_months": presenters.months_label(before),
        "after_months": presenters.months_label(after),
        "missing": missing,
        "saving": (
            calc.yearly_ed_saving(numbers["visits_before"], numbers["visits_after"], cost_per_visit)
            if known
            else None
        ),
        "housing_days": housing_days,
    }
