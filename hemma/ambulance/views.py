"""Staff: the ambulance unit's list of patients at home (policy Scope.AMBULANCE) and the
form a crew or the ward records a 112 call or an ambulance mission with."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hemma.accounts.models import Unit
from hemma.episodes.models import Episode
from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import HemmaError
from hemma.patients.policy import Scope, decide_patient_access, may_do
from hemma.patients.selectors import blocks_for_page, refuse
from hemma.web.actions import log_list
from hemma.web.decorators import staff_required
from hemma.web.idempotency import AlreadySubmitted, already_saved, submit_once

from . import selectors, services
from .forms import AmbulanceContactForm


@staff_required
@require_GET
def ambulance_list(request):
    staff, unit = request.hemma.staff, request.hemma.unit
    if unit.kind != Unit.Kind.AMBULANCE:
        refuse(staff=staff, acting_unit=unit, what="ambulance list: not an ambulance unit")
    rows = selectors.ambulance_rows(staff, unit)
    log_list(request, "ambulance list", [row.patient for row in rows])
    return render(request, "ambulance/list.html", {"rows": rows})


def _episode_access(request, episode_id, detail, do=""):
    """The ambulance reads the episode's summary in its own scope; everybody else needs the
    health record (a home-care unit gets a 404 like an invisible patient)."""
    staff, unit = request.hemma.staff, request.hemma.unit
    episode = Episode.objects.select_related("patient").filter(pk=episode_id).first()
    decision = (
        decide_patient_access(staff=staff, acting_unit=unit, patient=episode.patient)
        if episode is not None
        else None
    )
    ambulance = decision is not None and decision.granted and decision.scope == Scope.AMBULANCE
    return get_episode_for_user(
        staff=staff,
        acting_unit=unit,
        episode_id=episode_id,
        detail=detail,
        health_record=not ambulance,
        do=do,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def contact_new(request, episode_id):
    staff, unit = request.hemma.staff, request.hemma.unit
    posting = request.method == "POST"
    access = _episode_access(
        request,
        episode_id,
        f"ambulance contacts of episode {episode_id}" + (" (record)" if posting else ""),
        do="record_ambulance_contact" if posting else "",
    )
    episode = access.episode
    may_record = episode.is_open and may_do(
        staff=staff, unit=unit, action="record_ambulance_contact", episode=episode
    )
    form = None
    if may_record:
        form = AmbulanceContactForm(
            request.POST if posting else None, initial=AmbulanceContactForm.initial_now()
        )
    if posting and form is not None and form.is_valid():
        done = request.path
        try:
            with submit_once(request, result_url=done):
                services.ambulance_contact_record(
                    staff=staff, unit=unit, episode=episode, **form.cleaned_data
                )
        except AlreadySubmitted as repeat:
            return already_saved(request, repeat, done)
        except HemmaError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Kontakten är registrerad."))
            return redirect("ambulance:contact", episode_id=episode.pk)
    # Blocking (spärr): a contact recorded by a unit the patient blocked is left out.
    blocks = blocks_for_page(
        staff=staff,
        acting_unit=unit,
        patient=episode.patient,
        where=f"ambulance contacts of episode {episode.pk}",
    )
    contacts, blocked = selectors.contacts_for_episode(episode, blocks.hidden)
    return render(
        request,
        "ambulance/contact.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "contacts": contacts,
            "blocked": blocked,
            "form": form,
            "ambulance": access.access.decision.scope == Scope.AMBULANCE,
        },
        status=400 if posting and form is not None and form.errors else 200,
    )
