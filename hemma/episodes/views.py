"""Episode pages: the ward worklist, flagging, and one page per episode with its steps."""

from datetime import timedelta

from django.contrib import messages
from django.db.models import F, Max, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hemma.accounts.models import Unit
from hemma.audit.models import AccessLogEntry
from hemma.careplans.models import AgreementVersion
from hemma.careplans.selectors import agreement_for_episode, criteria_status, current_version
from hemma.carerequests.models import CareRequest
from hemma.carerequests.selectors import inbox_for_unit, requests_for_episode
from hemma.clinical import episode_states as states
from hemma.clinical.discharge_law import sip_call_deadline
from hemma.clinical.recurrence import applies_on
from hemma.coordination.models import Task
from hemma.errors import HemmaError
from hemma.patients.selectors import get_patient_for_user
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
from .selectors import get_episode_for_user


@staff_required
def worklist(request):
    """One page per unit: the ward's flow and census, home health care's requests and
    patients at home with today's activities, primary care's referrals after discharge."""
    unit = request.hemma.unit
    episodes = (
        Episode.objects.filter(Q(ward=unit) | Q(home_health_unit=unit))
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
    log_list(request, "episode worklist")
    census = None
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
    context = {
        "groups": groups,
        "census": census,
        "now": timezone.now(),
        "today_date": timezone.localdate(),
        # Every open task of the unit (flow, alerts, meetings), the most overdue first.
        "tasks": Task.objects.filter(owner_unit=unit, status=Task.Status.OPEN)
        .select_related("episode__patient", "patient")
        .order_by("due_on", "due_at", "id")[:50],
    }
    if unit.kind == Unit.Kind.WARD:
        context["silent"] = silent_patients(groups[states.AT_HOME])
    if unit.kind in (Unit.Kind.HOME_HEALTH_CARE, Unit.Kind.HOME_CARE):
        context["incoming"] = inbox_for_unit(unit).filter(status__in=CareRequest.OPEN_STATUSES)
    if unit.kind == Unit.Kind.HOME_HEALTH_CARE:
        context["today"] = activities_today(groups[states.AT_HOME])
    if unit.kind == Unit.Kind.PRIMARY_CARE:
        context["referrals"] = (
            Referral.objects.filter(to_unit=unit)
            .select_related("episode__patient", "episode__ward", "created_by__user")
            .order_by(F("read_at").asc(nulls_first=True), "-created_at")[:100]
        )
    return render(request, "episodes/worklist.html", context)


def silent_patients(episodes: list[Episode]) -> list[tuple[Episode, object]]:
    """Patients at home whose agreed measurement is overdue: (episode, last value time)."""
    from hemma.monitoring.models import MonitoringPlan, ObservationSet

    plans = {p.episode_id: p for p in MonitoringPlan.objects.filter(episode__in=episodes)}
    latest = dict(
        ObservationSet.objects.filter(episode__in=list(plans))
        .values("episode_id")
        .annotate(last=Max("measured_at"))
        .values_list("episode_id", "last")
    )
    now = timezone.now()
    silent = []
    for episode in episodes:
        plan = plans.get(episode.pk)
        since = latest.get(episode.pk) or episode.at_home_since
        if plan and since and since < now - timedelta(hours=plan.interval_hours, minutes=60):
            silent.append((episode, since))
    return silent


def activities_today(episodes: list[Episode]) -> list[tuple[Episode, int, list[dict]]]:
    """Each patient at home with the agreement's activities due today (one query)."""
    versions = {
        version.agreement.episode_id: version
        for version in AgreementVersion.objects.filter(
            agreement__episode__in=episodes, number=F("agreement__current_number")
        ).select_related("agreement")
    }
    today = timezone.localdate()
    rows = []
    for episode in episodes:
        day = (today - timezone.localdate(episode.at_home_since)).days + 1
        version = versions.get(episode.pk)
        activities = [
            activity
            for activity in (version.activities if version else [])
            if applies_on(activity["when"], today, day)
        ]
        rows.append((episode, day, activities))
    return rows


@staff_required
@require_http_methods(["GET", "POST"])
def flag(request, patient_id):
    patient = get_patient_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        patient_id=patient_id,
        detail="flag candidate form",
    ).patient
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
def detail(request, episode_id):
    episode = get_episode_for_user(
        staff=request.hemma.staff, acting_unit=request.hemma.unit, episode_id=episode_id
    ).episode
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
            "care_requests": requests_for_episode(episode),
            "logistics_open": episode.logistics.exclude(status="delivered").count(),
            "sip_deadline": sip_deadline,
            "assessment_form": forms.AssessmentForm(initial=initial),
            "decision_form": forms.DecisionForm(),
            "consent_form": forms.ConsentForm(),
            "discharge_form": forms.DischargeForm(),
            "notice_form": forms.NoticeForm(initial={"at": timezone.localtime()}),
            "checklist_statuses": ChecklistItem.Status.choices,
            "is_physician": request.hemma.staff.profession == "physician",
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
            staff=r.hemma.staff, unit=r.hemma.unit, note=d["note"], task=_task_of(e, d["task"])
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


def _task_of(episode, task_id):
    task = episode.tasks.filter(pk=task_id).first()
    if task is None:
        raise HemmaError(_("Uppgiften finns inte."))
    return task


@staff_required
@require_POST
def act(request, episode_id, action):
    if action not in ACTIONS:
        raise Http404("No such action")
    episode = get_episode_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
        episode_id=episode_id,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        detail=f"episode {episode_id} {action}",
    ).episode
    form_class, perform = ACTIONS[action]
    form = form_class(request.POST)
    run_form_action(request, form, lambda data: perform(request, episode, data))
    return redirect("episodes:detail", episode_id=episode.pk)


@staff_required
@require_POST
def referral_read(request, referral_id):
    """Primary care confirms it has read the referral after discharge."""
    referral = Referral.objects.filter(pk=referral_id, to_unit=request.hemma.unit).first()
    if referral is None:
        raise Http404("No referral")
    get_episode_for_user(
        staff=request.hemma.staff,
        acting_unit=request.hemma.unit,
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
