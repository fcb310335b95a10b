"""Thin views: parse input, call a selector or service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hemma.audit.models import AccessLogEntry
from hemma.errors import HemmaError, NotAllowed
from hemma.web.actions import run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_form, retry_instance
from hemma.web.idempotency import AlreadySubmitted, already_saved, submit_once

from . import services
from .forms import (
    CareTeamAddForm,
    EmergencyAccessForm,
    NextOfKinForm,
    PatientDetailsForm,
    PatientRegistrationForm,
)
from .hooks import patient_panels_context
from .models import AmbulanceConsent, SharingConsent
from .policy import may_add_to_care_team, may_end_relationship
from .selectors import (
    PatientAccess,
    active_blocks_of,
    blocks_for_page,
    care_team_of,
    get_patient_for_user,
    patient_search,
    refuse,
    registration_of_existing,
)
from .views_blocking import block_form

Action = AccessLogEntry.Action


def _access(request, patient_id, action=Action.VIEW_PATIENT, detail=""):
    return get_patient_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        patient_id=patient_id,
        action=action,
        detail=detail,
    )


@staff_required
def patient_list(request):
    only_unit = request.GET.get("scope") == "unit"
    search = patient_search(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        query=request.GET.get("q", ""),
        only_unit=only_unit,
    )
    context = {"search": search, "only_unit": only_unit}
    if request.headers.get("HX-Request"):
        return render(request, "patients/_patient_rows.html", context)
    return render(request, "patients/patient_list.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def patient_register(request):
    form = PatientRegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(
                staff=request.hemma.staff,
                unit=request.hemma.unit,
                identity=form.cleaned_data["personal_number"],
                details=form.to_details(),
            )
        except services.AlreadyRegistered as existing:
            return _already_registered(request, existing)
        except HemmaError as error:
            form.add_error("personal_number", error.message)
        else:
            messages.success(request, _("Patienten är registrerad."))
            return redirect("patients:detail", patient_id=patient.pk)
    return render(request, "patients/patient_form.html", {"form": form, "registering": True})


def _already_registered(request, existing):
    """Answer like a search for the number: the patient for a user who may see them, else
    the search page's "no match" with the emergency-access offer (200, as a search is)."""
    answer = registration_of_existing(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        patient_id=existing.patient_id,
        identity=existing.identity,
    )
    if isinstance(answer, PatientAccess):
        messages.info(request, _("Patienten är redan registrerad."))
        return redirect("patients:detail", patient_id=answer.patient.pk)
    return render(request, "patients/patient_list.html", {"search": answer, "only_unit": False})


@staff_required
def patient_detail(request, patient_id):
    access = _access(request, patient_id)
    patient = access.patient
    care_team = care_team_of(patient)
    # The care team: the managing unit adds units and ends others' relationships; every
    # unit ends its own (hemma.patients.policy).
    can_manage = may_add_to_care_team(
        staff=request.hemma.staff, unit=request.hemma.unit, patient=patient
    )
    for relationship in care_team:
        relationship.patient = patient
    endable = {
        relationship.pk
        for relationship in care_team
        if may_end_relationship(
            staff=request.hemma.staff, unit=request.hemma.unit, relationship=relationship
        )
    }
    context = {
        "patient": patient,
        "access": access,
        "care_team": care_team,
        "next_of_kin": list(patient.next_of_kin.all()),
        "can_manage_care_team": can_manage,
        "endable_relationships": endable,
        "sharing_consent": SharingConsent.objects.filter(
            patient=patient, revoked_at__isnull=True
        ).first(),
        "ambulance_consent": AmbulanceConsent.objects.filter(
            patient=patient, revoked_at__isnull=True
        ).first(),
        "kin_form": NextOfKinForm(),
        # After a failed add the same form again, once (its error kept).
        "care_team_form": retry_form(
            request,
            CareTeamAddForm,
            action=reverse("patients:care_team_add", args=[patient.pk]),
            exclude_unit_ids=[r.unit_id for r in care_team],
            auto_id="care_team_%s",
        )
        if can_manage
        else None,
    }
    # The apps above add their panels (the frailty screening: coordination).
    patient_panels_context(request.hemma.staff, request.hemma.unit, access, context)
    if context.get("frailty_form") is not None:  # drawn again once after a failed submit
        url = reverse("coordination:frailty", args=[patient.pk])
        context["frailty_form"] = retry_instance(request, context["frailty_form"], action=url)
    if access.decision.health_record:
        _blocks_context(request, patient, context)
    return render(request, "patients/patient_detail.html", context)


