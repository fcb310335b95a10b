"""Medication at home: the episode's medication list in versions (only the ward's physician
makes a new one; every version is kept and shown), and the scheduled administrations the
current list gives, each recorded once as given, not given (with a reason) or delayed (with
the time) by the visiting nurse, the ward or – for a pump the patient runs – the patient.

Maps to FHIR R4 MedicationRequest (an item) and MedicationAdministration (a dose)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit
from hemma.carerequests.models import Medication as CareRequestMedication
from hemma.episodes.models import Episode
from hemma.monitoring.models import Alert

# The routes of the care request's list: one set of routes in Hemma.
Route = CareRequestMedication.Route


class MedicationListVersion(models.Model):
    class Kind(models.TextChoices):
        CHANGE = "change", _("Ny eller ändrad lista")
        COURSE_END = "course_end", _("Kuren avslutas")
        SWITCH_TO_ORAL = "switch_to_oral", _("Byte till tabletter")

    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="medication_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("typ"), max_length=20, choices=Kind, default=Kind.CHANGE)
    reason = models.TextField(_("orsak"))
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("läkemedelslista")
        verbose_name_plural = _("läkemedelslistor")
        ordering = ["-number"]
        constraints = [
            # Two physicians saving at once cannot both make version n (the service also
            # locks the episode row).
            models.UniqueConstraint(
                fields=["episode", "number"], name="medication_version_unique_number"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="medication_version_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="medication_version_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.episode_id} v{self.number}"


class MedicationItem(models.Model):
    version = models.ForeignKey(
        MedicationListVersion, on_delete=models.CASCADE, related_name="items"
    )
    drug = models.CharField(_("läkemedel"), max_length=200)
    dose = models.CharField(_("dos"), max_length=100)
    route = models.CharField(_("administrationssätt"), max_length=10, choices=Route)
    # Normalised by hemma.clinical.dosing.parse_times ("08:00, 16:00, 24:00"); empty for a
    # medicine given when needed (vid behov), which gives no scheduled doses.
    times = models.CharField(_("tider"), max_length=200, blank=True)
    starts_on = models.DateField(_("från"))
    ends_on = models.DateField(_("till och med"), null=True, blank=True)
    self_administered = models.BooleanField(_("patienten sköter pumpen själv"), default=False)
    is_antibiotic = models.BooleanField(_("antibiotika"), default=False)
    note = models.CharField(_("anteckning"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="medication_item_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drug} {self.dose} {self.route}"

    @property
    def as_needed(self) -> bool:
        return not self.times


class DoseAdministration(models.Model):
    """One scheduled dose of the current list, and what happened to it (recorded once)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planerad")
        GIVEN = "given", _("Given")
        NOT_GIVEN = "not_given", _("Inte given")
        DELAYED = "delayed", _("Försenad")

    RECORDED = (Status.GIVEN, Status.NOT_GIVEN, Status.DELAYED)

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="doses")
    item = models.ForeignKey(MedicationItem, on_delete=models.PROTECT, related_name="doses")
    due_at = models.DateTimeField(_("planerad tid"))
    # Copied from the item when scheduled, so a dose reads the same after later versions.
    drug = models.CharField(_("läkemedel"), max_length=200)
    dose = models.CharField(_("dos"), max_length=100)
    route = models.CharField(_("administrationssätt"), max_length=10, choices=Route)
    self_administered = models.BooleanField(default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PLANNED)
    given_at = models.DateTimeField(_("given"), null=True, blank=True)
    reason = models.CharField(_("orsak"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_patient = models.BooleanField(_("registrerad av patienten"), default=False)
    # The missed/late-dose alert to the ward: raised at most once per dose (claimed by a
    # conditional update of alerted_at).
    alerted_at = models.DateTimeField(null=True, blank=True)
    alert = models.ForeignKey(
        Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("dos")
        verbose_name_plural = _("doser")
        ordering = ["due_at", "drug"]
        indexes = [
            # doses_overdue_check: planned doses past their time, not yet alerted.
            models.Index(fields=["status", "due_at"], name="dose_status_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "due_at", "drug", "route"], name="dose_one_per_drug_and_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="not_given") | ~Q(reason=""), name="dose_not_given_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["given", "delayed"]) | Q(given_at__isnull=False),
                name="dose_given_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="planned") | Q(recorded_at__isnull=True, given_at__isnull=True),
                name="dose_planned_unrecorded",
            ),
            models.CheckConstraint(
                condition=Q(status="planned")
                | Q(by_patient=True, self_administered=True, recorded_by__isnull=True)
                | Q(by_patient=False, recorded_by__isnull=False),
                name="dose_recorded_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drug} {self.dose} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_recorded(self) -> bool:
        return self.status != self.Status.PLANNED
