"""Medication pages: the episode's list with its versions and today's doses (every unit
that reads the health record), the physician's new version, the course's end and the switch
to tablets, recording a dose; and the patient's tablet section for a pump they run."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.errors import HemmaError, NotFound
from hemma.monitoring.services import device_for_token
from hemma.monitoring.views.patient import DEVICE_COOKIE
from hemma.monitoring.views.policy import refused
from hemma.patients.policy import allowed_actions
from hemma.patients.selectors import object_or_deny, refuse
from hemma.web.actions import run_form_action
from hemma.web.decorators import staff_required
from hemma.web.form_retry import retry_form, retry_row

from . import forms, selectors, services
from .models import DoseAdministration, MedicationItem


def near(due_at: datetime, clock: time | None) -> datetime | None:
    """A clock time typed for a dose, on the day that puts it closest to the dose's time
    (23:50 for a 24:00 dose is the evening before)."""
    if clock is None:
        return None
    local = timezone.localtime(due_at)
    candidates = [
        timezone.make_aware(datetime.combine(local.date() + timedelta(days=shift), clock))
        for shift in (-1, 0, 1)
    ]
    return min(candidates, key=lambda moment: abs(moment - due_at))


@staff_required
def episode(request, episode_id):
    episode = selectors.episode_for_page(request, episode_id, f"medication, episode {episode_id}")
    # Blocking (spärr), docs/blocking.md: a blocked unit's list versions are withheld from
    # other care providers; its doses too, unless a care request from it asks this unit to
    # give them (a disclosure). An opening with the patient's consent is logged.
    blocks = selectors.medication_blocks(
        request.hemma.staff,
        request.hemma.unit,
        episode,
        where=f"medication of episode {episode.pk}",
    )
    versions = selectors.versions_of(episode)
    newest = versions[0] if versions else None
    versions = selectors.visible_versions(versions, blocks)
    current = newest if newest is not None and newest in versions else None
    now = timezone.now()
    today = timezone.localdate(now)
    allowed = allowed_actions(staff=request.hemma.staff, unit=request.hemma.unit, episode=episode)
    doses = selectors.visible_doses(selectors.doses_on(episode, today), blocks)
    tomorrow = selectors.visible_doses(
        selectors.doses_on(episode, today + timedelta(days=1)), blocks
    )
    return render(
        request,
        "medication/episode.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "current": current,
            "older": [v for v in versions if v is not current],
            "item_forms": _item_forms(request, current) if "change_medication" in allowed else [],
            "doses": doses,
            "tomorrow": tomorrow,
            "blocked": blocks,
            "allowed": allowed,
            "may_record": "record_dose" in allowed,
            "tolerance": services.tolerance().seconds // 60,
            # A dose whose record failed: its values and errors in its row, once.
            "dose_retry": retry_row(request, forms.DoseForm),
        },
    )


def _item_forms(request, current) -> list[dict]:
    """Per item of the current list that can still end or switch to tablets: its two forms,
    the one whose submit failed drawn again once (its errors at the fields, values kept)."""
    rows = []
    for item in current.items.all() if current else []:
        if item.ends_on and item.route == "po":
            continue
        row = {"item": item}
        for action, (form_class, _perform) in ITEM_ACTIONS.items():
            url = reverse("medication:item_act", args=[item.pk, action])
            row[action] = retry_form(
                request, form_class, action=url, auto_id=f"{action}{item.pk}_%s"
            )
        row["open"] = any(row[action].is_bound for action in ITEM_ACTIONS)
        rows.append(row)
    return rows


@staff_required
@require_http_methods(["GET", "POST"])
def change(request, episode_id):
    """The physician's new version; everyone else who reads the record sees why not."""
    what = f"medication list change, episode {episode_id}"
    episode = selectors.episode_for_page(request, episode_id, what)
    allowed = allowed_actions(staff=request.hemma.staff, unit=request.hemma.unit, episode=episode)
    current = services.current_version(episode)
    if request.method == "POST":
        if (refusal := refused(request, episode, "change_medication", what)) is not None:
            return refusal
        form = forms.MedicationListForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = services.medication_list_save(
                    staff=request.hemma.staff,
                    unit=request.hemma.unit,
                    episode=episode,
                    items=data["items"],
                    reason=data["reason"],
                    based_on=data["based_on"],
                )
            except HemmaError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Läkemedelslistan version %(n)s är sparad.") % {"n": version.number},
                )
                return redirect("medication:episode", episode_id=episode.pk)
    else:
        form = forms.MedicationListForm(
            initial={
                "items": forms.items_to_text(current.items.all()) if current else "",
                "based_on": current.number if current else 0,
            }
        )
    return render(
        request,
        "medication/change.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "current": current,
            "form": form if "change_medication" in allowed else None,
        },
    )


ITEM_ACTIONS = {
    "end": (
        forms.CourseEndForm,
        lambda r, item, d: services.medication_course_end(
            staff=r.hemma.staff, unit=r.hemma.unit, item=item, **d
        ),
    ),
    "oral": (
        forms.SwitchToOralForm,
        lambda r, item, d: services.medication_switch_to_oral(
            staff=r.hemma.staff, unit=r.hemma.unit, item=item, **d
        ),
    ),
}


