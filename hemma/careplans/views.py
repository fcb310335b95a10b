"""Agreement pages: the agreement of an episode (create from a template, revise, versions,
discharge criteria, print view for the patient) and the ward's templates.

The agreement is part of the health record: a home-care unit (Scope.SOL) gets a 404 and a
denied entry. Writing it is the owning ward's (edit_agreement); checking off discharge
criteria the ward's and the visiting team's (mark_criterion). A refused action is a 403
with a denied entry naming the episode and the action."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hemma.accounts.models import Unit
from hemma.audit.models import AccessLogEntry
from hemma.clinical import episode_states as states
from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import HemmaError
from hemma.labs import selectors as lab_selectors
from hemma.patients.policy import allowed_actions, may_do
from hemma.patients.selectors import blocks_for_page, refuse
from hemma.web.actions import run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_form

from . import forms, selectors, services
from .models import AgreementTemplate


def _episode(request, episode_id, *, edit=False, detail="", requires=""):
    """The episode through the policy, for a health-record reader; `requires`: the action
    the page is for (checked before anything is shown or changed)."""
    return get_episode_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        episode_id=episode_id,
        action=AccessLogEntry.Action.EDIT_PATIENT if edit else AccessLogEntry.Action.VIEW_PATIENT,
        detail=detail or f"agreement of episode {episode_id}",
        health_record=True,
        do=requires,
    ).episode


def _blocked(request, episode, where: str) -> bool:
    """Blocking (spärr): the agreement is the ward's documentation (only the owning ward
    writes it). When the patient has blocked the ward from this staff member's care
    provider, the pages show only what another unit needs to act safely – the contacts,
    "if you get worse" and when to call 112 – and the neutral notice (docs/architecture.md,
    "Blocking"). An opening with the patient's consent shows it all, logged."""
    blocks = blocks_for_page(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        patient=episode.patient,
        where=where,
    )
    return episode.ward_id in blocks.hidden


@staff_required
@require_GET
def agreement(request, episode_id):
    episode = _episode(request, episode_id)
    agreement = selectors.agreement_for_episode(episode)
    blocked = agreement is not None and _blocked(
        request, episode, f"agreement of episode {episode.pk}"
    )
    offered = states.actions_offered(
        episode.state,
        allowed_actions(staff=request.hemma.staff, unit=request.hemma.unit, episode=episode),
    )
    context = {
        "episode": episode,
        "patient": episode.patient,
        "agreement": agreement,
        "offered": offered,
        "agreement_blocked": blocked,
    }
    if agreement is None and "edit_agreement" in offered:
        context["create_form"] = retry_form(  # a failed create comes back once
            request,
            forms.AgreementCreateForm,
            action=reverse("careplans:create", args=[episode.pk]),
            templates=selectors.templates_for_ward(episode.ward),
        )
    elif blocked:
        context["version"] = selectors.current_version(agreement)
    elif agreement is not None:
        context.update(
            version=selectors.current_version(agreement),
            versions=agreement.versions.select_related("created_by__user"),
            criteria=selectors.criteria_status(agreement),
            criteria_met=selectors.discharge_criteria_met(agreement),
            # A tick whose submit failed: its comment and error in its criterion's row, once.
            criterion_retry=_retried(
                retry_form(
                    request,
                    forms.CriterionForm,
                    action=reverse("careplans:criterion", args=[episode.pk]),
                )
            ),
        )
        # A criterion naming a lab trend ("CRP sjunkande 48 h") shows what the results say;
        # the tick stays the team's.
        context["lab_evidence"] = lab_selectors.criteria_evidence(
            episode, [status.criterion for status in context["criteria"]]
        )
    return render(request, "careplans/agreement.html", context)


@staff_required
@require_POST
def create(request, episode_id):
    episode = _episode(request, episode_id, edit=True, requires="edit_agreement")
    form = forms.AgreementCreateForm(
        request.POST, templates=selectors.templates_for_ward(episode.ward)
    )
    created = run_form_action(
        request,
        form,
        lambda data: services.agreement_create(
            staff=request.hemma.staff,
            unit=request.hemma.unit,
            episode=episode,
            template=data["template"],
        ),
        _("Överenskommelsen är skapad från mallen. Anpassa den till patienten."),
        retry=True,  # drawn again on the agreement page
    )
    if created:
        return redirect("careplans:revise", episode_id=episode.pk)
    return redirect("careplans:agreement", episode_id=episode.pk)


def _agreement_or_404(episode):
    agreement = selectors.agreement_for_episode(episode)
    if agreement is None:
        raise Http404("No agreement")
    return agreement


@staff_required
@require_http_methods(["GET", "POST"])
def revise(request, episode_id):
    if request.method == "GET":
        episode = _episode(request, episode_id)
        if not may_do(
            staff=request.hemma.staff,
            unit=request.hemma.unit,
            action="edit_agreement",
            episode=episode,
        ):
            messages.error(
                request, _("Avdelningen som har vårdtillfället reviderar överenskommelsen.")
            )
            return redirect("careplans:agreement", episode_id=episode.pk)
    else:
        episode = _episode(request, episode_id, edit=True, requires="edit_agreement")
    agreement = _agreement_or_404(episode)
    current = selectors.current_version(agreement)
    context = {"episode": episode, "patient": episode.patient, "current": current}
    if request.method == "GET":
        editor = forms.AgreementEditor(
            forms.AgreementReviseForm,
            content=current.content(),
            initial={"base_number": current.number},
        )
        return _editor_page(request, "careplans/revise.html", editor, context)
    editor = forms.AgreementEditor(
        forms.AgreementReviseForm, request.POST, add_row=request.POST.get("add_row")
    )
    if editor.is_valid():
        form = editor.form
        try:
            version = services.agreement_revise(
                staff=request.hemma.staff,
                unit=request.hemma.unit,
                agreement=agreement,
                base_number=form.cleaned_data["base_number"],
                content=editor.content(),
                change_note=form.cleaned_data["change_note"],
            )
        except HemmaError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Version %(n)s är sparad.") % {"n": version.number})
            return redirect("careplans:agreement", episode_id=episode.pk)
    return _editor_page(request, "careplans/revise.html", editor, context)


