"""A job's status: an htmx fragment the page polls every two seconds while the job is
queued or running (then its result or error, and no more polling); without htmx the same
fragment in a page. Only staff acting for the job's unit see it: any other id is a denied
entry and 404, like an unknown one."""

from django.shortcuts import render

from hemma.patients.selectors import deny
from hemma.web.decorators import staff_required

from . import selectors


@staff_required
def status(request, job_id):
    job = selectors.job_for_unit(request.hemma.unit, job_id)
    if job is None:
        deny(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            what=f"job id={job_id} status",
        )
    if request.headers.get("HX-Request"):
        return render(request, "jobs/_status.html", {"job": job})
    return render(request, "jobs/job.html", {"job": job})
