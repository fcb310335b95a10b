"""Every state change of a hospital-at-home episode. The state machine is enforced here.

One function per step of the flow (DESIGN.md "The core flow"), keyword-only, in a
transaction, locking the episode row, recording the transition (who, when, why)
and writing the access log.

Preconditions and consequences owned by the apps above the flow (the agreement, care
requests, tasks) are not imported: every transition asks the guards and runs the effects
those apps registered in hemma/episodes/hooks.py.

Long module: every step of the flow shares the row lock, the transition record and the
log written here; one file keeps the state machine's steps readable in order.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.clinical import episode_states as states
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.models import CareRelationship, Patient
from hemma.patients.policy import require_action
from hemma.patients.services import care_relationship_ensure, sharing_consent_record

from . import hooks
from .models import (
    Assessment,
    ChecklistItem,
    Consent,
    Episode,
    EpisodeTransition,
    Referral,
    SafetyBed,
    SafetyBedReservation,
)


def episode_log(*, staff: Staff, unit: Unit, episode: Episode, detail: str) -> None:
    """Log a change made to the episode (an edit of the patient's record) for `unit`."""
    access_log_record(
        staff=staff,
        unit=unit,
        patient=episode.patient,
        action=AccessLogEntry.Action.EDIT_PATIENT,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.GRANTED,
        detail=f"episode {episode.pk}: {detail}",
    )


def _locked(episode: Episode, expected_version: int | None = None) -> Episode:
    """Re-read the episode under a row lock; refuse a form posted against an older state."""
    locked = (
        Episode.objects.select_for_update().select_related("patient", "ward").get(pk=episode.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _("Vårdtillfället har ändrats av någon annan sedan sidan laddades. Ladda om sidan.")
        )
    return locked


def _require_transition(episode: Episode, to_state: str) -> None:
    if not states.can_transition(episode.state, to_state):
        raise NotAllowed(
            _("Det går inte att gå från ”%(from)s” till ”%(to)s”.")
            % {
                "from": Episode.State(episode.state).label,
                "to": Episode.State(to_state).label,
            }
        )


def _transition(
    *, episode: Episode, to_state: str, staff: Staff, unit: Unit, reason: str = "", bed: str = ""
) -> None:
    """Move the (locked) episode to `to_state`: the registered guards answer first (their
    refusal is the step's message, as the flow always answered), then the state machine;
    the transition is recorded and logged, and the registered effects run in the same
    transaction (hooks.py). `bed`: the safety place a direct admission occupies."""
    refusal = hooks.refusal(episode, to_state)
    if refusal:
        raise NotAllowed(refusal)
    _require_transition(episode, to_state)
    from_state, now = episode.state, timezone.now()
    EpisodeTransition.objects.create(
        episode=episode, from_state=from_state, to_state=to_state, by=staff, reason=reason
    )
    episode.state = to_state
    episode.version += 1
    if to_state in states.FINAL_STATES:
        episode.ended_at = now
    episode.save()
    episode_log(staff=staff, unit=unit, episode=episode, detail=f"-> {to_state}")
    hooks.after_transition(
        hooks.TransitionEvent(
            episode=episode,
            from_state=from_state,
            to_state=to_state,
            staff=staff,
            unit=unit,
            reason=reason,
            at=now,
            bed=bed,
        )
    )


def _require(staff: Staff, unit: Unit, action: str, episode: Episode) -> None:
    """Every use case asks the policy first (hemma.patients.policy.EPISODE_ACTIONS): the
    unit's role in the episode and, for a physician's decision, the profession."""
    require_action(staff=staff, unit=unit, action=action, episode=episode)


def episode_flag_candidate(
    *,
    staff: Staff,
    unit: Unit,
    patient: Patient,
    pathway: str = Episode.Pathway.EARLY_DISCHARGE,
    reason: str = "",
    home_health_unit: Unit | None = None,
    visiting: str = Episode.Visiting.HOME_HEALTH,
) -> Episode:
    """Step 1: ward staff flag a possible candidate. Creates the episode's care relationships.
    `visiting`: who visits at home (`home_health_unit` is that unit, when already known)."""
    if unit.kind != Unit.Kind.WARD:
        raise NotAllowed(_("Kandidater flaggas av en vårdavdelning. Byt enhet till avdelningen."))
    _require_visiting_unit(visiting, home_health_unit)
    if not Membership.objects.filter(staff=staff, unit=unit).exists():
        raise NotAllowed(_("Du är inte medlem i avdelningen."))
    if Episode.objects.filter(patient=patient).exclude(state__in=states.FINAL_STATES).exists():
        raise Conflict(_("Patienten har redan ett pågående vårdtillfälle i hemmet."))
    try:
        with transaction.atomic():
            episode = Episode.objects.create(
                patient=patient,
                ward=unit,
                pathway=pathway,
                flag_reason=reason.strip(),
                created_by=staff,
                home_health_unit=home_health_unit,
                visiting=visiting,
            )
            EpisodeTransition.objects.create(
                episode=episode, from_state="", to_state=states.CANDIDATE, by=staff, reason=reason
            )
            for related in (unit, home_health_unit, patient.listed_unit):
                care_relationship_ensure(patient, related, staff)
            ChecklistItem.objects.bulk_create(
                [ChecklistItem(episode=episode, key=key) for key in ChecklistItem.Key.values]
            )
            Assessment.objects.create(episode=episode)
            episode_log(staff=staff, unit=unit, episode=episode, detail="flagged as candidate")
    except IntegrityError:
        raise Conflict(_("Patienten har redan ett pågående vårdtillfälle i hemmet.")) from None
    return episode


PLAN_B_NOTE = "Plan B"  # the checklist note that marks the item as Plan B's, not a person's


def _require_visiting_unit(visiting: str, visiting_unit: Unit | None) -> None:
    """The visiting unit fits the kind of visiting (none in Plan B)."""
    if visiting not in Episode.Visiting.values:
        raise HemmaError(_("Okänt besökande team."))
    if visiting_unit is None:
        return
    if visiting == Episode.Visiting.NONE:
        raise HemmaError(_("Plan B har ingen besökande enhet."))
    if visiting_unit.kind != Episode.VISITING_UNIT_KIND[visiting]:
        raise HemmaError(
            _("%(unit)s är inte en enhet av typen ”%(kind)s”.")
            % {"unit": visiting_unit.name, "kind": Unit.Kind(visiting_unit.kind).label}
        )


def episode_set_visiting(
    *, staff: Staff, unit: Unit, episode: Episode, visiting: str, visiting_unit: Unit | None
) -> Episode:
    """Before the patient goes home the ward chooses who visits: municipal home health
    care, the hospital's mobile team, a stroke team or nobody (Plan B). Going home needs a
    live care request to the unit chosen (carerequests' guard); one sent to a unit no longer
    chosen stays until the ward withdraws it."""
    _require(staff, unit, "set_visiting", episode)
    _require_visiting_unit(visiting, visiting_unit)
    with transaction.atomic():
        episode = _locked(episode)
        consent = Consent.objects.filter(episode=episode).first()
        municipal = visiting_unit is not None and visiting_unit.organisation_id != (
            episode.ward.organisation_id
        )
        if municipal and consent is not None and not consent.shares_information:
            raise NotAllowed(
                _("Patienten har inte samtyckt till informationsdelning med kommunen.")
            )
        episode.visiting, episode.home_health_unit = visiting, visiting_unit
        episode.version += 1
        episode.save(update_fields=["visiting", "home_health_unit", "version"])
        if episode.state == states.PREPARING:
            _plan_b_checklist(episode, staff)
        if visiting_unit is not None:
            care_relationship_ensure(episode.patient, visiting_unit, staff)
        episode_log(staff=staff, unit=unit, episode=episode, detail=f"visiting {visiting}")
    return episode


def assessment_update(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    checks: dict[str, bool],
    tier: str = "",
    nurse_note: str = "",
    therapist_note: str = "",
) -> Assessment:
    """Step 2a: nurse and PT/OT record the structured suitability assessment."""
    _require(staff, unit, "assess", episode)
    with transaction.atomic():
        episode = _locked(episode)
        if episode.state != states.CANDIDATE:
            raise NotAllowed(_("Bedömningen kan bara ändras innan beslut är fattat."))
        assessment = Assessment.objects.select_for_update().get(episode=episode)
        for name in Assessment.CHECKS:
            setattr(assessment, name, bool(checks.get(name, False)))
        assessment.nurse_note = nurse_note.strip()
        assessment.therapist_note = therapist_note.strip()
        assessment.save()
        if tier:
            episode.tier = tier
            episode.save(update_fields=["tier"])
        episode_log(staff=staff, unit=unit, episode=episode, detail="assessment updated")
    return assessment


def assessment_decide(
    *, staff: Staff, unit: Unit, episode: Episode, suitable: bool, reason: str
) -> Episode:
    """Step 2b: the physician's final decision. Not suitable ends the episode."""
    _require(staff, unit, "decide", episode)
    if not reason.strip():
        raise HemmaError(_("Motivera beslutet."))
    with transaction.atomic():
        episode = _locked(episode)
        if episode.state != states.CANDIDATE:
            raise NotAllowed(_("Beslut om lämplighet är redan fattat."))
        if suitable and not episode.tier:
            raise HemmaError(_("Ange persona (Kim, Lisa eller Omar) i bedömningen först."))
        Assessment.objects.filter(episode=episode).update(
            suitable=suitable,
            decision_reason=reason.strip(),
            decided_by=staff,
            decided_at=timezone.now(),
        )
        if suitable:
            _transition(
                episode=episode,
                to_state=states.ASSESSED,
                staff=staff,
                unit=unit,
                reason=_("Lämplig: %(r)s") % {"r": reason.strip()},
            )
        else:
            _transition(
                episode=episode,
                to_state=states.CANCELLED,
                staff=staff,
                unit=unit,
                reason=_("Ej lämplig: %(r)s") % {"r": reason.strip()},
            )
    return episode


def consent_record(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    patient_informed: bool,
    next_of_kin_informed: bool,
    brochure_given: bool,
    patient_agrees: bool,
    shares_information: bool,
) -> Consent:
    """Step 3: information and consent. Without consent the flow stops there."""
    _require(staff, unit, "consent", episode)
    with transaction.atomic():
        episode = _locked(episode)
        if episode.state != states.ASSESSED:
            raise NotAllowed(_("Samtycke registreras efter läkarens beslut om lämplighet."))
        if not patient_informed:
            raise HemmaError(_("Patienten måste ha informerats innan samtycket registreras."))
        consent, _created = Consent.objects.update_or_create(
            episode=episode,
            defaults={
                "patient_informed": patient_informed,
                "next_of_kin_informed": next_of_kin_informed,
                "brochure_given": brochure_given,
                "patient_agrees": patient_agrees,
                "shares_information": shares_information,
                "recorded_by": staff,
            },
        )
        if not patient_agrees:
            why = _("Patienten vill inte vårdas i hemmet.")
            _transition(
                episode=episode, to_state=states.CANCELLED, staff=staff, unit=unit, reason=why
            )
            return consent
        checklist_mark_done(episode, ChecklistItem.Key.CONSENT, staff)
        if shares_information:
            sharing_consent_record(staff=staff, unit=unit, patient=episode.patient)
        else:
            _remove_the_municipality(episode)
        episode_log(staff=staff, unit=unit, episode=episode, detail="consent recorded")
    return consent


def _remove_the_municipality(episode: Episode) -> None:
    """No sharing between region and municipality: the municipality leaves the episode, the
    episode goes on (with the hospital's own team, or Plan B until the ward chooses)."""
    unit = episode.home_health_unit
    if unit is not None and unit.organisation_id == episode.ward.organisation_id:
        return  # a hospital team stays
    if episode.visiting == Episode.Visiting.HOME_HEALTH or unit is not None:
        episode.visiting, episode.home_health_unit = Episode.Visiting.NONE, None
        episode.save(update_fields=["visiting", "home_health_unit"])
    if unit is not None:
        CareRelationship.objects.filter(
            patient=episode.patient, unit=unit, ended_at__isnull=True
        ).update(ended_at=timezone.now())


def episode_mark_agreed(*, staff: Staff, unit: Unit, episode: Episode) -> Episode:
    """Step 4 done: consent and a documented agreement exist (the agreement: a guard of
    careplans)."""
    _require(staff, unit, "agreed", episode)
    with transaction.atomic():
        episode = _locked(episode)
        consent = Consent.objects.filter(episode=episode).first()
        if consent is None or not consent.patient_agrees:
            raise NotAllowed(_("Samtycke saknas."))
        _transition(
            episode=episode,
            to_state=states.AGREED,
            staff=staff,
            unit=unit,
            reason=_("Samtycke och dokumenterad överenskommelse klara."),
        )
    return episode


def episode_start_preparing(*, staff: Staff, unit: Unit, episode: Episode) -> Episode:
    """Step 5: the care request is sent; logistics and the checklist follow. Omar's tier
    (expanded home care) also needs a request to home care / needs assessment (both: a
    guard of carerequests)."""
    _require(staff, unit, "prepare", episode)
    with transaction.atomic():
        episode = _locked(episode)
        _transition(
            episode=episode,
            to_state=states.PREPARING,
            staff=staff,
            unit=unit,
            reason=_("Vårdbegäran skickad.")
            if episode.visiting != Episode.Visiting.NONE
            else _("Plan B: inget besökande team."),
        )
        _plan_b_checklist(episode, staff)
    return episode


def _plan_b_checklist(episode: Episode, staff: Staff) -> None:
    """Plan B has no care request to be accepted: that checklist item is not applicable;
    when a visiting team is chosen after all, it is open again."""
    item = ChecklistItem.objects.filter(
        episode=episode, key=ChecklistItem.Key.CARE_REQUEST_ACCEPTED
    )
    if episode.visiting == Episode.Visiting.NONE:
        item.exclude(status=ChecklistItem.Status.DONE).update(
            status=ChecklistItem.Status.NOT_APPLICABLE,
            note=PLAN_B_NOTE,
            by=staff,
            at=timezone.now(),
        )
    else:
        item.filter(note=PLAN_B_NOTE).update(
            status=ChecklistItem.Status.OPEN, note="", by=None, at=None
        )


def checklist_mark_done(episode: Episode, key: str, staff: Staff) -> None:
    """Tick a checklist item as done by the step that fulfils it (consent, reservation, …)."""
    ChecklistItem.objects.filter(episode=episode, key=key).update(
        status=ChecklistItem.Status.DONE, by=staff, at=timezone.now(), note=""
    )


def checklist_item_set(
    *, staff: Staff, unit: Unit, episode: Episode, key: str, status: str, note: str = ""
) -> ChecklistItem:
    """Step 7: tick an item, or mark it not applicable with a reason."""
    _require(staff, unit, "checklist", episode)
    if status == ChecklistItem.Status.NOT_APPLICABLE and not note.strip():
        raise HemmaError(_("Ange varför punkten inte är aktuell."))
    if key == ChecklistItem.Key.SAFETY_BED and status == ChecklistItem.Status.DONE:
        raise HemmaError(_("Trygghetsplatsen bockas av när den reserveras."))
    if key == ChecklistItem.Key.CARE_REQUEST_ACCEPTED and status == ChecklistItem.Status.DONE:
        raise HemmaError(_("Punkten bockas av när hemsjukvården accepterar vårdbegäran."))
    with transaction.atomic():
        episode = _locked(episode)
        if episode.state not in (states.AGREED, states.PREPARING, states.ASSESSED):
            raise NotAllowed(_("Checklistan används före hemgång."))
        item = ChecklistItem.objects.select_for_update().get(episode=episode, key=key)
        item.status, item.note, item.by, item.at = status, note.strip(), staff, timezone.now()
        item.save()
        episode_log(staff=staff, unit=unit, episode=episode, detail=f"checklist {key}={status}")
    return item


def safety_bed_reserve(*, staff: Staff, unit: Unit, episode: Episode) -> SafetyBedReservation:
    """Step 8: reserve a safety place on the ward. Never overbooks, even under a race."""
    _require(staff, unit, "reserve_bed", episode)
    try:
        with transaction.atomic():
            episode = _locked(episode)
            if SafetyBedReservation.objects.filter(episode=episode, released_at=None).exists():
                raise Conflict(_("Patienten har redan en reserverad trygghetsplats."))
            # Lock the ward's places so two nurses cannot take the last one at once.
            beds = list(
                SafetyBed.objects.select_for_update().filter(ward=episode.ward, in_service=True)
            )
            taken = set(
                SafetyBedReservation.objects.filter(bed__in=beds, released_at=None).values_list(
                    "bed_id", flat=True
                )
            )
            free = [bed for bed in beds if bed.pk not in taken]
            if not free:
                raise Conflict(_("Alla trygghetsplatser på avdelningen är upptagna."))
            reservation = SafetyBedReservation.objects.create(
                bed=free[0], episode=episode, reserved_by=staff
            )
            checklist_mark_done(episode, ChecklistItem.Key.SAFETY_BED, staff)
            episode_log(
                staff=staff, unit=unit, episode=episode, detail=f"safety bed {free[0].label}"
            )
    except IntegrityError:
        # The partial unique index is the last guard (e.g. SQLite has no row locks).
        raise Conflict(_("Alla trygghetsplatser på avdelningen är upptagna.")) from None
    return reservation


def episode_send_home(*, staff: Staff, unit: Unit, episode: Episode) -> Episode:
    """Step 8→9: the patient goes home when every checklist item is done or not applicable.
    The ward's evening call on day 1 is an effect registered by coordination."""
    _require(staff, unit, "send_home", episode)
    with transaction.atomic():
        episode = _locked(episode)
        _require_transition(episode, states.AT_HOME)
        missing = [
            item.get_key_display()
            for item in ChecklistItem.objects.filter(episode=episode, status="open")
        ]
        if missing:
            raise NotAllowed(
                _("Checklistan är inte klar: %(items)s.") % {"items": ", ".join(missing)}
            )
        if not SafetyBedReservation.objects.filter(episode=episode, released_at=None).exists():
            raise NotAllowed(_("Reservera en trygghetsplats först."))
        episode.at_home_since = timezone.now()  # saved with the transition
        _transition(
            episode=episode,
            to_state=states.AT_HOME,
            staff=staff,
            unit=unit,
            reason=_("Patienten åker hem."),
        )
    return episode


def episode_direct_admission(*, staff: Staff, unit: Unit, episode: Episode, reason: str) -> Episode:
    """Step 10: one action readmits the patient to the reserved safety place. The notice to
    home health care is an effect registered by coordination."""
    _require(staff, unit, "readmit", episode)
    if not reason.strip():
        raise HemmaError(_("Ange orsaken till direktinläggningen."))
    with transaction.atomic():
        episode = _locked(episode)
        _require_transition(episode, states.READMITTED)
        reservation = (
            SafetyBedReservation.objects.select_for_update()
            .filter(episode=episode, released_at=None)
            .select_related("bed")
            .first()
        )
        if reservation is None:
            raise NotAllowed(_("Patienten har ingen reserverad trygghetsplats."))
        reservation.occupied_at = timezone.now()
        reservation.save(update_fields=["occupied_at"])
        _transition(
            episode=episode,
            to_state=states.READMITTED,
            staff=staff,
            unit=unit,
            reason=reason.strip(),
            bed=reservation.bed.label,
        )
    return episode


def episode_return_home(*, staff: Staff, unit: Unit, episode: Episode, reason: str) -> Episode:
    _require(staff, unit, "return_home", episode)
    with transaction.atomic():
        episode = _locked(episode)
        _transition(
            episode=episode,
            to_state=states.AT_HOME,
            staff=staff,
            unit=unit,
            reason=reason.strip() or _("Åter hem från trygghetsplatsen."),
        )
        SafetyBedReservation.objects.filter(episode=episode, released_at=None).update(
            occupied_at=None
        )
    return episode


def episode_discharge(
    *, staff: Staff, unit: Unit, episode: Episode, summary: str, referral_text: str
) -> Episode:
    """Step 11: the physician discharges when the criteria are met (a guard of careplans);
    primary care is referred."""
    _require(staff, unit, "discharge", episode)
    if not summary.strip():
        raise HemmaError(_("Skriv en utskrivningsanteckning."))
    with transaction.atomic():
        episode = _locked(episode)
        episode.end_reason = Episode.EndReason.CRITERIA_MET
        _transition(
            episode=episode,
            to_state=states.DISCHARGED,
            staff=staff,
            unit=unit,
            reason=_("Utskriven."),
        )
        episode.discharge_summary = summary.strip()
        episode.save(update_fields=["discharge_summary"])
        now = _release_and_end(episode)
        if episode.patient.listed_unit_id and referral_text.strip():
            Referral.objects.create(
                episode=episode,
                to_unit=episode.patient.listed_unit,
                text=referral_text.strip(),
                created_by=staff,
            )
        _end_episode_relationships(episode, now)
    return episode


def _release_and_end(episode: Episode) -> datetime:
    """Care at home has ended: the safety place is free and the care relationships run out."""
    now = timezone.now()
    SafetyBedReservation.objects.filter(episode=episode, released_at=None).update(released_at=now)
    _end_episode_relationships(episode, now)
    return now


def episode_end_on_request(
    *, staff: Staff, unit: Unit, episode: Episode, reason: str, summary: str
) -> Episode:
    """The patient (or next of kin) wants care at home to end: the physician discharges
    with that reason, whether or not the discharge criteria are met (readmission is the
    other way, episode_direct_admission)."""
    _require(staff, unit, "end_on_request", episode)
    if not reason.strip():
        raise HemmaError(_("Ange vad patienten eller närstående har sagt."))
    if not summary.strip():
        raise HemmaError(_("Skriv en utskrivningsanteckning."))
    with transaction.atomic():
        episode = _locked(episode)
        episode.end_reason = Episode.EndReason.PATIENT_REQUEST  # the criteria guard reads it
        episode.discharge_summary = summary.strip()
        _transition(
            episode=episode,
            to_state=states.DISCHARGED,
            staff=staff,
            unit=unit,
            reason=_("Avslutat på patientens eller närståendes önskan: %(reason)s")
            % {"reason": reason.strip()},
        )
        _release_and_end(episode)
    return episode


def episode_record_death(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    died_at: datetime,
    confirmed_by: str,
    expected: bool,
    note: str = "",
) -> Episode:
    """The patient died at home (or in the safety place): when, who confirmed the death,
    expected or not. Every unit of the episode gets a notice (coordination's effect)."""
    _require(staff, unit, "record_death", episode)
    if not confirmed_by.strip():
        raise HemmaError(_("Ange vem som konstaterade dödsfallet."))
    now = timezone.now()
    if died_at > now + timedelta(minutes=5):
        raise HemmaError(_("Tidpunkten kan inte ligga i framtiden."))
    with transaction.atomic():
        episode = _locked(episode)
        if episode.at_home_since and died_at < episode.at_home_since:
            raise HemmaError(_("Tidpunkten ligger före hemgången."))
        episode.end_reason = Episode.EndReason.DIED
        episode.died_at, episode.death_confirmed_by = died_at, confirmed_by.strip()
        episode.death_expected = expected
        kind = _("Förväntat dödsfall") if expected else _("Oväntat dödsfall")
        detail = f"{kind}, {timezone.localtime(died_at):%Y-%m-%d %H:%M}, {confirmed_by.strip()}"
        _transition(
            episode=episode,
            to_state=states.DIED,
            staff=staff,
            unit=unit,
            reason=f"{detail}. {note.strip()}".strip()[:1000],
        )
        _release_and_end(episode)
    return episode


def episode_transfer(
    *, staff: Staff, unit: Unit, episode: Episode, destination: str, reason: str
) -> Episode:
    """The patient is transferred to another ward or hospital: care at home ends here."""
    _require(staff, unit, "transfer", episode)
    if not destination.strip():
        raise HemmaError(_("Ange vart patienten flyttas."))
    if not reason.strip():
        raise HemmaError(_("Ange orsaken."))
    with transaction.atomic():
        episode = _locked(episode)
        episode.end_reason = Episode.EndReason.TRANSFERRED
        episode.transferred_to = destination.strip()
        _transition(
            episode=episode,
            to_state=states.TRANSFERRED,
            staff=staff,
            unit=unit,
            reason=_("Till %(to)s: %(reason)s")
            % {"to": destination.strip(), "reason": reason.strip()},
        )
        _release_and_end(episode)
    return episode


def _end_episode_relationships(episode: Episode, now: datetime) -> None:
    """The ward and home health care keep read access for a grace period; primary care stays."""
    grace = now + timedelta(days=settings.HEMMA_CARE_RELATIONSHIP_GRACE_DAYS)
    units = [episode.ward_id, episode.home_health_unit_id]
    CareRelationship.objects.filter(
        Q(unit_id__in=[u for u in units if u]), patient=episode.patient, ended_at__isnull=True
    ).update(ended_at=grace)


def episode_cancel(*, staff: Staff, unit: Unit, episode: Episode, reason: str) -> Episode:
    _require(staff, unit, "cancel", episode)
    if not reason.strip():
        raise HemmaError(_("Ange varför vårdtillfället avbryts."))
    with transaction.atomic():
        episode = _locked(episode)
        _transition(
            episode=episode,
            to_state=states.CANCELLED,
            staff=staff,
            unit=unit,
            reason=reason.strip(),
        )
        SafetyBedReservation.objects.filter(episode=episode, released_at=None).update(
            released_at=timezone.now()
        )
    return episode


def episode_record_notice(
    *, staff: Staff, unit: Unit, episode: Episode, notice: str, at: datetime
) -> Episode:
    """Lag (2017:612): the notices are messages of the episode's discharge case, sent from
    the episode page through coordination (hemma/coordination/episode_case.py), which keeps
    ``admission_notice_at`` and ``ready_for_discharge_at`` as a copy of the case in the same
    transaction. Typing the times in here would make a second source, so the flow's own
    ``notice`` action only refuses – after the policy's own refusal, which it keeps."""
    if notice not in ("admission", "ready"):
        raise HemmaError(_("Okänt meddelande."))
    _require(staff, unit, "notice_ready" if notice == "ready" else "notice", episode)
    raise NotAllowed(
        _("Meddelanden enligt lag (2017:612) skickas i samordningsärendet på vårdtillfällets sida.")
    )


def referral_mark_read(*, staff: Staff, unit: Unit, referral: Referral) -> Referral:
    """The receiving unit (the listing centre) confirms it has read the referral."""
    if referral.to_unit_id != unit.pk:
        raise NotAllowed(_("Remissen är ställd till en annan enhet."))
    _require(staff, unit, "read_referral", referral.episode)
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update()
            .select_related("episode__patient")
            .get(pk=referral.pk)
        )
        if referral.read_at is None:
            referral.read_at = timezone.now()
            referral.save(update_fields=["read_at"])
            episode_log(staff=staff, unit=unit, episode=referral.episode, detail="referral read")
    return referral


def ward_safety_beds(ward: Unit) -> str:
    """A ward created (in Django admin, by the HSA import) gets its safety places; what
    was added, for the administration log."""
    before = set(SafetyBed.objects.filter(ward=ward).values_list("pk", flat=True))
    new = [bed.label for bed in safety_beds_ensure(ward=ward) if bed.pk not in before]
    return "trygghetsplats tillagd: " + ", ".join(new) if new else ""


def safety_beds_ensure(*, ward: Unit, count: int | None = None) -> list[SafetyBed]:
    """A ward gets its safety places numbered after its beds ("plats 23" on 22 beds)."""
    count = count or settings.HEMMA_SAFETY_BEDS_PER_WARD
    beds = []
    for offset in range(1, count + 1):
        bed, _created = SafetyBed.objects.get_or_create(
            ward=ward, label=f"Plats {(ward.beds or 0) + offset}"
        )
        beds.append(bed)
    return beds