def _blocks_context(request, patient, context) -> None:
    """Blocking (spärr): what the page hides from this user, and the care team's section
    (the managing unit's: the same rule as the care team's, `may_manage_blocks`)."""
    staff, unit = request.hemma.staff, request.hemma.unit
    can_manage = context["can_manage_care_team"]
    if not getattr(patient, "has_active_block", True):
        active = []  # the patient fetch says there is none: no query
    else:
        active = active_blocks_of(patient) if can_manage else None
    blocks = blocks_for_page(
        staff=staff, acting_unit=unit, patient=patient, where="patient page", active=active
    )
    cfs = getattr(context.get("screening"), "cfs", None)
    context.update(
        blocks=blocks,
        screening_blocked=getattr(cfs, "unit_id", None) in blocks.hidden,
        active_blocks=active or [],
        can_manage_blocks=can_manage,
        block_form=block_form(request, patient, context["care_team"]) if can_manage else None,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def patient_edit(request, patient_id):
    patient = _record_access(request, patient_id, "open edit form")
    if request.method == "POST":
        form = PatientDetailsForm(request.POST)
        if form.is_valid():
            services.patient_update_details(
                staff=request.hemma.staff,
                unit=request.hemma.unit,
                patient=patient,
                details=form.to_details(),
            )
            messages.success(request, _("Uppgifterna är sparade."))
            return redirect("patients:detail", patient_id=patient.pk)
    else:
        form = PatientDetailsForm(initial=PatientDetailsForm.initial_from(patient))
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


@staff_required
@require_http_methods(["GET", "POST"])
def next_of_kin_add(request, patient_id):
    patient = _record_access(request, patient_id, "next of kin form")
    form = NextOfKinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done = patient_detail_url(patient)
        try:
            with submit_once(request, result_url=done):  # a double click adds one
                services.next_of_kin_add(
                    staff=request.hemma.staff,
                    unit=request.hemma.unit,
                    patient=patient,
                    **form.cleaned_data,
                )
        except AlreadySubmitted as repeat:
            return already_saved(request, repeat, done)
        messages.success(request, _("Närstående är tillagd."))
        return redirect(done)
    return render(request, "patients/next_of_kin_form.html", {"form": form, "patient": patient})


@staff_required
@require_http_methods(["GET", "POST"])
def next_of_kin_remove(request, patient_id, kin_id):
    patient = _record_access(request, patient_id, "remove next of kin")
    kin = patient.next_of_kin.filter(pk=kin_id).first()
    if request.method == "POST":
        try:
            services.next_of_kin_remove(
                staff=request.hemma.staff, unit=request.hemma.unit, patient=patient, kin_id=kin_id
            )
            messages.success(request, _("Närstående är borttagen."))
        except HemmaError as error:
            messages.error(request, error.message)
        return redirect("patients:detail", patient_id=patient.pk)
    if kin is None:
        messages.error(request, _("Den närstående finns inte (längre)."))
        return redirect("patients:detail", patient_id=patient.pk)
    return render(
        request,
        "web/confirm.html",
        {
            "title": _("Ta bort närstående?"),
            "question": _("%(name)s (%(relation)s) tas bort från %(patient)s.")
            % {"name": kin.name, "relation": kin.relation, "patient": patient.full_name},
            "confirm_label": _("Ta bort"),
            "cancel_url": patient_detail_url(patient),
        },
    )


def _care_team_access(request, patient_id, detail):
    """The care team is part of the health record: a home-care unit (Scope.SOL) gets a 404
    and a denied entry."""
    return _record_access(request, patient_id, detail)


def _record_access(request, patient_id, detail):
    """A change to the health record's patient data (details, next of kin, consent, care
    team): a home-care unit (Scope.SOL) reads the patient but changes none of it."""
    return get_patient_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        patient_id=patient_id,
        action=Action.EDIT_PATIENT,
        detail=detail,
        health_record=True,
    ).patient


