"""A temporary visit to a patient not enrolled in home health care (local routine): the
patient's primary care centre sees it on its care coordinator list."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hemma.errors import HemmaError
from hemma.web.decorators import staff_required

from .. import forms, screening


@staff_required
@require_http_methods(["GET", "POST"])
def temporary_visit(request):
    form = forms.TemporaryVisitForm(
        request.POST if request.method == "POST" else None,
        initial={"visited_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            screening.temporary_visit_record(
                staff=request.hemma.staff, unit=request.hemma.unit, **form.cleaned_data
            )
            messages.success(request, _("Det tillfälliga besöket är registrerat."))
            return redirect("coordination:worklist")
        except HemmaError as error:
            form.add_error(None, error.message)
    return render(request, "coordination/temporary_visit.html", {"form": form})
