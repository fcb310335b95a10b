"""Self-monitoring at home: observation sets with their NEWS2, personal thresholds, the
SpO2 scale, alerts, patient devices, and the daily digital round.

Maps to FHIR R4 (docs/fhir.md): an ObservationSet is served as one vital-signs
Observation per parameter plus a NEWS2 Observation (hemma.fhirapi.resources).

Long module: the app's tables with their constraints, read together when a migration or
a constraint changes; splitting models across files would hide the constraints.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode
from hemma.patients.models import Patient


class Level(models.TextChoices):
    """RCP clinical risk, plus a personal threshold crossed and an overdue measurement."""

    LOW = "low", _("Låg")
    LOW_MEDIUM = "low_medium", _("Låg–medel (enskild parameter 3)")
    MEDIUM = "medium", _("Medel")
    HIGH = "high", _("Hög")
    PERSONAL = "personal", _("Personlig gräns")
    OVERDUE = "overdue", _("Mätning saknas")


RESPONSES = {
    Level.LOW_MEDIUM: _(
        "Minst varje timme. Sjuksköterskan informerar läkaren, som bedömer om vården ska eskaleras."
    ),
    Level.MEDIUM: _(
        "Minst varje timme. Sjuksköterskan informerar läkaren omedelbart; brådskande "
        "bedömning. Läkaren beslutar direkt om hembesök eller direktinläggning."
    ),
    Level.HIGH: _(
        "Kontinuerlig övervakning. Läkaren informeras omedelbart; akut bedömning, överväg "
        "direktinläggning på trygghetsplatsen eller högre vårdnivå."
    ),
    Level.PERSONAL: _("Värdet ligger utanför patientens personliga gräns: bedöm patienten."),
    Level.OVERDUE: _("Kontakta patienten: den överenskomna mätningen saknas."),
}


class ObservationSet(models.Model):
    class Source(models.TextChoices):
        PATIENT = "patient", _("Patienten")
        NEXT_OF_KIN = "next_of_kin", _("Närstående")
        HOME_HEALTH = "home_health", _("Hemsjukvården")
        WARD = "ward", _("Avdelningen")
        DEVICE = "device", _("Mätutrustning (API)")

    class Method(models.TextChoices):
        DEVICE = "device", _("Mätare")
        MANUAL = "manual", _("Manuellt")

    class Consciousness(models.TextChoices):
        ALERT = "A", _("Vaken (A)")
        CONFUSION = "C", _("Ny förvirring (C)")
        VOICE = "V", _("Reagerar på tilltal (V)")
        PAIN = "P", _("Reagerar på smärta (P)")
        UNRESPONSIVE = "U", _("Reagerar inte (U)")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="observations")
    # Idempotency: a retry from the patient's device or an API client carries the same id.
    client_id = models.CharField(max_length=100)
    source = models.CharField(_("uppmätt av"), max_length=20, choices=Source)
    method = models.CharField(max_length=10, choices=Method, default=Method.DEVICE)
    recorded_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    measured_at = models.DateTimeField(_("uppmätt"))
    received_at = models.DateTimeField(_("mottaget"), auto_now_add=True)

    respiration_rate = models.PositiveSmallIntegerField(_("andningsfrekvens"), null=True)
    spo2 = models.PositiveSmallIntegerField(_("saturation"), null=True)
    on_oxygen = models.BooleanField(_("syrgas"), null=True)
    systolic_bp = models.PositiveSmallIntegerField(_("systoliskt blodtryck"), null=True)
    diastolic_bp = models.PositiveSmallIntegerField(_("diastoliskt blodtryck"), null=True)
    pulse = models.PositiveSmallIntegerField(_("puls"), null=True)
    consciousness = models.CharField(
        _("medvetandegrad"), max_length=1, choices=Consciousness, blank=True
    )
    temperature = models.DecimalField(_("temperatur"), max_digits=3, decimal_places=1, null=True)

    class Feeling(models.TextChoices):
        """The patient's answer to "Hur mår du?" on the tablet."""

        BETTER = "better", _("Bättre")
        SAME = "same", _("Som vanligt")
        WORSE = "worse", _("Sämre")

    feeling = models.CharField(_("hur mår du"), max_length=20, choices=Feeling, blank=True)
    note = models.TextField(_("kommentar"), blank=True)

    # NEWS2 (RCP 2017) of the set, as computed when it arrived.
    spo2_scale = models.PositiveSmallIntegerField(default=1)
    news2_total = models.PositiveSmallIntegerField()
    news2_scores = models.JSONField(default=dict)
    news2_level = models.CharField(max_length=20, choices=Level)
    news2_complete = models.BooleanField()
    news2_missing = models.JSONField(default=list)

    class Meta:
        ordering = ["-measured_at", "-id"]
        indexes = [models.Index(fields=["episode", "-measured_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "client_id"], name="observation_client_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(spo2__isnull=True) | Q(spo2__lte=100), name="observation_spo2_range"
            ),
            models.CheckConstraint(
                condition=Q(temperature__isnull=True) | Q(temperature__gte=25, temperature__lte=45),
                name="observation_temperature_range",
            ),
            models.CheckConstraint(
                condition=Q(spo2_scale__in=[1, 2]), name="observation_spo2_scale_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"NEWS2 {self.news2_total} ({self.measured_at:%Y-%m-%d %H:%M})"


class Reading(models.Model):
    """One request's values (the patient's form, a staff entry, a FHIR group) as received:
    its client id makes a retry idempotent, and it tells which values of its set came when
    and from whom. Readings within HEMMA_NEWS2_SET_MINUTES form one set (one NEWS2)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="+")
    observation = models.ForeignKey(
        ObservationSet, on_delete=models.CASCADE, related_name="readings"
    )
    client_id = models.CharField(max_length=100)
    source = models.CharField(max_length=20, choices=ObservationSet.Source)
    recorded_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    measured_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    parameters = models.JSONField(default=list)  # the value fields this reading gave
    # How far the sending device's clock was off (server minus device, seconds) when that
    # was more than HEMMA_CLOCK_SKEW_SECONDS: measured_at was corrected by it, and staff
    # see the reading flagged. None: the clock was right or the sender is the server.
    clock_offset_seconds = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["measured_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "client_id"], name="reading_client_id_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client_id} ({self.measured_at:%Y-%m-%d %H:%M})"


class Spo2ScaleDecision(models.Model):
    """SpO2 scale 2 only for confirmed hypercapnic respiratory failure, set by a physician.
    The newest decision for the patient applies."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    scale = models.PositiveSmallIntegerField(choices=[(1, "1"), (2, "2")])
    reason = models.CharField(_("motivering"), max_length=500)
    decided_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(scale__in=[1, 2]), name="spo2_scale_1_2")]

    def __str__(self) -> str:
        return f"SpO2-skala {self.scale}"


class PersonalThreshold(models.Model):
    """A physician's personal alert limits for one parameter (e.g. chronic atrial
    fibrillation: pulse up to 110 expected). A value outside them alerts."""

    class Parameter(models.TextChoices):
        RESPIRATION_RATE = "respiration_rate", _("Andningsfrekvens")
        SPO2 = "spo2", _("Saturation")
        SYSTOLIC_BP = "systolic_bp", _("Systoliskt blodtryck")
        PULSE = "pulse", _("Puls")
        TEMPERATURE = "temperature", _("Temperatur")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    parameter = models.CharField(_("parameter"), max_length=20, choices=Parameter)
    low = models.DecimalField(_("lägsta"), max_digits=4, decimal_places=1, null=True, blank=True)
    high = models.DecimalField(_("högsta"), max_digits=4, decimal_places=1, null=True, blank=True)
    reason = models.CharField(_("motivering"), max_length=500)
    set_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["parameter"]
        constraints = [
            models.CheckConstraint(
                condition=Q(low__isnull=False) | Q(high__isnull=False),
                name="threshold_has_a_limit",
            ),
            models.UniqueConstraint(
                fields=["patient", "parameter"],
                condition=Q(ended_at__isnull=True),
                name="threshold_one_active_per_parameter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_parameter_display()} {self.low or ''}–{self.high or ''}"


class Alert(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Nytt")
        ACKNOWLEDGED = "acknowledged", _("Kvitterat")
        RESOLVED = "resolved", _("Åtgärdat")

    class Kind(models.TextChoices):
        """What raised the alert. `level` stays the clinical priority whatever the kind, so a
        concern is shown next to NEWS2 and sorted with it, never instead of it."""

        VITALS = "vitals", _("Vitalparametrar")
        PATIENT_CONCERN = "patient_concern", _("Patientens oro")
        VISIT_CONCERN = "visit_concern", _("Oro vid hembesök")
        MISSED_DOSE = "missed_dose", _("Dos inte given i tid")
        LAB = "lab", _("Provsvar")

    class Action(models.TextChoices):
        PHONED = "phoned", _("Ringde patienten")
        HOME_VISIT = "home_visit", _("Besök av hemsjukvården")
        PHYSICIAN = "physician", _("Läkarbedömning")
        DIRECT_ADMISSION = "direct_admission", _("Direktinläggning")
        NO_ACTION = "no_action", _("Ingen åtgärd behövs")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="alerts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="alerts")
    observation = models.ForeignKey(
        ObservationSet, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    kind = models.CharField(_("typ"), max_length=20, choices=Kind, default=Kind.VITALS)
    level = models.CharField(_("nivå"), max_length=20, choices=Level)
    reasons = models.JSONField(default=list)
    response = models.TextField(_("rekommenderad åtgärd"), blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    acknowledged_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The escalation chain (services/alerts.py): the step reached (0 none, 1 the roster's
    # on-call physician, 2 the deputy, 3 the ward's final step), when and to whom (a Staff,
    # or the final step's instruction text); `escalation_failed` when the chain had nowhere
    # to go. Each step is also an AlertEvent on the alert's timeline.
    escalation_step = models.PositiveSmallIntegerField(default=0)
    escalation_failed = models.BooleanField(default=False)
    # A failed chain is tried again from step 1 once the ward has someone new to escalate
    # to (the roster filled in later): each try is a round of steps on the timeline.
    escalation_round = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_to_text = models.CharField(max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    action = models.CharField(_("åtgärd"), max_length=20, choices=Action, blank=True)
    action_note = models.TextField(_("anteckning"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved") | ~Q(action=""),
                name="alert_resolved_needs_action",
            ),
            # One patient-concern alert per set: a resend or a joining reading never
            # raises a second one.
            models.UniqueConstraint(
                fields=["observation"],
                condition=Q(kind="patient_concern"),
                name="alert_one_patient_concern_per_set",
            ),
            models.CheckConstraint(
                condition=Q(escalation_step__lte=3), name="alert_escalation_step_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} ({self.get_status_display()})"

    @property
    def recommended_response(self) -> str:
        """RCP's response for the level (Chart 4), adapted to hospital care at home; an
        alert of another kind (the patient's concern) says its own response."""
        if self.kind != self.Kind.VITALS and self.response:
            return self.response
        return RESPONSES.get(self.level, "")


class AlertEvent(models.Model):
    """One step of an alert's escalation chain, on the alert's timeline: to whom (a
    physician, or the ward's final-step instruction) or that it failed (nothing
    configured). One event per step: the database backs the worker's claim."""

    class Kind(models.TextChoices):
        ESCALATED = "escalated", _("Eskalerat")
        FAILED = "failed", _("Eskaleringen misslyckades")

    class Step(models.IntegerChoices):
        ON_CALL = 1, _("Jourhavande läkare")
        DEPUTY = 2, _("Bakjour/ersättare")
        FINAL = 3, _("Sista steg")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    step = models.PositiveSmallIntegerField(choices=Step)
    kind = models.CharField(max_length=20, choices=Kind)
    to_staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_text = models.CharField(max_length=500, blank=True)
    round = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["at", "round", "step"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "round", "step"], name="alert_event_one_per_step"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} steg {self.step}: {self.kind}"


class DeviceEnrolment(models.Model):
    """The patient's tablet or phone: a one-time code the ward hands out, exchanged for a
    revocable token bound to this one episode (no staff account, no BankID here).

    The code is claimed once, either by the patient's page (`kind` page: the page's cookie
    token, `token_hash`, opens /patient/ only) or by a vendor's device through the token
    endpoint (`kind` api: expiring DeviceApiTokens, which open the FHIR ingestion only)."""

    class Kind(models.TextChoices):
        PAGE = "page", _("Patientens sida")
        API = "api", _("API-integration")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="devices")
    code_hash = models.CharField(max_length=64, unique=True)
    code_expires_at = models.DateTimeField()
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.PAGE)
    label = models.CharField(_("enhet"), max_length=100, blank=True)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # When an API token pair was last issued (the claim or a refresh); shown to the ward.
    api_refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Enhet {self.label or self.pk} ({self.episode_id})"


class DeviceApiToken(models.Model):
    """One access/refresh token pair of an API-enrolled device (both stored only hashed).

    A refresh rotates: this pair is marked `rotated_at` (both its tokens stop working) and
    a new pair is issued. A rotated pair is kept until its refresh token would have expired,
    so a second use of that refresh token is recognised as a leak and revokes every pair of
    the enrolment (refresh-token reuse detection)."""

    enrolment = models.ForeignKey(
        DeviceEnrolment, on_delete=models.CASCADE, related_name="api_tokens"
    )
    access_hash = models.CharField(max_length=64, unique=True)
    access_expires_at = models.DateTimeField()
    refresh_hash = models.CharField(max_length=64, unique=True)
    refresh_expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"API-token {self.pk} ({self.enrolment_id})"


class RoundEntry(models.Model):
    """The daily digital round (distansrond): one patient's decision on one day."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("Fortsätt enligt plan")
        REVISE = "revise", _("Revidera överenskommelsen")
        DISCHARGE = "discharge", _("Utskrivningssamtal")
        DIRECT_ADMISSION = "direct_admission", _("Direktinläggning")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="round_entries")
    ward = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("dag"))
    participants = models.JSONField(_("deltagare"), default=list)
    decision = models.CharField(_("beslut"), max_length=20, choices=Decision)
    note = models.TextField(_("anteckning"), blank=True)
    video_link = models.URLField(_("länk till videomötet"), blank=True)
    recorded_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "episode"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "day"], name="round_entry_one_per_day")
        ]

    def __str__(self) -> str:
        return f"Rond {self.day} {self.episode_id}: {self.decision}"


class MonitoringPlan(models.Model):
    """How often the agreed measurements are due (e.g. vitals 3 times a day = every 8 h)."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="monitoring")
    interval_hours = models.PositiveSmallIntegerField(_("mätning var N:e timme"), default=8)
    set_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_hours__gte=1, interval_hours__lte=72),
                name="monitoring_interval_range",
            )
        ]

    def __str__(self) -> str:
        return f"Var {self.interval_hours}:e timme"


class DutyPhysician(models.Model):
    """ "Jag har jouren": a physician of the ward takes the current roster slot's on-call
    role now (a swap, a sick colleague). It holds until the slot it was taken in ends
    (`since` within the slot); then the roster applies again."""

    ward = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="duty_physician")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    since = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.ward}: {self.staff}"


class DutySlot(models.TextChoices):
    """The roster's slots (hemma/monitoring/duty_slots.py): weekdays day 08–16, evening
    16–21, night 21–08; the weekend from Friday 16 to Monday 08."""

    DAY = "day", _("Dag (vardagar 08–16)")
    EVENING = "evening", _("Kväll (mån–tor 16–21)")
    NIGHT = "night", _("Natt (mån–tor 21–08)")
    WEEKEND = "weekend", _("Helg (fre 16 – mån 08)")


class DutyRosterEntry(models.Model):
    """The ward's on-call physician and deputy for one slot of its duty roster."""

    ward = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="duty_roster")
    slot = models.CharField(_("pass"), max_length=10, choices=DutySlot)
    on_call = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("jourhavande läkare")
    )
    deputy = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ersättare"),
    )
    changed_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ward", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "slot"], name="duty_roster_one_per_slot"),
            models.CheckConstraint(
                condition=~Q(deputy=models.F("on_call")), name="duty_roster_deputy_not_on_call"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ward}: {self.slot}"


