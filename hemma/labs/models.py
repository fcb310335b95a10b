"""Lab results of an episode: entered by home health care at the visit or by the ward, or
received from a lab system as a FHIR laboratory Observation. The analytes are the fixed
catalogue of `hemma.clinical.labs`; the database refuses anything outside it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit
from hemma.clinical.labs import CATALOGUE, format_value
from hemma.episodes.models import Episode

ANALYTE_CHOICES = [(a.code, a.name) for a in CATALOGUE.values()]


class LabResult(models.Model):
    class Source(models.TextChoices):
        HOME_HEALTH = "home_health", _("Hemsjukvården vid besök")
        WARD = "ward", _("Avdelningen")
        FHIR_LAB = "fhir_lab", _("Laboratoriet (FHIR)")

    # Deleted with the episode, like its readings (episodes are removed only by demo and test
    # resets; the results stay in the laboratory's and the region's own systems).
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="lab_results")
    analyte = models.CharField(_("analys"), max_length=20, choices=ANALYTE_CHOICES)
    value = models.DecimalField(_("värde"), max_digits=10, decimal_places=3)
    taken_at = models.DateTimeField(_("provtagningstid"))
    source = models.CharField(_("källa"), max_length=20, choices=Source.choices)
    # Who entered it (a lab system client acts through its own staff profile) and for
    # which unit: what a unit documented, for blocking (spärr).
    entered_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    # A FHIR Observation's identifier: a resend of it is the same result.
    fhir_system = models.CharField(max_length=255, blank=True, default="")
    fhir_value = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["episode", "analyte", "-taken_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(analyte__in=list(CATALOGUE)), name="lab_result_known_analyte"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="lab_result_value_not_negative"),
            models.CheckConstraint(
                condition=Q(source__in=["home_health", "ward", "fhir_lab"]),
                name="lab_result_known_source",
            ),
            # A FHIR result carries its identifier; an entered one has none.
            models.CheckConstraint(
                condition=(Q(source="fhir_lab") & ~Q(fhir_value="") & ~Q(fhir_system=""))
                | (~Q(source="fhir_lab") & Q(fhir_value="") & Q(fhir_system="")),
                name="lab_result_fhir_identifier",
            ),
            models.UniqueConstraint(
                fields=["episode", "fhir_system", "fhir_value"],
                condition=~Q(fhir_value=""),
                name="lab_result_fhir_identifier_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_analyte_display()} {self.value} ({self.taken_at:%Y-%m-%d %H:%M})"

    @property
    def analyte_info(self):
        return CATALOGUE[self.analyte]

    @property
    def value_text(self) -> str:
        return format_value(self.value)
