"""Follow-up: the economic settings of an organisation (each figure with its source),
saved what-if scenarios of the ward simulator, and the rows imported from the region's data
warehouse (ED visits, listed population, ward bed-days, inpatient stays)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Organisation, Staff


class EconomicsSettings(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="economics"
    )
    kpp_ed_visit_cost = models.PositiveIntegerField(
        _("kostnad per akutbesök enligt KPP (kr)"), default=6774
    )
    kpp_source = models.CharField(
        _("källa"), max_length=300, default="KPP 2023, akutmottagningen Ljungby"
    )
    overhead_share = models.DecimalField(
        _("andel OH-kostnader"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.200"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.9"))],
    )
    overhead_source = models.CharField(
        _("källa"), max_length=300, default="Uppföljningsstrateg, 20 %"
    )
    bed_day_cost = models.PositiveIntegerField(_("kostnad per vårddygn (kr)"), default=8500)
    bed_day_source = models.CharField(
        _("källa"), max_length=300, default="KPP vårddygn, infektion (exempel)"
    )
    home_day_cost = models.PositiveIntegerField(_("kostnad per dygn i hemmet (kr)"), default=3500)
    home_day_source = models.CharField(
        _("källa"), max_length=300, default="Besök, utrustning och transport (exempel)"
    )
    short_term_housing_day_cost = models.PositiveIntegerField(
        _("kostnad per dygn korttidsboende (kr)"), default=3500
    )
    short_term_housing_source = models.CharField(
        _("källa"), max_length=300, default="Kommunens internpris (exempel)"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("ekonomiska antaganden")
        verbose_name_plural = _("ekonomiska antaganden")

    def __str__(self) -> str:
        return f"{self.organisation}"


class Scenario(models.Model):
    """A saved simulator run: its parameters and the summary, to compare side by side."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="scenarios"
    )
    name = models.CharField(_("namn"), max_length=120)
    parameters = models.JSONField()
    results = models.JSONField()
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="scenario_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One uploaded file: what it was, what was kept, what was wrong (by line)."""

    class Kind(models.TextChoices):
        ED_VISITS = "ed_visits", _("Akutbesök")
        POPULATION = "population", _("Listade per vårdcentral")
        BED_DAYS = "bed_days", _("Vårddygn per avdelning")
        ADMISSIONS = "admissions", _("Vårdtillfällen (inläggningar)")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    lines = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)  # new rows
    duplicates = models.PositiveIntegerField(default=0)  # already there (a re-import)
    errors = models.JSONField(default=list)
    by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"


class EdVisitRecord(models.Model):
    """An ED visit from the data warehouse. The person is kept only as a keyed pseudonym."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    person_key = models.CharField(max_length=64)
    visited_on = models.DateField()
    month = models.DateField()  # first of the visit's month: monthly sums without date functions
    age = models.PositiveSmallIntegerField()
    centre = models.CharField(max_length=200)
    municipality = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person_key", "visited_on"], name="ed_record_once_a_day"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "month", "age", "centre"]),
            models.Index(fields=["organisation", "month", "age", "municipality"]),
        ]

    def __str__(self) -> str:
        return f"{self.centre} {self.visited_on}"


class ListedPopulation(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    centre = models.CharField(max_length=200)
    municipality = models.CharField(max_length=200, blank=True)
    month = models.DateField()  # first of the month
    age_band = models.CharField(max_length=10)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "centre", "month", "age_band"], name="population_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.centre} {self.month:%Y-%m} {self.age_band}"


class WardBedDays(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    ward = models.CharField(max_length=200)
    month = models.DateField()
    bed_days = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "ward", "month"], name="bed_days_once")
        ]

    def __str__(self) -> str:
        return f"{self.ward} {self.month:%Y-%m}"


class AdmissionRecord(models.Model):
    """An inpatient stay (vårdtillfälle) from the data warehouse – every admission, not
    only hospital-at-home episodes. The person is kept only as a keyed pseudonym (the same
    as for ED visits, so visits after a discharge are found). A stay is one per person,
    admission day and ward: a re-import updates it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    person_key = models.CharField(max_length=64)
    admitted_on = models.DateField()
    discharged_on = models.DateField()
    ward = models.CharField(max_length=200)  # ward or hospital, as the warehouse names it
    centre = models.CharField(max_length=200)
    municipality = models.CharField(max_length=200)
    age = models.PositiveSmallIntegerField()
    hospital_at_home = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person_key", "admitted_on", "ward"],
                name="admission_record_once",
            ),
            models.CheckConstraint(
                condition=models.Q(discharged_on__gte=models.F("admitted_on")),
                name="admission_discharged_after_admitted",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "discharged_on"])]

    def __str__(self) -> str:
        return f"{self.ward} {self.admitted_on}–{self.discharged_on}"
