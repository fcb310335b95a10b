"""The care coordinator's (vårdkoordinator) worklist for a primary care centre: listed
patients with many care contacts or complex illness, each with the next action. Only
patients the centre may list (patients.policy: its open or in-grace care relationship)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.clinical import episode_states as states
from hemma.episodes.models import Episode, Referral
from hemma.patients.models import Patient
from hemma.patients.policy import patients_visible_to

from .models import DischargeCase, SipMeeting, TemporaryVisit
from .screening import flags_for

RECENT_DAYS = 30
HIGH_FRAILTY = 6


@dataclass
class Row:
    patient: Patient
    reasons: list[str] = field(default_factory=list)
    next_action: str = ""


def worklist(unit: Unit, staff: Staff | None) -> list[Row]:
    """A constant number of queries, however many patients are listed."""
    listed = Patient.objects.filter(
        listed_unit=unit, pk__in=patients_visible_to(staff, unit).values("pk")
    )
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    open_cases = {
        c.patient_id: c for c in DischargeCase.objects.filter(patient__in=listed, status="open")
    }
    open_episodes = {
        e.patient_id: e
        for e in Episode.objects.filter(patient__in=listed).exclude(state__in=states.FINAL_STATES)
    }
    recent_discharges = set(
        Episode.objects.filter(
            patient__in=listed, state=states.DISCHARGED, ended_at__gte=since
        ).values_list("patient_id", flat=True)
    ) | set(
        DischargeCase.objects.filter(
            patient__in=listed, status="discharged", discharged_at__gte=since
        ).values_list("patient_id", flat=True)
    )
    unread_referrals = set(
        Referral.objects.filter(to_unit=unit, read_at__isnull=True).values_list(
            "episode__patient_id", flat=True
        )
    )
    open_sips = set(
        SipMeeting.objects.filter(
            case__patient__in=listed, meeting_at__gte=timezone.now()
        ).values_list("case__patient_id", flat=True)
    )
    visits = set(
        TemporaryVisit.objects.filter(patient__in=listed, visited_at__gte=since).values_list(
            "patient_id", flat=True
        )
    )
    candidates = (
        set(open_cases) | set(open_episodes) | recent_discharges | unread_referrals | open_sips
    ) | visits
    flags = flags_for(list(listed.values_list("pk", flat=True)))
    for pk, flag in flags.items():
        if flag.frequent_attender or (flag.cfs and flag.cfs.level >= HIGH_FRAILTY):
            candidates.add(pk)
    rows = []
    for patient in listed.filter(pk__in=candidates).order_by("last_name", "first_name"):
        row = Row(patient)
        case = open_cases.get(patient.pk)
        if case:
            row.reasons.append(_("Inneliggande"))
            if not case.fixed_contact_id:
                row.next_action = _("Utse fast vårdkontakt")
            elif case.ready_at and patient.pk not in open_sips:
                row.next_action = _("Kalla till SIP")
        episode = open_episodes.get(patient.pk)
        if episode:
            row.reasons.append(
                _("Vård i hemmet: %(state)s") % {"state": episode.get_state_display()}
            )
        if patient.pk in recent_discharges:
            row.reasons.append(_("Utskriven senaste 30 dagarna"))
            row.next_action = row.next_action or _("Uppföljning efter utskrivning")
        if patient.pk in unread_referrals:
            row.reasons.append(_("Oläst remiss"))
            row.next_action = _("Läs remissen")
        if patient.pk in open_sips:
            row.reasons.append(_("SIP planerad"))
        if patient.pk in visits:
            row.reasons.append(_("Tillfälligt besök"))
        flag = flags.get(patient.pk)
        if flag and flag.frequent_attender:
            row.reasons.append(_("Frekvent besökare"))
            row.next_action = row.next_action or _("Överväg SIP eller vård i hemmet")
        if flag and flag.cfs and flag.cfs.level >= HIGH_FRAILTY:
            row.reasons.append(_("CFS %(n)s") % {"n": flag.cfs.level})
        row.next_action = row.next_action or _("Följ upp")
        rows.append(row)
    return rows
