"""Episode pages: the ward worklist, flagging, and one page per episode with its steps."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hemma.accounts.models import Unit
from hemma.audit.models import AccessLogEntry
from hemma.clinical import episode_states as states
from hemma.clinical.discharge_law import sip_call_deadline
from hemma.errors import HemmaError
from hemma.patients.hooks import patient_panels_context
from hemma.patients.policy import allowed_actions, may_do
from hemma.patients.selectors import blocks_for_page, deny, get_patient_for_user
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required

from . import forms, hooks, page_forms, selectors, services
from .selectors import get_episode_for_user, refuse


@staff_required
def worklist(request):
    """One page per unit: the ward's flow and census, home health care's requests and
    patients at home with today's activities, primary care's referrals after discharge.

    Only patients the unit may list: episodes and their activities need the health record
    (a home-care unit lists none, a revoked consent hides the patient at once); tasks,
    incoming requests and referrals need the patient visible to the unit. The apps above
    the flow add their panels (hooks.py: tasks, incoming requests, activities, patients
    without values). Every patient shown is logged."""
    staff, unit = request.hemma.staff, request.hemma.unit
    groups = selectors.worklist_episodes(staff, unit)
    shown = [episode.patient for episodes in groups.values() for episode in episodes]
    context = {
        "groups": selectors.worklist_groups(groups),
        "now": timezone.now(),
        "today_date": timezone.localdate(),
        "census": None,
    }
    if unit.kind == Unit.Kind.WARD:
        context["census"] = selectors.safety_bed_census(unit, len(groups[states.AT_HOME]))
    if unit.kind == Unit.Kind.PRIMARY_CARE:
        context["referrals"] = selectors.referrals_to_unit(staff, unit)
        shown += [referral.episode.patient for referral in context["referrals"]]
    context, panel_patients = hooks.worklist_panels(staff, unit, groups, context)
    log_list(request, "episode worklist", shown + panel_patients)
    return render(request, "episodes/worklist.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def flag(request, patient_id):
    access = get_patient_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        patient_id=patient_id,
        detail="flag candidate form",
    )
    patient, unit = access.patient, request.hemma.unit
    if not access.decision.health_record:
        deny(
            staff=request.hemma.staff,
            acting_unit=unit,
            what=f"flag candidate, patient {patient.pk}: health record",
            patient=patient,
        )
    if unit.kind != Unit.Kind.WARD:
        # Only a ward flags a candidate: it becomes the episode's owner. A crafted POST is
        # refused (403, logged); the page itself says so.
        if request.method == "POST":
            refuse(
                staff=request.hemma.staff,
                acting_unit=unit,
                what=f"flag candidate, patient {patient.pk}",
                patient=patient,
            )
        messages.error(request, _("Kandidater flaggas av en vårdavdelning."))
        return redirect("patients:detail", patient_id=patient.pk)
    form = forms.FlagForm(
        request.POST if request.method == "POST" else None,
        initial={"home_health_unit": selectors.default_home_health_unit(patient)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            episode = services.episode_flag_candidate(
                staff=request.hemma.staff,
                unit=request.hemma.unit,
                patient=patient,
                pathway=form.cleaned_data["pathway"],
                reason=form.cleaned_data["reason"],
                home_health_unit=form.cleaned_data["home_health_unit"],
                visiting=form.cleaned_data["visiting"],
            )
        except HemmaError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Patienten är flaggad som möjlig kandidat."))
            return redirect("episodes:detail", episode_id=episode.pk)
    # The patient page's panels (the frailty screening) inform the decision.
    context = {"form": form, "patient": patient}
    patient_panels_context(request.hemma.staff, unit, access, context)
    return render(request, "episodes/flag.html", context)


@staff_required
@require_GET
def detail(request, episode_id):
    """The episode's page: its steps as the state offers them and the policy allows the
    unit, and the panels of the apps above the flow (agreement, care requests, tasks)."""
    staff, unit = request.hemma.staff, request.hemma.unit
    episode = get_episode_for_user(
        staff=staff, acting_unit=unit, episode_id=episode_id, health_record=True
    ).episode
    offered = states.actions_offered(
        episode.state, allowed_actions(staff=staff, unit=unit, episode=episode)
    )
    assessment = getattr(episode, "assessment", None)
    initial = {name: getattr(assessment, name) for name in assessment.CHECKS} if assessment else {}
    if assessment:
        initial.update(
            tier=episode.tier,
            nurse_note=assessment.nurse_note,
            therapist_note=assessment.therapist_note,
        )
    # Blocking (spärr): the timeline is the ward's documentation.
    blocks = blocks_for_page(
        staff=staff, acting_unit=unit, patient=episode.patient, where=f"episode {episode.pk}"
    )
    timeline_blocked = episode.ward_id in blocks.hidden
    # A referral is the ward's disclosure to the unit it is sent to: that unit reads it
    # whatever is blocked; anyone else not when the ward is blocked (docs/blocking.md).
    all_referrals = list(selectors.episode_referrals(episode))
    referrals = [
        referral
        for referral in all_referrals
        if not timeline_blocked or referral.to_unit_id == getattr(unit, "pk", None)
    ]
    sip_deadline = None
    if episode.ready_for_discharge_at and episode.home_health_unit_id:
        sip_deadline = sip_call_deadline(episode.ready_for_discharge_at)
    context = {
        "episode": episode,
        "patient": episode.patient,
        "assessment": assessment,
        "consent": getattr(episode, "consent", None),
        "transitions": [] if timeline_blocked else selectors.episode_timeline(episode),
        "timeline_blocked": timeline_blocked,
        "reservation": selectors.open_reservation(episode),
        "referrals": referrals,
        "referrals_blocked": len(referrals) != len(all_referrals),
        "at_home_day": selectors.day_at_home(episode),
        "sip_deadline": sip_deadline,
        "assessment_form": forms.AssessmentForm(initial=initial),
        "decision_form": forms.DecisionForm(),
        "consent_form": forms.ConsentForm(),
        "discharge_form": forms.DischargeForm(),
        # Own id prefixes: several forms on the page have a `reason` field.
        "end_on_request_form": forms.EndOnRequestForm(auto_id="end_%s"),
        "death_form": forms.DeathForm(
            auto_id="death_%s", initial={"died_at": timezone.localtime()}
        ),
        "transfer_form": forms.TransferForm(auto_id="transfer_%s"),
        "visiting_form": forms.VisitingForm(
            auto_id="visiting_%s",
            initial={"visiting": episode.visiting, "visiting_unit": episode.home_health_unit_id},
        ),
        "readmit_form": forms.ReadmitForm(auto_id="readmit_%s"),
        "return_home_form": forms.OptionalReasonForm(auto_id="return_home_%s"),
        "cancel_form": forms.ReasonForm(auto_id="cancel_%s"),
        # What the page offers: the state offers it and the policy allows the unit.
        "offered": offered,
        "state_actions": states.ACTIONS_BY_STATE[episode.state],
        "at_home_now": episode.state == states.AT_HOME,
        "in_home_care": episode.state in states.AT_HOME_STATES,
        "monitored": episode.state in states.MONITORED_STATES,
        "with_logistics": episode.state in states.WITH_LOGISTICS,
    }
    hooks.episode_panels_context(staff, unit, episode, context)
    page_forms.restore_forms(request, episode, context)
    # The checklist is read only in the states that show it.
    checklist = (
        selectors.episode_checklist(episode) if "checklist" in context["state_actions"] else []
    )
    context["checklist"], context["checklist_stale"] = page_forms.checklist_rows(
        request, episode, checklist, offered="checklist" in offered
    )
    return render(request, "episodes/detail.html", context)


# action name → (form, function(request, episode, data) calling exactly one service). The
# apps above the flow add theirs (hooks.register_episode_action: completing a task).
ACTIONS = {
    "assess": (
        forms.AssessmentForm,
        lambda r, e, d: services.assessment_update(
            staff=r.hemma.staff,
            unit=r.hemma.unit,
            episode=e,
            tier=d.pop("tier"),
            nurse_note=d.pop("nurse_note"),
            therapist_note=d.pop("therapist_note"),
            checks=d,
        ),
    ),
    "decide": (
        forms.DecisionForm,
        lambda r, e, d: services.assessment_decide(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **d
        ),
    ),
    "consent": (
        forms.ConsentForm,
        lambda r, e, d: services.consent_record(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **d
        ),
    ),
    "agreed": (
        forms.EmptyForm,
        lambda r, e, d: services.episode_mark_agreed(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e
        ),
    ),
    "prepare": (
        forms.EmptyForm,
        lambda r, e, d: services.episode_start_preparing(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e
        ),
    ),
    "checklist": (
        forms.ChecklistForm,
        lambda r, e, d: services.checklist_item_set(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **d
        ),
    ),
    "reserve_bed": (
        forms.EmptyForm,
        lambda r, e, d: services.safety_bed_reserve(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e
        ),
    ),
    "send_home": (
        forms.EmptyForm,
        lambda r, e, d: services.episode_send_home(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e
        ),
    ),
    "readmit": (
        forms.ReadmitForm,
        lambda r, e, d: services.episode_direct_admission(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **d
        ),
    ),
    "return_home": (
        forms.OptionalReasonForm,
        lambda r, e, d: services.episode_return_home(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **d
        ),
    ),
    "discharge": (
        forms.DischargeForm,
        lambda r, e, d: services.episode_discharge(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **d
        ),
    ),
    "end_on_request": (
        forms.EndOnRequestForm,
        lambda r, e, d: services.episode_end_on_request(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **d
        ),
    ),
    "record_death": (
        forms.DeathForm,
        lambda r, e, d: services.episode_record_death(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **d
        ),
    ),
    "transfer": (
        forms.TransferForm,
        lambda r, e, d: services.episode_transfer(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **d
        ),
    ),
    "set_visiting": (
        forms.VisitingForm,
        lambda r, e, d: services.episode_set_visiting(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **d
        ),
    ),
    "notice": (
        forms.NoticeForm,
        lambda r, e, d: services.episode_record_notice(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **d
        ),
    ),
    "cancel": (
        forms.ReasonForm,
        lambda r, e, d: services.episode_cancel(
            staff=r.hemma.staff, unit=r.hemma.unit, episode=e, **d
        ),
    ),
}


def _action(name: str):
    """(form, perform) of the flow's own action or of one an app registered, or None."""
    if name in ACTIONS:
        return ACTIONS[name]
    registered = hooks.episode_action(name)
    return (registered.form, registered.perform) if registered else None


