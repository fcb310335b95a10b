"""Care requests (vårdbegäran) between the region and the municipality, and the logistics
orders that get the patient's medicines and equipment home. Replaces "fax med lkm-lista
+ telefonsamtal".
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit
from hemma.careplans.models import AgreementVersion
from hemma.episodes.models import Episode


class CareRequest(models.Model):
    class Kind(models.TextChoices):
        HOME_HEALTH = "home_health", _("Hemsjukvård")
        HOME_CARE = "home_care", _("Hemtjänst/biståndsbedömning")
        # The municipality's rule: more supervision by home care for at most 5 days without
        # a SIP and without a new needs assessment (seed 000); it ends on `ends_on`.
        SUPERVISION = "supervision", _("Utökad tillsyn av hemtjänsten (högst 5 dagar, utan SIP)")

    class Status(models.TextChoices):
        SENT = "sent", _("Skickad")
        QUESTION = "question", _("Fråga till avsändaren")
        ACCEPTED = "accepted", _("Accepterad")
        DECLINED = "declined", _("Avböjd")
        WITHDRAWN = "withdrawn", _("Återkallad")

    SUPERVISION_MAX_DAYS = 5
    OPEN_STATUSES = (Status.SENT, Status.QUESTION)
    LIVE_STATUSES = (Status.SENT, Status.QUESTION, Status.ACCEPTED)

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="care_requests")
    kind = models.CharField(_("typ"), max_length=20, choices=Kind)
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="sent_requests")
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="received_requests", verbose_name=_("till")
    )
    reason = models.TextField(_("orsak"))
    start_at = models.DateTimeField(_("start"))
    interventions = models.TextField(_("insatser som önskas"))
    # Extended supervision only: its last day (at most SUPERVISION_MAX_DAYS after the start).
    ends_on = models.DateField(_("slutdatum"), null=True, blank=True)
    # The agreement as it was when the request was sent; the receiver reads this version.
    agreement_version = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.SENT)
    sent_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(_("läst"), null=True, blank=True)
    read_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("besvarad"), null=True, blank=True)
    answered_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.TextField(_("skäl"), blank=True)

    class Meta:
        verbose_name = _("vårdbegäran")
        verbose_name_plural = _("vårdbegäranden")
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="care_request_decline_needs_reason",
            ),
            # Extended supervision has an end date; the other kinds have none.
            models.CheckConstraint(
                condition=Q(kind="supervision", ends_on__isnull=False)
                | (~Q(kind="supervision") & Q(ends_on__isnull=True)),
                name="care_request_supervision_has_end",
            ),
            # One live request per episode, kind and receiving unit: no duplicate faxes.
            models.UniqueConstraint(
                fields=["episode", "kind", "to_unit"],
                condition=Q(status__in=["sent", "question", "accepted"]),
                name="care_request_one_live_per_receiver",
            ),
        ]
        indexes = [models.Index(fields=["to_unit", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to_unit} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Medication(models.Model):
    class Route(models.TextChoices):
        IV = "iv", _("intravenöst")
        ORAL = "po", _("i munnen")
        SC = "sc", _("subkutant")
        IM = "im", _("intramuskulärt")
        INHALED = "inh", _("inhalation")
        OTHER = "other", _("annat")

    care_request = models.ForeignKey(
        CareRequest, on_delete=models.CASCADE, related_name="medications"
    )
    drug = models.CharField(_("läkemedel"), max_length=200)
    dose = models.CharField(_("dos"), max_length=100)
    route = models.CharField(_("administrationssätt"), max_length=10, choices=Route)
    times = models.CharField(_("tider"), max_length=200)
    is_antibiotic = models.BooleanField(_("antibiotika"), default=False)

    class Meta:
        ordering = ["-is_antibiotic", "id"]

    def __str__(self) -> str:
        return f"{self.drug} {self.dose}"


class CareRequestMessage(models.Model):
    """A question from the receiver and the sender's answer, instead of a phone call."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Fråga")
        ANSWER = "answer", _("Svar")

    care_request = models.ForeignKey(CareRequest, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind)
    text = models.TextField()
    by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.care_request_id})"


class LogisticsOrder(models.Model):
    class Category(models.TextChoices):
        MEDICINE = "medicine", _("Läkemedel")
        SUPPLIES = "supplies", _("Förbrukningsmaterial")
        SAMPLING = "sampling", _("Provtagningsmaterial")
        EQUIPMENT = "equipment", _("Utrustning")
        ASSISTIVE_DEVICE = "assistive_device", _("Hjälpmedel")

    class Place(models.TextChoices):
        WARD = "ward", _("Avdelningen")
        PRIMARY_CARE = "primary_care", _("Vårdcentralen")
        HOME = "home", _("Patientens hem")

    class Status(models.TextChoices):
        ORDERED = "ordered", _("Beställd")
        READY = "ready", _("Klar att hämta")
        DELIVERED = "delivered", _("Levererad")

    NEXT_STATUS = {Status.ORDERED: Status.READY, Status.READY: Status.DELIVERED}

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="logistics")
    category = models.CharField(_("kategori"), max_length=20, choices=Category)
    item = models.CharField(_("vad"), max_length=200)
    quantity = models.PositiveIntegerField(_("antal"), default=1)
    delivery_place = models.CharField(_("leveransplats"), max_length=20, choices=Place)
    responsible_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("ansvarig enhet")
    )
    travels_with_patient = models.BooleanField(
        _("följer med patienten i transporten"), default=False
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.ORDERED)
    note = models.CharField(_("kommentar"), max_length=500, blank=True)
    ordered_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    ordered_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ordered_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="logistics_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item}"
