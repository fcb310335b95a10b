"""The outcome dashboard: the panels for a period (optionally one ward or the patients
listed at one primary care centre), and each panel as CSV or an Excel workbook."""

import csv
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook

from hemma.accounts.models import Unit
from hemma.clinical import numbers
from hemma.web.decorators import staff_required
from hemma.web.form_retry import error_summary

from .. import forms, presenters
from ..periods import Period


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
            # The figures are for the default period; the form keeps what was typed, its
            # errors named by the fields' labels.
            messages.error(request, error_summary(form))
    else:
        form = forms.PeriodForm(wards=wards, centres=centres, initial={"start": start, "end": end})
    return form, Period(start, end, grain), ward, centre


@staff_required
def dashboard(request):
    form, period, ward, centre = _period(request)
    panels = presenters.dashboard(request.hemma.unit.organisation, period, ward, centre)
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
            "threshold": presenters.threshold(),
        },
    )


def _export(request, panel):
    """The chosen panel and its period, as the rows of a table: the measures (hidden counts
    say so), its table per centre or municipality and notes, then the chart's series by
    month or week."""
    _form, period, ward, centre = _period(request)
    organisation = request.hemma.unit.organisation
    panels = {p.key: p for p in presenters.dashboard(organisation, period, ward, centre)}
    chosen = panels.get(panel)
    if chosen is None:
        raise Http404
    hidden = _("dolt (färre än %(n)s)") % {"n": presenters.threshold()}
    rows = [[_("Mått"), _("Värde"), _("Kommentar")]]
    rows += [[r.label, hidden if r.value is None else r.value, r.note] for r in chosen.rows]
    if chosen.empty:
        rows.append([chosen.empty, "", ""])
    if chosen.table:
        rows += [[], chosen.table.columns]
        rows += [[hidden if v is None else v for v in line] for line in chosen.table.rows]
    rows += [[note, "", ""] for note in chosen.notes]
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
    # Swedish CSV (semicolon, as Excel in Swedish reads it): decimals with a comma, no
    # thousands grouping, so every number stays a number; the Excel file keeps real numbers.
    csv.writer(response, delimiter=";").writerows(
        [numbers.csv_number(v) if isinstance(v, float | Decimal) else v for v in row]
        for row in rows
    )
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