@staff_required
@require_POST
def item_act(request, item_id, action):
    """The course's end or the switch to tablets: a new version of the list."""
    item = object_or_deny(
        request,
        MedicationItem.objects.select_related("version__episode"),
        item_id,
        what="medication item",
    )
    what = f"medication item {item.pk} {action[:20]}, episode {item.version.episode_id}"
    episode = selectors.episode_for_page(request, item.version.episode_id, what)
    if (refusal := refused(request, episode, "change_medication", what)) is not None:
        return refusal
    if action not in ITEM_ACTIONS:
        raise Http404("No such action")
    form_class, perform = ITEM_ACTIONS[action]
    run_form_action(
        request,
        form_class(request.POST),
        lambda data: perform(request, item, data),
        _("Läkemedelslistan har en ny version."),
        retry=True,  # drawn again in the item's row on the list page
    )
    return redirect("medication:episode", episode_id=episode.pk)


@staff_required
@require_POST
def dose_record(request, dose_id):
    dose = object_or_deny(
        request, DoseAdministration.objects.select_related("item__version"), dose_id, what="dose"
    )
    what = f"dose {dose.pk}, episode {dose.episode_id}"
    episode = selectors.episode_for_page(request, dose.episode_id, what)
    if (refusal := refused(request, episode, "record_dose", what)) is not None:
        return refusal
    blocks = selectors.medication_blocks(request.hemma.staff, request.hemma.unit, episode)
    if selectors.dose_schedule_blocked(dose, blocks):
        # The dose is withheld from this reader: recording it would confirm what it says.
        refuse(
            staff=request.hemma.staff,
            acting_unit=request.hemma.unit,
            patient=episode.patient,
            what=f"dose {dose.pk}, episode {episode.pk}",
            why="blocked information",
            message=_("Informationen är spärrad av patienten."),
        )
    run_form_action(
        request,
        forms.DoseForm(request.POST),
        lambda data: services.dose_record(
            staff=request.hemma.staff,
            unit=request.hemma.unit,
            dose=dose,
            outcome=data["outcome"],
            given_at=near(dose.due_at, data["given_at"]),
            reason=data["reason"],
        ),
        _("Dosen är registrerad."),
        retry=True,
    )
    return redirect("medication:episode", episode_id=episode.pk)


# --- the patient's tablet ---------------------------------------------------------------


def _device(request):
    return device_for_token(request.COOKIES.get(DEVICE_COOKIE))


def _log_device_read(device, detail: str) -> None:
    """Logged under the ward that holds the episode, like the tablet's own page."""
    access_log_record(
        staff=None,
        unit=device.episode.ward,
        patient=device.episode.patient,
        action=AccessLogEntry.Action.API_READ,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED,
        detail=f"patient device {device.pk}: {detail}",
    )


def patient_doses(request):
    """The tablet: today's doses of the pump the patient runs, to tick off."""
    device = _device(request)
    if device is None:
        return redirect("monitoring:patient_start")
    return _tablet_page(request, device)


def _tablet_page(request, device, failed: tuple[int, forms.DoseForm] | None = None):
    """The tablet's dose page; `failed` is a dose's form that was not recorded, drawn again
    in that dose's section (400) with its errors and what was chosen and typed."""
    _log_device_read(device, "medication")
    doses = selectors.open_doses_for_patient(device.episode, timezone.now())
    failed_id, failed_form = failed if failed else (None, None)
    return render(
        request,
        "medication/patient.html",
        {
            "patient": device.episode.patient,
            "doses": doses,
            "form": forms.DoseForm(),
            "failed_id": failed_id,
            "failed_form": failed_form,
            # A dose recorded meanwhile is no longer listed: its refusal goes on top.
            "failed_elsewhere": failed is not None and all(d.pk != failed_id for d in doses),
        },
        status=200 if failed is None else 400,
    )


@require_POST
def patient_dose_record(request, dose_id):
    device = _device(request)
    if device is None:
        return redirect("monitoring:patient_start")
    form = forms.DoseForm(request.POST)
    if not form.is_valid():
        return _tablet_page(request, device, failed=(dose_id, form))
    due = (
        DoseAdministration.objects.filter(
            pk=dose_id, episode=device.episode, self_administered=True
        )
        .values_list("due_at", flat=True)
        .first()
    )
    try:
        services.dose_record_by_patient(
            episode=device.episode,
            dose_id=dose_id,
            outcome=form.cleaned_data["outcome"],
            given_at=near(due, form.cleaned_data["given_at"]) if due else None,
            reason=form.cleaned_data["reason"],
        )
    except NotFound:
        raise Http404("No such dose") from None
    except HemmaError as error:  # recorded already, a time that cannot be, no reason
        form.add_error(None, error.message)
        return _tablet_page(request, device, failed=(dose_id, form))
    messages.success(request, _("Tack! Avdelningen ser att du har registrerat dosen."))
    return redirect("medication:patient_doses")
