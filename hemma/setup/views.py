"""The setup pages: "Kom igång" (what is still missing), the HSA catalogue import and the
wards' safety places. Administrators only (the ward's manager also manages its safety
places); anyone else gets a 403. No page shows patient data."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hemma.errors import HemmaError, NotFound
from hemma.web.actions import run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_row

from . import forms, selectors, services


def _forbidden(request):
    return render(request, "web/error.html", {"status": 403}, status=403)


@staff_required
def start(request):
    if not selectors.administers_something(request.user):
        return _forbidden(request)
    return render(
        request, "setup/start.html", {"checklists": selectors.setup_checklist(request.user)}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def hsa_import(request):
    if not selectors.administers_something(request.user):
        return _forbidden(request)
    form = forms.HsaImportForm()
    result = None
    if request.method == "POST":
        form = forms.HsaImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = services.hsa_import_file(by=request.user, data=form.cleaned_data["file"])
            except HemmaError as error:
                form.add_error("file", error.message)
            else:
                messages.success(
                    request,
                    _("Filen är inläst: %(created)s nya, %(updated)s ändrade, %(bad)s fel.")
                    % {
                        "created": len(result.created),
                        "updated": len(result.updated),
                        "bad": len(result.errors),
                    },
                )
    return render(
        request,
        "setup/hsa_import.html",
        {
            "form": form,
            "result": result,
            "organisations": selectors.administered_organisations(request.user),
        },
    )


def _may_see_safety_beds(request) -> bool:
    return selectors.wards_for_safety_beds(request.user).exists() or (
        selectors.administers_something(request.user)
    )


@staff_required
def safety_beds(request):
    if not _may_see_safety_beds(request):
        return _forbidden(request)
    return render(
        request,
        "setup/safety_beds.html",
        {
            "wards": selectors.safety_bed_overview(request.user),
            # A place whose add failed: what was typed and the error in its ward's section.
            "add_retry": retry_row(request, forms.SafetyBedForm),
        },
    )


@staff_required
@require_POST
def safety_bed_add(request, ward_id):
    if not _may_see_safety_beds(request):
        return _forbidden(request)
    ward = selectors.wards_for_safety_beds(request.user).filter(pk=ward_id).first()
    if ward is None:
        raise Http404
    run_form_action(
        request,
        forms.SafetyBedForm(request.POST),
        lambda data: services.safety_bed_add(by=request.user, ward=ward, label=data["label"]),
        lambda bed: (
            _("%(label)s är tillagd på %(ward)s.") % {"label": bed.label, "ward": ward.name}
        ),
        retry=True,  # drawn again in the ward's section
    )
    return redirect("setup:safety_beds")


@staff_required
@require_http_methods(["GET", "POST"])
def safety_bed_service(request, bed_id, action):
    """GET asks (the confirmation page), POST takes the place out of service or back."""
    if action not in ("out", "in"):
        raise Http404
    if not _may_see_safety_beds(request):
        return _forbidden(request)
    bed = selectors.safety_bed_for_user(request.user, bed_id)
    if bed is None:
        raise Http404
    out = action == "out"
    if request.method == "GET":
        return render(
            request,
            "web/confirm.html",
            {
                "title": _("Ta ur drift") if out else _("Ta i drift"),
                "question": (
                    _("Ta %(label)s på %(ward)s ur drift? Platsen kan då inte reserveras.")
                    if out
                    else _("Ta %(label)s på %(ward)s i drift igen?")
                )
                % {"label": bed.label, "ward": bed.ward.name},
                "confirm_label": _("Ta ur drift") if out else _("Ta i drift"),
                "cancel_url": reverse("setup:safety_beds"),
            },
        )
    try:
        services.safety_bed_set_in_service(by=request.user, bed=bed, in_service=not out)
    except NotFound as error:
        raise Http404(error.message) from error
    except HemmaError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            (_("%(label)s är tagen ur drift.") if out else _("%(label)s är i drift igen."))
            % {"label": bed.label},
        )
    return redirect("setup:safety_beds")