@staff_required
@require_POST
def act(request, episode_id, action):
    """One step of the flow. The policy is asked before the service (which asks again): a
    crafted POST for an action the unit may not do is a 403 with a denied entry naming the
    episode and the action, and changes nothing."""
    found = _action(action)
    if found is None:
        raise Http404("No such action")
    form_class, perform = found
    staff, unit = request.hemma.staff, request.hemma.unit
    episode = get_episode_for_user(
        staff=staff,
        acting_unit=unit,
        episode_id=episode_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail=f"episode {episode_id} {action}",
        do=action,
    ).episode
    form = form_class(request.POST)
    run_form_action(
        request,
        form,
        lambda data: perform(request, episode, data),
        retry=action in page_forms.RETRIED,
    )
    return redirect("episodes:detail", episode_id=episode.pk)


@staff_required
@require_POST
def referral_read(request, referral_id):
    """Primary care confirms it has read the referral after discharge: only the receiving
    unit, in its primary-care role; anyone else gets a 404 and a denied entry."""
    staff, unit = request.hemma.staff, request.hemma.unit
    referral = selectors.get_referral(referral_id)
    if (
        referral is None
        or referral.to_unit_id != unit.pk
        or not may_do(staff=staff, unit=unit, action="read_referral", episode=referral.episode)
    ):
        deny(
            staff=staff,
            acting_unit=unit,
            what=f"referral id={referral_id} read",
            patient=referral.episode.patient if referral else None,
            action=AccessLogEntry.Action.EDIT_PATIENT,
        )
    get_episode_for_user(
        staff=staff,
        acting_unit=unit,
        episode_id=referral.episode_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail=f"referral {referral.pk} read",
    )
    try:
        services.referral_mark_read(
            staff=request.hemma.staff, unit=request.hemma.unit, referral=referral
        )
        messages.success(request, _("Remissen är markerad som läst."))
    except HemmaError as error:
        messages.error(request, error.message)
    return redirect("episodes:worklist")
