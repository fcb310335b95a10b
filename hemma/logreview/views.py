from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hemma.accounts.selectors import reviewable_organisation_ids
from hemma.patients import services as patient_services
from hemma.patients.forms import PatientExtractForm
from hemma.web.actions import run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_row

from .admin_log_forms import AdministrationLogFilterForm
from .forms import EmergencyReviewForm, LogFilterForm
from .selectors import (
    LogFilter,
    administration_log_for_review,
    log_entries_for_review,
    patient_log_extract,
    units_for_review,
    unreviewed_emergency_accesses,
)
from .services import log_review_record

PAGE_SIZE = 50


class CappedPaginator(Paginator):
    """Counting every matching entry of five years of the access log takes seconds, so the
    count stops past COUNT_CAP: the page then says there are more and asks for a narrower
    search (a reviewer reads the newest first)."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        # Unordered: a count needs no sort, and the LIMIT then stops the scan early.
        return self.object_list.order_by()[: self.COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.COUNT_CAP


def _reviewer_only(request):
    if not reviewable_organisation_ids(request.hemma.staff):
        return render(request, "web/error.html", {"status": 403}, status=403)
    return None


@staff_required
def log_review(request):
    if (denied := _reviewer_only(request)) is not None:
        return denied
    reviewer = request.hemma.staff
    form = LogFilterForm(request.GET or None, units=units_for_review(reviewer))
    page = None
    if not request.GET or form.is_valid():
        log_filter = form.to_filter() if request.GET else LogFilter()
        entries = log_entries_for_review(reviewer=reviewer, log_filter=log_filter)
        page = CappedPaginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        log_review_record(staff=reviewer, unit=request.hemma.unit, entries=page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log_review.html",
        {
            "form": form,
            "page": page,
            "count_cap": f"{CappedPaginator.COUNT_CAP:,}".replace(",", "\u00a0"),
            "query": query.urlencode(),
            "emergency_accesses": unreviewed_emergency_accesses(reviewer),
            # A review whose submit failed: its comment and error in its access's row, once.
            "review_retry": retry_row(request, EmergencyReviewForm),
        },
    )


@staff_required
def admin_log(request):
    """The administration log (who changed memberships, roles, professions, accounts and
    units) of the organisations the log reviewer reviews for."""
    if (denied := _reviewer_only(request)) is not None:
        return denied
    form = AdministrationLogFilterForm(request.GET or None)
    page = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        entries = administration_log_for_review(
            reviewer=request.hemma.staff,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/admin_log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "several_organisations": len(reviewable_organisation_ids(request.hemma.staff)) > 1,
        },
    )


@staff_required
@require_POST
def emergency_access_review(request, access_id):
    if (denied := _reviewer_only(request)) is not None:
        return denied
    reviewer = request.hemma.staff
    run_form_action(
        request,
        EmergencyReviewForm(request.POST),
        lambda data: patient_services.emergency_access_review(
            reviewer=reviewer,
            access_id=access_id,
            note=data["note"],
            reviewable_organisation_ids=reviewable_organisation_ids(reviewer),
        ),
        _("Nödåtkomsten är markerad som granskad."),
        retry=True,  # drawn again in the access's row
    )
    return redirect("audit:review")


@staff_required
@require_http_methods(["GET", "POST"])
def patient_extract(request):
    if (denied := _reviewer_only(request)) is not None:
        return denied
    form = PatientExtractForm(request.POST if request.method == "POST" else None)
    extract = None
    # POST, so the personnummer does not end up in web server logs or browser history.
    if request.method == "POST" and form.is_valid():
        extract = patient_log_extract(
            reviewer=request.hemma.staff,
            acting_unit=request.hemma.unit,
            identity=form.cleaned_data["personal_number"],
        )
    return render(request, "audit/patient_extract.html", {"form": form, "extract": extract})