def _editor_page(request, template_name: str, editor, context: dict):
    """The agreement or template editor: 200 when shown or when "Lägg till rad" added a
    row (what was typed kept, nothing checked yet); 400 with the errors at the fields and
    what was typed kept when a save was refused."""
    return render(
        request,
        template_name,
        {**context, "editor": editor, "form": editor.form},
        status=400 if editor.form.is_bound else 200,
    )


@staff_required
@require_GET
def version(request, episode_id, number):
    episode = _episode(request, episode_id)
    agreement = _agreement_or_404(episode)
    old = get_object_or_404(agreement.versions.select_related("created_by__user"), number=number)
    blocked = _blocked(request, episode, f"agreement version {number} of episode {episode.pk}")
    return render(
        request,
        "careplans/version.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "agreement": agreement,
            "version": old,
            "agreement_blocked": blocked,
        },
    )


@staff_required
@require_GET
def print_view(request, episode_id):
    episode = _episode(request, episode_id, detail=f"agreement print, episode {episode_id}")
    agreement = _agreement_or_404(episode)
    return render(
        request,
        "careplans/print.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "agreement": agreement,
            "version": selectors.current_version(agreement),
            "agreement_blocked": _blocked(
                request, episode, f"agreement print, episode {episode.pk}"
            ),
        },
    )


@staff_required
@require_POST
def criterion(request, episode_id):
    episode = _episode(request, episode_id, edit=True, requires="mark_criterion")
    agreement = _agreement_or_404(episode)
    if _blocked(request, episode, f"criterion of episode {episode.pk}"):
        # The criteria are withheld: checking one off would confirm what they say.
        refuse(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            patient=episode.patient,
            what=f"criterion of episode {episode.pk}",
            why="blocked information",
            message=_("Informationen är spärrad av patienten."),
        )
    run_form_action(
        request,
        forms.CriterionForm(request.POST),
        lambda data: services.discharge_criterion_set(
            staff=request.hemma.staff, unit=request.hemma.unit, agreement=agreement, **data
        ),
        retry=True,  # drawn again in the criterion's row on the agreement page
    )
    return redirect("careplans:agreement", episode_id=episode.pk)


def _retried(form):
    """The form kept from a failed submit (bound), else None: the page draws only that one."""
    return form if form.is_bound else None


@staff_required
@require_POST
def given(request, episode_id):
    episode = _episode(request, episode_id, edit=True, requires="edit_agreement")
    agreement = _agreement_or_404(episode)
    try:
        services.agreement_mark_given(
            staff=request.hemma.staff, unit=request.hemma.unit, agreement=agreement
        )
        messages.success(request, _("Checklistan visar att patienten har fått överenskommelsen."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("careplans:agreement", episode_id=episode.pk)


@staff_required
def templates(request):
    unit = request.hemma.unit
    return render(
        request,
        "careplans/templates.html",
        {
            "templates": selectors.templates_for_ward(unit, active_only=False)
            if unit.kind == Unit.Kind.WARD
            else AgreementTemplate.objects.filter(ward__isnull=True),
            "is_ward": unit.kind == Unit.Kind.WARD,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def template_edit(request, template_id=None):
    unit = request.hemma.unit
    template = None
    if template_id is not None:
        template = get_object_or_404(AgreementTemplate, pk=template_id)
    read_only = template is not None and template.ward_id != unit.pk
    context = {"template": template, "read_only": read_only}
    if request.method == "POST" and not read_only:
        editor = forms.AgreementEditor(
            forms.TemplateForm, request.POST, add_row=request.POST.get("add_row")
        )
        if editor.is_valid():
            data = editor.form.cleaned_data
            try:
                template = services.template_save(
                    staff=request.hemma.staff,
                    unit=unit,
                    template=template,
                    name=data["name"],
                    pathway=data["pathway"],
                    description=data["description"],
                    is_active=data["is_active"],
                    content=editor.content(),
                )
            except HemmaError as error:
                editor.form.add_error(None, error.message)
            else:
                messages.success(request, _("Mallen är sparad."))
                return redirect("careplans:templates")
    elif template is not None:
        editor = forms.AgreementEditor(
            forms.TemplateForm,
            content=template.content(),
            initial={
                "name": template.name,
                "pathway": template.pathway,
                "description": template.description,
                "is_active": template.is_active,
            },
        )
    else:
        editor = forms.AgreementEditor(forms.TemplateForm)
    return _editor_page(request, "careplans/template_edit.html", editor, context)


@staff_required
@require_POST
def template_copy(request, template_id):
    template = get_object_or_404(AgreementTemplate, pk=template_id)
    try:
        copy = services.template_copy(
            staff=request.hemma.staff, unit=request.hemma.unit, template=template
        )
    except HemmaError as error:
        messages.error(request, error.message)
        return redirect("careplans:templates")
    messages.success(
        request, _("Mallen är kopierad till avdelningen. Ändra den efter era rutiner.")
    )
    return redirect("careplans:template_edit", template_id=copy.pk)
