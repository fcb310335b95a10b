"""Episode pages: the ward worklist, flagging, and one page per episode with its steps."""

from django.contrib import messages
from django.db.models import F, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hemma.accounts.models import Unit
from hemma.audit.models import AccessLogEntry
from hemma.careplans.selectors import agreement_for_episode, criteria_status, current_version
from hemma.carerequests.models import CareRequest
from hemma.carerequests.selectors import inbox_for_unit, requests_for_episode
from hemma.clinical import episode_states as states
from hemma.clinical.discharge_law import sip_call_deadline
from hemma.coordination.models import Task
from hemma.errors import HemmaError
from hemma.patients.policy import (
    allowed_actions,
    health_record_patients_visible_to,
    may_do,
    patients_visible_to,
)
from hemma.patients.selectors import deny, get_patient_for_user
from hemma.web.actions import log_list, run_form_action
from hemma.web.decorators import staff_required

from . import forms, services
from .models import (
    ChecklistItem,
    Episode,
    Referral,
    SafetyBed,
    SafetyBedReservation,
)
from .selectors import (
    activities_today,
    get_episode_for_user,
    refuse,
    silent_patients,
)


@staff_required
def worklist(request):
    """One page per unit: the ward's flow and census, home health care's requests and
    patients at home with today's activities, primary care's referrals after discharge.

    Only patients the unit may list: episodes and their activities need the health record
    (a home-care unit lists none, a revoked consent hides the patient at once); tasks,
    incoming requests and referrals need the patient visible to the unit. Every patient
    shown is logged."""
    staff, unit = request.hemma.staff, request.hemma.unit
    visible = patients_visible_to(staff, unit)
    episodes = (
        Episode.objects.filter(Q(ward=unit) | Q(home_health_unit=unit))
        .filter(patient__in=health_record_patients_visible_to(staff, unit))
        .exclude(state__in=states.FINAL_STATES)
        .select_related("patient")
        .prefetch_related(
            Prefetch(
                "checklist",
                queryset=ChecklistItem.objects.filter(status=ChecklistItem.Status.OPEN),
                to_attr="missing",
            )
        )
        .order_by("patient__last_name")
    )
    groups = {state: [] for state in states.STATES}
    for episode in episodes:
        groups[episode.state].append(episode)
    # Every open task of the unit (flow, alerts, meetings), the most overdue first.
    tasks = list(
        Task.objects.filter(owner_unit=unit, status=Task.Status.OPEN)
        .filter(
            Q(patient__in=visible)
            | Q(patient__isnull=True, episode__patient__in=visible)
            | Q(patient__isnull=True, episode__isnull=True)
        )
        .select_related("episode__patient", "patient")
        .order_by("due_on", "due_at", "id")[:50]
    )
    shown = [episode.patient for group in groups.values() for episode in group]
    shown += [
        task.patient or task.episode.patient for task in tasks if task.patient_id or task.episode_id
    ]
    census = None
    context = {"groups": groups, "now": timezone.now(), "today_date": timezone.localdate()}
    if unit.kind == Unit.Kind.WARD:
        safety = SafetyBed.objects.filter(ward=unit).count()
        used = SafetyBedReservation.objects.filter(bed__ward=unit, released_at=None).count()
        census = {
            "beds": unit.beds,
            "safety_total": safety,
            "safety_used": used,
            "safety_free": safety - used,
            "at_home": len(groups[states.AT_HOME]),
        }
        context["silent"] = silent_patients(groups[states.AT_HOME])
    if unit.kind in (Unit.Kind.HOME_HEALTH_CARE, Unit.Kind.HOME_CARE):
        context["incoming"] = list(
            # The inbox shows only requests about patients visible to the unit.
            inbox_for_unit(unit, staff).filter(status__in=CareRequest.OPEN_STATUSES)
        )
        shown += [care_request.episode.patient for care_request in context["incoming"]]
    if unit.kind == Unit.Kind.HOME_HEALTH_CARE:
        context["today"] = activities_today(groups[states.AT_HOME])
    if unit.kind == Unit.Kind.PRIMARY_CARE:
        context["referrals"] = list(
            Referral.objects.filter(to_unit=unit, episode__patient__in=visible)
            .select_related("episode__patient", "episode__ward", "created_by__user")
            .order_by(F("read_at").asc(nulls_first=True), "-created_at")[:100]
        )
        shown += [referral.episode.patient for referral in context["referrals"]]
    context["census"] = census
    context["tasks"] = tasks
    log_list(request, "episode worklist", shown)
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
    home_health = Unit.objects.filter(
        organisation=patient.home_municipality_id, kind=Unit.Kind.HOME_HEALTH_CARE
    ).first()
    form = forms.FlagForm(
        request.POST if request.method == "POST" else None,
        initial={"home_health_unit": home_health},
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
            )
        except HemmaError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Patienten är flaggad som möjlig kandidat."))
            return redirect("episodes:detail", episode_id=episode.pk)
    from hemma.coordination.screening import flags_for

    return render(
        request,
        "episodes/flag.html",
        {"form": form, "patient": patient, "screening": flags_for([patient.pk])[patient.pk]},
    )


