"""Uploading a data-warehouse file (ED visits, listed population, ward bed-days, stays): the
worker reads and stores it, this page polls its progress and lists the last imports."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from hemma.errors import HemmaError
from hemma.jobs import selectors as job_selectors
from hemma.jobs.models import Job
from hemma.web.decorators import staff_required
from hemma.web.form_retry import not_saved_message

from .. import forms, services
from ..models import ImportBatch


@staff_required
def imports(request):
    """Upload a file: the worker reads and stores it (a 100 000-row file takes a while);
    this page shows the import's progress, polled, and then its outcome."""
    organisation = request.hemma.unit.organisation
    form = forms.ImportForm()
    status = 200
    if request.method == "POST":
        form = forms.ImportForm(request.POST, request.FILES)
        if form.is_valid():
            name, text = form.cleaned_data["file"]
            try:
                job = services.import_request(
                    staff=request.hemma.staff,
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
                form.add_error(None, error.message)
                messages.error(request, error.message)
                status = 400
        else:
            # The bound form is shown again: its errors at the fields, the values kept.
            messages.error(request, not_saved_message(form, with_fields=False))
            status = 400
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
        status=status,
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
