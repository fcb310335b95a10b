"""The questionnaire on the patient's tablet after discharge (the device cookie of
/patient/, no staff account), and its results per ward and period for staff: aggregates
only, small numbers hidden (HEMMA_SMALL_NUMBER_THRESHOLD)."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hemma.accounts.models import Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.errors import HemmaError
from hemma.monitoring.views.patient import DEVICE_COOKIE
from hemma.web.decorators import staff_required
from hemma.web.form_retry import error_summary

from . import selectors, services
from .forms import ExperienceForm, ResultsForm
from .models import QUESTIONS, Response, Scale
from .results import SCALE

# --- the patient's tablet ---------------------------------------------------------------


def _device(request):
    return selectors.device_for_experience(request.COOKIES.get(DEVICE_COOKIE))


def _log_device_read(device) -> None:
    """Logged under the ward that held the episode, like the tablet's other pages."""
    access_log_record(
        staff=None,
        unit=device.episode.ward,
        patient=device.episode.patient,
        action=AccessLogEntry.Action.API_READ,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED,
        detail=f"patient device {device.pk}: experience questionnaire",
    )


def _page(request, *, device, form=None, answered=False, status=200):
    return render(
        request,
        "experience/patient.html",
        {"device": device, "form": form, "answered": answered, "offer_days": selectors.OFFER_DAYS},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def patient_questionnaire(request):
    """GET: the questions (or thanks, when this episode has answered). POST: the answer,
    once per episode; a resend changes nothing. Only the tablet of a discharged episode
    within the offer window: any other tablet (at home, another ending, too late, no
    cookie) gets a page saying there is nothing to answer, and a POST from it is a 403."""
    device = _device(request)
    if device is None:
        return _page(request, device=None, status=403 if request.method == "POST" else 200)
    _log_device_read(device)
    if request.method == "GET":
        if selectors.already_answered(device.episode):
            return _page(request, device=device, answered=True)
        return _page(request, device=device, form=ExperienceForm())
    form = ExperienceForm(request.POST)
    if not form.is_valid():
        return _page(request, device=device, form=form, status=400)
    try:
        _response, created = services.experience_answer(
            device=device, values=form.values(), comment=form.cleaned_data["comment"]
        )
    except HemmaError as error:
        form.add_error(None, error.message)
        return _page(request, device=device, form=form, status=400)
    messages.success(
        request,
        _("Tack för dina svar!") if created else _("Dina svar var redan sparade. Tack!"),
    )
    return redirect("experience:patient")


# --- results for staff ------------------------------------------------------------------


def _results_form(request, wards):
    today = timezone.localdate()
    start = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    initial = {"start": start, "end": today.replace(day=1), "grain": "month"}
    form = ResultsForm(request.GET or None, wards=wards, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        end = (data["end"] + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return form, data["ward"], data["start"], end, data["grain"] or "month"
    if form.is_bound:
        # The figures are for the default period; the form keeps what was typed, its errors
        # named by the fields' labels.
        messages.error(request, error_summary(form))
    return form, None, start, today, "month"


@staff_required
@require_GET
def results(request):
    """The acting unit's organisation's wards (like the outcome dashboard): per ward and
    month or quarter, answers, response rate, each question's distribution and the share
    who agree fully or partly. Aggregates only; no answer or episode is ever shown."""
    organisation = request.hemma.unit.organisation
    wards = Unit.objects.filter(organisation=organisation, kind=Unit.Kind.WARD).order_by("name")
    form, ward, first, last, grain = _results_form(request, wards)
    chosen = [ward] if ward else list(wards)
    threshold = selectors.default_threshold()
    found = selectors.results(chosen, first, last, grain, threshold)
    labels = {name: Response._meta.get_field(name).verbose_name for name in QUESTIONS}
    return render(
        request,
        "experience/results.html",
        {
            "form": form,
            "results": [
                (w, [(labels[q.question], q.distribution) for q in w.total.questions])
                for w in found
            ],
            "first": first,
            "last": last,
            "threshold": threshold,
            "questions": [labels[q] for q in QUESTIONS],
            "scale": [Scale(v).label for v in SCALE],
        },
    )
