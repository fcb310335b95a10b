"""Recording a 112 call or an ambulance mission on an episode at home.

The ambulance unit that may see the patient (policy Scope.AMBULANCE) or the episode's
ward records it (policy action `record_ambulance_contact`); the record is logged in the
access log like every change to a patient's record.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.audit.services import access_log_record
from hemma.episodes.models import Episode
from hemma.errors import NotAllowed
from hemma.patients.policy import decide_patient_access, require_action

from .models import AmbulanceContact

# A contact is recorded afterwards, never ahead: a little clock skew is allowed, a week
# back is the longest a crew's report reasonably waits.
FUTURE_TOLERANCE = timedelta(minutes=5)
OLDEST = timedelta(days=7)
SUMMARY_MAX = 500


def ambulance_contact_record(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    kind: str,
    occurred_at: datetime,
    summary: str,
    transported: bool = False,
    note: str = "",
) -> AmbulanceContact:
    decision = decide_patient_access(staff=staff, acting_unit=unit, patient=episode.patient)
    if not decision.ambulance_summary:
        raise NotAllowed(_("Din enhet får inte göra det här för den här patienten."))
    require_action(staff=staff, unit=unit, action="record_ambulance_contact", episode=episode)
    if not episode.is_open:
        raise NotAllowed(_("Vårdtillfället är avslutat."))
    if kind not in AmbulanceContact.Kind.values:
        raise NotAllowed(_("Välj 112-samtal eller ambulansinsats."))
    summary, note = summary.strip(), note.strip()
    if not summary:
        raise NotAllowed(_("Beskriv kort vad som hände."))
    if len(summary) > SUMMARY_MAX:
        raise NotAllowed(_("Beskrivningen får vara högst 500 tecken."))
    now = timezone.now()
    if occurred_at > now + FUTURE_TOLERANCE:
        raise NotAllowed(_("Tidpunkten ligger i framtiden."))
    if occurred_at < now - OLDEST or (
        episode.at_home_since and occurred_at < episode.at_home_since - timedelta(days=1)
    ):
        raise NotAllowed(_("Tidpunkten ligger före vården i hemmet eller mer än en vecka bakåt."))
    with transaction.atomic():
        contact = AmbulanceContact.objects.create(
            episode=episode,
            kind=kind,
            occurred_at=min(occurred_at, now),
            summary=summary,
            transported=transported,
            note=note,
            recorded_by=staff,
            unit=unit,
        )
        access_log_record(
            staff=staff,
            unit=unit,
            patient=episode.patient,
            action=AccessLogEntry.Action.EDIT_PATIENT,
            purpose=AccessLogEntry.Purpose.CARE,
            outcome=AccessLogEntry.Outcome.GRANTED,
            detail=f"ambulance contact {kind} recorded, episode {episode.pk}",
        )
    return contact
