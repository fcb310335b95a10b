"""The physician's monitoring plan for a patient at home: how often to measure, the SpO2
scale NEWS2 uses, and personal thresholds (with the reads readings need of them)."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode
from hemma.episodes.services import episode_log
from hemma.errors import HemmaError, NotAllowed
from hemma.patients.models import Patient
from hemma.patients.policy import require_action

from ..models import MonitoringPlan, PersonalThreshold, Spo2ScaleDecision

PHYSICIAN = Staff.Profession.PHYSICIAN


def monitoring_plan_set(*, staff: Staff, unit: Unit, episode: Episode, interval_hours: int):
    require_action(staff=staff, unit=unit, action="set_monitoring_plan", episode=episode)
    if not 1 <= interval_hours <= 72:
        raise HemmaError(_("Ange ett intervall mellan 1 och 72 timmar."))
    plan, _created = MonitoringPlan.objects.update_or_create(
        episode=episode, defaults={"interval_hours": interval_hours, "set_by": staff}
    )
    episode_log(
        staff=staff, unit=unit, episode=episode, detail=f"monitoring every {interval_hours} h"
    )
    return plan


def _require_physician(staff: Staff) -> None:
    if staff.profession != PHYSICIAN:
        raise NotAllowed(_("Bara en läkare kan fatta detta beslut."))


def spo2_scale_of(patient: Patient) -> int:
    decision = Spo2ScaleDecision.objects.filter(patient=patient).first()
    return decision.scale if decision else 1


def spo2_scale_set(*, staff: Staff, unit: Unit, episode: Episode, scale: int, reason: str):
    """Scale 2 only for confirmed hypercapnic respiratory failure: a physician's decision."""
    _require_physician(staff)
    require_action(staff=staff, unit=unit, action="set_monitoring_plan", episode=episode)
    if scale not in (1, 2):
        raise HemmaError(_("Välj skala 1 eller 2."))
    if not reason.strip():
        raise HemmaError(_("Motivera valet av skala."))
    decision = Spo2ScaleDecision.objects.create(
        patient=episode.patient, scale=scale, reason=reason.strip(), decided_by=staff
    )
    episode_log(staff=staff, unit=unit, episode=episode, detail=f"spo2 scale {scale}")
    return decision


def active_thresholds(patient: Patient) -> list[PersonalThreshold]:
    return list(PersonalThreshold.objects.filter(patient=patient, ended_at__isnull=True))


def threshold_set(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    parameter: str,
    low: Decimal | None,
    high: Decimal | None,
    reason: str,
) -> PersonalThreshold:
    _require_physician(staff)
    require_action(staff=staff, unit=unit, action="set_monitoring_plan", episode=episode)
    if parameter not in PersonalThreshold.Parameter.values:
        raise HemmaError(_("Okänd parameter."))
    if low is None and high is None:
        raise HemmaError(_("Ange en lägsta eller högsta gräns."))
    if low is not None and high is not None and low >= high:
        raise HemmaError(_("Lägsta gränsen ska vara lägre än den högsta."))
    if not reason.strip():
        raise HemmaError(_("Motivera den personliga gränsen."))
    with transaction.atomic():
        PersonalThreshold.objects.filter(
            patient=episode.patient, parameter=parameter, ended_at__isnull=True
        ).update(ended_at=timezone.now())
        threshold = PersonalThreshold.objects.create(
            patient=episode.patient,
            parameter=parameter,
            low=low,
            high=high,
            reason=reason.strip(),
            set_by=staff,
        )
        episode_log(staff=staff, unit=unit, episode=episode, detail=f"threshold {parameter}")
    return threshold


def threshold_end(*, staff: Staff, unit: Unit, threshold: PersonalThreshold) -> None:
    _require_physician(staff)
    PersonalThreshold.objects.filter(pk=threshold.pk, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
