"""The hospital-at-home episode and its lag (2017:612) case as one process (issue 17).

One source of truth: the **case's messages**. The ward sends the episode's admission notice
and ready-for-discharge notice from the episode page; both become messages of the case
linked to the episode (``DischargeCase.episode``), opened with the first notice unless the
patient already has an open case, which is then linked instead – never a second case. The
episode's ``admission_notice_at`` and ``ready_for_discharge_at`` are a copy written in the
same transaction (services.episode_notices_sync), also when the case page changes them.

The flow does not import this module: the episode page's section "Meddelanden enligt lag
(2017:612)" gets the case from coordination's episode panel (episode_hooks.py) and posts
to coordination's URL (views/episode_notice.py), which asks the flow's policy first.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.carerequests.models import CareRequest
from hemma.clinical import episode_states as states
from hemma.episodes.models import Episode
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.policy import has_sharing_consent, require_action

from .models import CaseMessage, DischargeCase
from .selectors import CaseClock, clock
from .services import (
    MUNICIPAL_KINDS,
    case_admission_send,
    case_discharge,
    case_mark_ready,
    episode_notices_sync,
)

ADMISSION, READY = "admission", "ready"
# The notice → the policy's action (hemma.patients.policy.EPISODE_ACTIONS).
NOTICE_ACTIONS = {ADMISSION: "notice", READY: "notice_ready"}


def episode_case_receivers(episode: Episode) -> list[Unit]:
    """The episode's municipal units – its visiting unit when that is the municipality's,
    and the receivers of its live care requests to home care – when the patient consents to
    sharing (the primary care centre is added by the case itself)."""
    if not has_sharing_consent(episode.patient):
        return []
    units = [episode.home_health_unit] if episode.home_health_unit_id else []
    live = CareRequest.objects.filter(episode=episode, status__in=CareRequest.LIVE_STATUSES)
    units += [request.to_unit for request in live.select_related("to_unit")]
    found = {unit.pk: unit for unit in units if unit.kind in MUNICIPAL_KINDS}
    return list(found.values())


def linked_case_close(event) -> None:
    """The episode ended (discharged, died, transferred, cancelled): its open case is
    closed in the same step with the ward's discharge message to the case's units, so the
    patient's next episode starts a case of its own."""
    case = DischargeCase.objects.filter(
        episode=event.episode, status=DischargeCase.Status.OPEN
    ).first()
    if case is not None and case.ward_id == event.unit.pk:
        case_discharge(staff=event.staff, unit=event.unit, case=case)


def _case_of(episode: Episode) -> tuple[DischargeCase | None, bool]:
    """The episode's case, or the patient's open case (opened from the patient page before
    the episode) linked to the episode now; and whether it was linked now."""
    case = DischargeCase.objects.select_for_update().filter(episode=episode).first()
    if case is not None:
        return case, False
    case = (
        DischargeCase.objects.select_for_update()
        .filter(patient_id=episode.patient_id, status=DischargeCase.Status.OPEN)
        .first()
    )
    if case is None:
        return None, False
    if case.episode_id is not None or case.ward_id != episode.ward_id:
        raise Conflict(_("Patienten har ett öppet samordningsärende för ett annat vårdtillfälle."))
    case.episode = episode
    case.save(update_fields=["episode"])
    episode_notices_sync(case)
    return case, True


def episode_notice_send(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    notice: str,
    admitted_at: datetime | None = None,
    support_judged_at: datetime | None = None,
    estimated_discharge: date | None = None,
    text: str = "",
) -> DischargeCase:
    """The owning ward sends the episode's admission notice (opening or linking the case)
    or, a physician, its ready-for-discharge notice – once, as a message of the case."""
    if notice not in NOTICE_ACTIONS:
        raise HemmaError(_("Okänt meddelande."))
    require_action(staff=staff, unit=unit, action=NOTICE_ACTIONS[notice], episode=episode)
    with transaction.atomic():
        episode = (
            Episode.objects.select_for_update(of=("self",))
            .select_related("patient__listed_unit", "home_health_unit")
            .get(pk=episode.pk)
        )
        if NOTICE_ACTIONS[notice] not in states.ACTIONS_BY_STATE[episode.state]:
            raise NotAllowed(_("Vårdtillfället är avslutat."))
        case, linked_now = _case_of(episode)
        if notice == READY:
            if case is None:
                raise HemmaError(_("Skicka inskrivningsmeddelandet först."))
            return case_mark_ready(staff=staff, unit=unit, case=case)
        if case is not None:
            if linked_now:  # its admission notice is the episode's: nothing is sent twice
                return case
            raise Conflict(_("Inskrivningsmeddelandet är redan skickat."))
        if admitted_at is None or estimated_discharge is None:
            raise HemmaError(_("Ange inskrivningstid och beräknat utskrivningsdatum."))
        return case_admission_send(
            staff=staff,
            unit=unit,
            patient=episode.patient,
            episode=episode,
            admitted_at=admitted_at,
            support_judged_at=support_judged_at,
            estimated_discharge=estimated_discharge,
            receivers=episode_case_receivers(episode),
            text=text,
        )


# --- reads (the episode page's panel; the caller has checked the policy) -----------------


@dataclass(frozen=True)
class EpisodeCase:
    """What the episode page shows of its case: the same facts as the case page."""

    case: DischargeCase
    clock: CaseClock
    messages: list[CaseMessage]
    sip_meetings: list
    on_case: bool  # the acting unit is the ward or a receiver: it may open the case page


def episode_case(unit: Unit, episode: Episode) -> EpisodeCase | None:
    case = (
        DischargeCase.objects.select_related("ward", "fixed_contact__user")
        .prefetch_related("receivers", "messages__sent_by__user", "sip_meetings")
        .filter(episode=episode)
        .first()
    )
    if case is None:
        return None
    receivers = list(case.receivers.all())
    return EpisodeCase(
        case=case,
        clock=clock(case),
        messages=list(case.messages.all()),
        # Home care (SoL) never sees the SIP; it does not read the episode page either.
        sip_meetings=[] if unit.kind == Unit.Kind.HOME_CARE else list(case.sip_meetings.all()),
        on_case=unit.pk == case.ward_id or any(r.pk == unit.pk for r in receivers),
    )
