"""Staff pages: the patient's leaflet (printable, plain Swedish), the patient's training
checklist, and a visiting unit's competence record with the form its trainers record in.

The leaflet and the checklist are part of the health record: through the policy
(get_episode_for_user, health record), logged like every episode page; another ward and a
home-care unit get a 404 with a denied entry. Ticking is `train_patient` (the ward or the
visiting team); a refusal is a 403 with a denied entry. The competence pages show staff,
never patients: `rules.may_read` / `rules.may_record` decide, anyone else gets a 403."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hemma.accounts.models import Unit
from hemma.audit.models import AccessLogEntry
from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import HemmaError
from hemma.patients.policy import may_do
from hemma.web.actions import run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_row
from hemma.web.idempotency import AlreadySubmitted, already_saved, submit_once

from . import rules, selectors, services
from .forms import CompetenceForm, TrainingForm, WithdrawForm
from .models import CompetenceRecord


def _forbidden(request):
    return render(request, "web/error.html", {"status": 403}, status=403)


@staff_required
@require_GET
def leaflet(request, episode_id):
    episode = get_episode_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        episode_id=episode_id,
        detail=f"patient leaflet, episode {episode_id}",
        health_record=True,
    ).episode
    return render(
        request,
        "competence/leaflet.html",
        {"episode": episode, "patient": episode.patient, **selectors.leaflet(episode)},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def training(request, episode_id):
    staff, unit = request.hemma.staff, request.hemma.unit
    posting = request.method == "POST"
    episode = get_episode_for_user(
        staff=staff,
        acting_unit=unit,
        episode_id=episode_id,
        action=AccessLogEntry.Action.EDIT_PATIENT
        if posting
        else AccessLogEntry.Action.VIEW_PATIENT,
        detail=f"patient training, episode {episode_id}" + (" (tick)" if posting else ""),
        health_record=True,
        do="train_patient" if posting else "",
    ).episode
    if posting:
        form = TrainingForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Okänt moment."))
        else:
            service = (
                services.training_tick
                if form.cleaned_data["action"] == "tick"
                else services.training_untick
            )
            try:
                service(staff=staff, unit=unit, episode=episode, item=form.cleaned_data["item"])
            except HemmaError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Sparat."))
        return redirect("competence:training", episode_id=episode.pk)
    return render(
        request,
        "competence/training.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "status": selectors.training_status(episode, with_history=True),
            "may_tick": episode.is_open
            and may_do(staff=staff, unit=unit, action="train_patient", episode=episode),
        },
    )


@staff_required
@require_GET
def units(request):
    """The visiting units whose competence record the acting unit reads."""
    staff, unit = request.hemma.staff, request.hemma.unit
    return render(
        request,
        "competence/units.html",
        {
            "units": [
                u
                for u in selectors.visible_units(staff, unit)
                if rules.may_read(staff=staff, acting_unit=unit, unit=u)
            ]
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def unit_page(request, unit_id):
    staff, acting = request.hemma.staff, request.hemma.unit
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404("No unit")
    if not rules.may_read(staff=staff, acting_unit=acting, unit=unit):
        return _forbidden(request)
    may_record = rules.may_record(staff=staff, acting_unit=acting, unit=unit)
    posting = request.method == "POST"
    if posting and not may_record:
        return _forbidden(request)
    form = None
    if may_record:
        form = CompetenceForm(request.POST if posting else None, unit=unit, acting_unit=acting)
    if posting and form.is_valid():
        url = request.path
        data = form.cleaned_data
        try:
            with submit_once(request, result_url=url):
                services.competence_record(
                    staff=staff,
                    unit=acting,
                    for_unit=unit,
                    trainee=data["staff"],
                    skill=data["skill"],
                    trained_on=data["trained_on"],
                    valid_until=data["valid_until"],
                    trainer=data["trainer"],
                    trainer_name=data["trainer_name"],
                )
        except AlreadySubmitted as repeat:
            return already_saved(request, repeat, url)
        except HemmaError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Kompetensen är registrerad."))
            return redirect("competence:unit", unit_id=unit.pk)
    return render(
        request,
        "competence/unit.html",
        {
            "unit": unit,
            "people": selectors.unit_competences(unit),
            "today": timezone.localdate(),
            "form": form,
            "may_record": may_record,
            # A withdrawal whose submit failed: its reason and error in its record's row, once.
            "withdraw_retry": retry_row(request, WithdrawForm),
        },
        status=400 if posting else 200,
    )


@staff_required
@require_POST
def withdraw(request, record_id):
    staff, acting = request.hemma.staff, request.hemma.unit
    record = CompetenceRecord.objects.select_related("unit").filter(pk=record_id).first()
    if record is None:
        raise Http404("No record")
    if not rules.may_record(staff=staff, acting_unit=acting, unit=record.unit):
        return _forbidden(request)
    run_form_action(
        request,
        WithdrawForm(request.POST),
        lambda data: services.competence_withdraw(
            staff=staff, unit=acting, record=record, reason=data["reason"]
        ),
        _("Kompetensen är borttagen."),
        retry=True,  # drawn again in the record's row on the unit's page
    )
    return redirect("competence:unit", unit_id=record.unit_id)
