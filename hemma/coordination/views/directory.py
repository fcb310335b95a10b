"""The doctor-to-doctor directory (läkare till läkare): search, one entry with its contact
form, the unit's maintenance of its entries, and the usage statistics."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hemma.errors import HemmaError
from hemma.web.decorators import staff_required

from .. import directory, forms


def _entry_or_404(entry_id):
    entry = directory.entry_of(entry_id)
    if entry is None:
        raise Http404
    return entry


@staff_required
def directory_list(request):
    query = request.GET.get("q", "")[:100]
    directory.record_use(staff=request.hemma.staff, unit=request.hemma.unit)
    return render(
        request,
        "coordination/directory.html",
        {
            "entries": directory.search(query)[:200],
            "query": query,
            "may_maintain": directory.may_maintain(request.hemma.staff, request.hemma.unit),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def directory_entry(request, entry_id):
    entry = _entry_or_404(entry_id)
    form = forms.ContactForm(
        request.POST if request.method == "POST" else None,
        initial={"contacted_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            directory.contact_record(
                staff=request.hemma.staff, unit=request.hemma.unit, entry=entry, **form.cleaned_data
            )
            messages.success(request, _("Kontakten är registrerad. Tack!"))
            return redirect("coordination:directory_entry", entry_id=entry.pk)
        except HemmaError as error:
            form.add_error(None, error.message)
    if request.method == "GET":
        directory.record_use(staff=request.hemma.staff, entry=entry, unit=request.hemma.unit)
    return render(request, "coordination/directory_entry.html", {"entry": entry, "form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def directory_edit(request, entry_id=None):
    unit = request.hemma.unit
    entry = _entry_or_404(entry_id) if entry_id else None
    initial = {name: getattr(entry, name) for name in directory.FIELDS} if entry else {}
    form = forms.DirectoryEntryForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = directory.entry_save(
                staff=request.hemma.staff, unit=unit, entry=entry, **form.cleaned_data
            )
            messages.success(request, _("Posten är sparad."))
            return redirect("coordination:directory_entry", entry_id=entry.pk)
        except HemmaError as error:
            form.add_error(None, error.message)
    return render(request, "coordination/directory_edit.html", {"form": form, "entry": entry})


@staff_required
def directory_stats(request):
    today = timezone.localdate()
    form = forms.PeriodForm(
        request.GET or None, initial={"first": today.replace(day=1), "last": today}
    )
    first, last = today.replace(day=1), today
    if request.GET and form.is_valid():
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
    opens, views, rows = directory.statistics(first, last)
    return render(
        request,
        "coordination/directory_stats.html",
        {
            "form": form,
            "opens": opens,
            "views": views,
            "rows": rows,
            "unit_rows": directory.statistics_by_unit(first, last),
            "first": first,
            "last": last,
        },
    )