@staff_required
@require_GET
def detail(request, episode_id):
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
    reservation = (
        SafetyBedReservation.objects.filter(episode=episode, released_at=None)
        .select_related("bed")
        .first()
    )
    at_home_day = None
    if episode.at_home_since and episode.state == states.AT_HOME:
        at_home_day = (timezone.localdate() - timezone.localdate(episode.at_home_since)).days + 1
    agreement = agreement_for_episode(episode)
    sip_deadline = None
    if episode.ready_for_discharge_at and episode.home_health_unit_id:
        sip_deadline = sip_call_deadline(episode.ready_for_discharge_at)
    return render(
        request,
        "episodes/detail.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "assessment": assessment,
            "consent": getattr(episode, "consent", None),
            "transitions": episode.transitions.select_related("by__user"),
            "checklist": episode.checklist.select_related("by__user").order_by("id"),
            "reservation": reservation,
            "tasks": episode.tasks.select_related("owner_unit", "done_by__user"),
            "referrals": episode.referrals.select_related("to_unit"),
            "at_home_day": at_home_day,
            "agreement": agreement,
            "version": current_version(agreement) if agreement else None,
            "criteria": criteria_status(agreement) if agreement else [],
            "care_requests": requests_for_episode(episode, request.hemma.unit),
            "logistics_open": episode.logistics.exclude(status="delivered").count(),
            "sip_deadline": sip_deadline,
            "assessment_form": forms.AssessmentForm(initial=initial),
            "decision_form": forms.DecisionForm(),
            "consent_form": forms.ConsentForm(),
            "discharge_form": forms.DischargeForm(),
            "notice_form": forms.NoticeForm(initial={"at": timezone.localtime()}),
            "checklist_statuses": ChecklistItem.Status.choices,
            # What the page offers: the state offers it and the policy allows the unit.
            "offered": offered,
            "state_actions": states.ACTIONS_BY_STATE[episode.state],
            "at_home_now": episode.state == states.AT_HOME,
            "in_home_care": episode.state in states.AT_HOME_STATES,
            "monitored": episode.state in states.MONITORED_STATES,
            "with_logistics": episode.state in states.WITH_LOGISTICS,
        },
    )


# action name → (form, function(request, episode, data) calling exactly one service)
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
    "task_done": (
        forms.TaskForm,
        lambda r, e, d: services.episode_task_complete(
            staff=r.hemma.staff, unit=r.hemma.unit, note=d["note"], task=d["task_object"]
        ),
    ),
    "readmit": (
        forms.ReasonForm,
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


def _perform(request, episode, action, data):
    perform = ACTIONS[action][1]
    if action == "task_done":
        task = episode.tasks.select_related("episode").filter(pk=data["task"]).first()
        if task is None:
            raise HemmaError(_("Uppgiften finns inte."))
        if task.owner_unit_id != request.hemma.unit.pk:
            # A unit completes only its own tasks.
            refuse(
                staff=request.hemma.staff,
                acting_unit=request.hemma.unit,
                what=f"episode {episode.pk} task_done task {task.pk}",
                patient=episode.patient,
            )
        data["task_object"] = task
    return perform(request, episode, data)


@staff_required
@require_POST
def act(request, episode_id, action):
    """One step of the flow. The policy is asked before the service (which asks again): a
    crafted POST for an action the unit may not do is a 403 with a denied entry naming the
    episode and the action, and changes nothing."""
    if action not in ACTIONS:
        raise Http404("No such action")
    staff, unit = request.hemma.staff, request.hemma.unit
    episode = get_episode_for_user(
        staff=staff,
        acting_unit=unit,
        episode_id=episode_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail=f"episode {episode_id} {action}",
        do=action,
    ).episode
    form = ACTIONS[action][0](request.POST)
    run_form_action(request, form, lambda data: _perform(request, episode, action, data))
    return redirect("episodes:detail", episode_id=episode.pk)


@staff_required
@require_POST
def referral_read(request, referral_id):
    """Primary care confirms it has read the referral after discharge: only the receiving
    unit, in its primary-care role; anyone else gets a 404 and a denied entry."""
    staff, unit = request.hemma.staff, request.hemma.unit
    referral = (
        Referral.objects.select_related("episode__patient", "episode__ward")
        .filter(pk=referral_id)
        .first()
    )
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