@staff_required
@require_http_methods(["POST"])
def care_team_add(request, patient_id):
    patient = _care_team_access(request, patient_id, "care team add")
    staff, unit = request.hemma.staff, request.hemma.unit
    form = CareTeamAddForm(request.POST)
    if not form.is_valid() and not may_add_to_care_team(staff=staff, unit=unit, patient=patient):
        # A crafted POST with a bad unit is refused like a good one (the service names the
        # target unit in its denied entry when the form is valid).
        refuse(staff=staff, acting_unit=unit, what="care team add", patient=patient)
    run_form_action(
        request,
        form,
        lambda data: _care_relationship_start(staff, unit, patient, data["unit"]),
        _("Enheten är tillagd i vårdteamet."),
        retry=True,  # drawn again in the page's care team section
    )
    return redirect("patients:detail", patient_id=patient.pk)


def _care_relationship_start(staff, unit, patient, target_unit) -> None:
    try:
        services.care_relationship_start(
            staff=staff, unit=unit, patient=patient, target_unit=target_unit
        )
    except NotAllowed as error:
        # The service wrote the denied entry; a crafted POST is a 403.
        raise PermissionDenied(error.message) from None


@staff_required
@require_http_methods(["GET", "POST"])
def care_team_end(request, patient_id, relationship_id):
    patient = _care_team_access(request, patient_id, "care team end")
    if request.method == "POST":
        try:
            services.care_relationship_end(
                staff=request.hemma.staff,
                unit=request.hemma.unit,
                patient=patient,
                relationship_id=relationship_id,
            )
            messages.success(request, _("Vårdrelationen är avslutad."))
        except NotAllowed as error:
            # The service wrote the denied entry; a crafted POST is a 403.
            raise PermissionDenied(error.message) from None
        except HemmaError as error:
            messages.error(request, error.message)
        return redirect("patients:detail", patient_id=patient.pk)
    relationship = next((r for r in care_team_of(patient) if r.pk == relationship_id), None)
    if relationship is None:
        messages.error(request, _("Vårdrelationen är redan avslutad."))
        return redirect("patients:detail", patient_id=patient.pk)
    relationship.patient = patient
    if not may_end_relationship(
        staff=request.hemma.staff, unit=request.hemma.unit, relationship=relationship
    ):
        messages.error(request, _("Din enhet kan inte avsluta den här vårdrelationen."))
        return redirect("patients:detail", patient_id=patient.pk)
    return render(
        request,
        "web/confirm.html",
        {
            "title": _("Avsluta vårdrelation?"),
            "question": _(
                "%(unit)s förlorar åtkomsten till %(patient)s när vårdrelationen avslutas."
            )
            % {"unit": relationship.unit.name, "patient": patient.full_name},
            "confirm_label": _("Avsluta vårdrelation"),
            "cancel_url": patient_detail_url(patient),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def emergency_access(request):
    form = EmergencyAccessForm(
        request.POST if request.method == "POST" else None,
        initial={"personal_number": request.GET.get("pnr", "")[:15]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            access = services.emergency_access_start(
                staff=request.hemma.staff,
                unit=request.hemma.unit,
                identity=form.cleaned_data["personal_number"],
                reason=form.cleaned_data["reason"],
            )
        except HemmaError as error:
            form.add_error(None, error.message)
        else:
            messages.warning(request, _("Nödåtkomst: din åtkomst loggas och granskas i efterhand."))
            return redirect("patients:detail", patient_id=access.patient_id)
    return render(request, "patients/emergency_access.html", {"form": form})


def patient_detail_url(patient) -> str:
    return reverse("patients:detail", kwargs={"patient_id": patient.pk})


@staff_required
@require_POST
def sharing_consent(request, patient_id, action):
    """Record or revoke the patient's consent to region–municipality sharing."""
    patient = _record_access(request, patient_id, f"sharing consent {action}")
    try:
        if action == "give":
            services.sharing_consent_record(
                staff=request.hemma.staff, unit=request.hemma.unit, patient=patient
            )
            messages.success(request, _("Samtycket till informationsdelning är registrerat."))
        elif action == "revoke":
            services.sharing_consent_revoke(
                staff=request.hemma.staff, unit=request.hemma.unit, patient=patient
            )
            messages.success(
                request,
                _("Samtycket är återkallat: kommunens enheter kan inte längre läsa journalen."),
            )
        else:
            raise Http404("No such action")
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("patients:detail", patient_id=patient.pk)