class EscalationFinalStep(models.Model):
    """Where the ward's escalation chain ends when neither the on-call physician nor the
    deputy acknowledged: a named physician (the hospital's on-call physician) and/or an
    instruction (e.g. "Ring sjukhusets primärjour 010-123 45 00")."""

    ward = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="escalation_final")
    staff = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("läkare"),
    )
    instruction = models.CharField(_("instruktion"), max_length=500, blank=True)
    changed_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(staff__isnull=False) | ~Q(instruction=""),
                name="escalation_final_has_a_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ward}: {self.staff or self.instruction}"


class FhirIdentifier(models.Model):
    """An ingested FHIR Observation's identifier (system, value): a resend is stored once.
    Unique per episode, not across the database: two patients' devices may use the same
    identifier, and one patient's reading never hides another's."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="+")
    system = models.CharField(max_length=255)
    value = models.CharField(max_length=255)
    observation = models.ForeignKey(
        ObservationSet, on_delete=models.CASCADE, related_name="fhir_identifiers"
    )
    # What the identifier was sent with (time and values): the same identifier with other
    # content is refused. Blank for identifiers stored before it was kept.
    content = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "system", "value"], name="fhir_identifier_unique_per_episode"
            )
        ]

    def __str__(self) -> str:
        return f"{self.system}|{self.value}"
