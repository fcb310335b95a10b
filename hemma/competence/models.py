"""Information and competence around one patient at home (seeds 000 and 001): the
patient's training checklist – the tablet, the pump, the line – ticked by the ward or the
visiting team, and the record of the competence transfer: which visiting unit's staff were
trained in which hands-on skill, by whom and when (shown when the day's visits are planned).

Neither is ever deleted by Hemma: an untick or a withdrawal keeps the row with who, which
unit and when, so the history stays readable."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode

from . import skills


class TrainingItem(models.TextChoices):
    """What the patient (or next of kin) is shown before and during care at home."""

    MEASURE_PULSE_SPO2 = (
        "measure_pulse_spo2",
        _("Mäta puls och syremättnad och skicka på surfplattan"),
    )
    MEASURE_BLOOD_PRESSURE = (
        "measure_blood_pressure",
        _("Mäta blodtrycket och skicka på surfplattan"),
    )
    MEASURE_TEMPERATURE = "measure_temperature", _("Mäta temperaturen och skicka på surfplattan")
    RED_MESSAGE = "red_message", _("Vad det röda meddelandet betyder och vem man ringer")
    PUMP_CONNECT = "pump_connect", _("Pumpen: koppla till och koppla från")
    PUMP_ALARM = "pump_alarm", _("Pumpen: när den larmar, t.ex. stopp i slangen (ocklusion)")
    LINE_CARE = "line_care", _("Infarten (PICC/PVK): förband, tecken på infektion, om den läcker")


TABLET_ITEMS = (
    TrainingItem.MEASURE_PULSE_SPO2,
    TrainingItem.MEASURE_BLOOD_PRESSURE,
    TrainingItem.MEASURE_TEMPERATURE,
    TrainingItem.RED_MESSAGE,
)
PUMP_ITEMS = (TrainingItem.PUMP_CONNECT, TrainingItem.PUMP_ALARM)
LINE_ITEMS = (TrainingItem.LINE_CARE,)


class TrainingCheck(models.Model):
    """One item of the patient's training ticked off, by whom, for which unit and when; an
    untick keeps the row (who, which unit, when). At most one ticked row per item."""

    # Deleted with the episode, like its readings (episodes are removed only by demo and
    # test resets).
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="training")
    item = models.CharField(_("moment"), max_length=30, choices=TrainingItem.choices)
    ticked_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    ticked_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    ticked_at = models.DateTimeField(_("avbockat"))
    unticked_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unticked_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unticked_at = models.DateTimeField(_("bock borttagen"), null=True, blank=True)

    class Meta:
        ordering = ["episode", "ticked_at", "pk"]
        constraints = [
            # The episode's checklist: `filter(episode=…, unticked_at=None)`.
            models.UniqueConstraint(
                fields=["episode", "item"],
                condition=Q(unticked_at__isnull=True),
                name="training_check_one_ticked_per_item",
            ),
            models.CheckConstraint(
                condition=Q(item__in=TrainingItem.values), name="training_check_known_item"
            ),
            models.CheckConstraint(
                condition=Q(
                    unticked_at__isnull=True, unticked_by__isnull=True, unticked_unit__isnull=True
                )
                | Q(
                    unticked_at__isnull=False,
                    unticked_by__isnull=False,
                    unticked_unit__isnull=False,
                ),
                name="training_check_untick_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.episode_id} {self.item}"


class Skill(models.TextChoices):
    """Hands-on skills handed over to a visiting unit's staff (kompetensöverföring)."""

    PICC = skills.PICC, _("PICC-line: skötsel, spolning och förband")
    INFUSION_PUMP = skills.INFUSION_PUMP, _("Antibiotikapump (infusionspump)")
    IV_ANTIBIOTICS = skills.IV_ANTIBIOTICS, _("Intravenös antibiotika")
    SUBCUTANEOUS_INJECTION = skills.SUBCUTANEOUS_INJECTION, _("Subkutan injektion")


class CompetenceRecord(models.Model):
    """A staff member of a visiting unit was trained in a skill, by a member of another
    unit's staff (the ward) or a named trainer, on a day, valid until a day or for good.
    Recorded by the trainer's unit or the unit's manager; withdrawn (never deleted) with
    who, when and why."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="competence_records")
    staff = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        related_name="competence_records",
        verbose_name=_("personal"),
    )
    skill = models.CharField(_("kompetens"), max_length=30, choices=Skill.choices)
    trained_on = models.DateField(_("utbildad"))
    valid_until = models.DateField(_("giltig till och med"), null=True, blank=True)
    trainer = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("utbildare"),
    )
    trainer_name = models.CharField(_("utbildare (namn)"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    recorded_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.CharField(_("orsak"), max_length=300, blank=True)

    class Meta:
        ordering = ["staff_id", "skill", "-trained_on", "-pk"]
        indexes = [
            # The planner: `filter(staff_id__in=…, withdrawn_at=None)`.
            models.Index(fields=["staff", "skill"], name="competence_staff_skill"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(skill__in=Skill.values), name="competence_known_skill"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("trained_on")),
                name="competence_valid_after_training",
            ),
            # Trained by someone: a member of staff or a named trainer.
            models.CheckConstraint(
                condition=Q(trainer__isnull=False) | ~Q(trainer_name=""),
                name="competence_has_trainer",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | (
                    Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False)
                    & ~Q(withdrawn_reason="")
                ),
                name="competence_withdrawal_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.skill} {self.trained_on}"

    @property
    def trainer_display(self) -> str:
        return self.trainer.display_name if self.trainer_id else self.trainer_name

    def is_valid_on(self, day) -> bool:
        return (
            self.withdrawn_at is None
            and self.trained_on <= day
            and (self.valid_until is None or self.valid_until >= day)
        )
