"""A hospital-at-home episode (one stay at home) and what the flow records on it.

Glossary: tidig hemgång = early discharge, trygghetsplats = safety bed,
direktinläggning = direct admission, utskrivningskriterier = discharge criteria.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hemma.accounts.models import Staff, Unit
from hemma.clinical import episode_states as states
from hemma.patients.models import Patient


class Episode(models.Model):
    class State(models.TextChoices):
        CANDIDATE = states.CANDIDATE, _("Kandidat")
        ASSESSED = states.ASSESSED, _("Bedömd")
        AGREED = states.AGREED, _("Överenskommen")
        PREPARING = states.PREPARING, _("Förbereds")
        AT_HOME = states.AT_HOME, pgettext_lazy("episode state", "Hemma")
        READMITTED = states.READMITTED, _("Direktinlagd")
        DISCHARGED = states.DISCHARGED, _("Utskriven")
        CANCELLED = states.CANCELLED, _("Avbruten")
        DIED = states.DIED, _("Avliden")
        TRANSFERRED = states.TRANSFERRED, _("Överflyttad")

    class EndReason(models.TextChoices):
        """Why care at home ended (blank while it goes on, and for a cancelled episode)."""

        CRITERIA_MET = "criteria_met", _("Utskrivningskriterierna uppfyllda")
        PATIENT_REQUEST = "patient_request", _("Patientens eller närståendes önskan")
        DIED = "died", _("Avliden i hemmet")
        TRANSFERRED = "transferred", _("Överflyttad till annan avdelning eller sjukhus")

    class Pathway(models.TextChoices):
        EARLY_DISCHARGE = "early_discharge", _("Tidig hemgång")
        ADMISSION_AVOIDANCE = "admission_avoidance", _("Direkt till vård i hemmet")
        STROKE_ESD = "stroke_esd", _("Tidig understödd utskrivning efter stroke")

    class Visiting(models.TextChoices):
        """Who visits the patient at home; the visiting unit is `home_health_unit`."""

        HOME_HEALTH = "home_health", _("Kommunens hemsjukvård")
        MOBILE_TEAM = "mobile_team", _("Sjukhusets mobila team")
        STROKE_TEAM = "stroke_team", _("Strokteam (tidig understödd utskrivning)")
        # Plan B: the ward follows the patient by self-monitoring, video round and phone.
        NONE = "none", _("Inget besökande team (Plan B: avdelningen följer på distans)")

    # The unit kind that does each kind of visiting.
    VISITING_UNIT_KIND = {
        "home_health": "home_health_care",
        "mobile_team": "mobile_team",
        "stroke_team": "stroke_team",
    }

    class Tier(models.TextChoices):
        KIM = "kim", _("Kim – inget behov av hemtjänst")
        LISA = "lisa", _("Lisa – befintlig hemtjänst räcker")
        OMAR = "omar", _("Omar – behöver utökad hemtjänst")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    ward = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="ward_episodes", verbose_name=_("avdelning")
    )
    visiting = models.CharField(
        _("besökande team"), max_length=20, choices=Visiting, default=Visiting.HOME_HEALTH
    )
    # The visiting unit: municipal home health care, or the hospital's mobile or stroke
    # team (the name is from when only home health care visited).
    home_health_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="home_health_episodes",
        verbose_name=_("besökande enhet"),
    )
    pathway = models.CharField(
        _("väg in"), max_length=30, choices=Pathway, default=Pathway.EARLY_DISCHARGE
    )
    state = models.CharField(_("status"), max_length=20, choices=State, default=State.CANDIDATE)
    tier = models.CharField(_("persona"), max_length=10, choices=Tier, blank=True)
    flag_reason = models.CharField(_("varför kandidat"), max_length=500, blank=True)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    at_home_since = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Lag (2017:612): the statutory notices' times, and the SIP deadline derived from them.
    admission_notice_at = models.DateTimeField(_("inskrivningsmeddelande"), null=True, blank=True)
    ready_for_discharge_at = models.DateTimeField(_("utskrivningsklar"), null=True, blank=True)
    discharge_summary = models.TextField(_("utskrivningsanteckning"), blank=True)
    end_reason = models.CharField(
        _("avslutsorsak"), max_length=20, choices=EndReason, blank=True, default=""
    )
    # A death at home: when, who confirmed it (the physician's name and title), expected.
    died_at = models.DateTimeField(_("dödsfallets tidpunkt"), null=True, blank=True)
    death_confirmed_by = models.CharField(
        _("dödsfallet konstaterat av"), max_length=200, blank=True
    )
    death_expected = models.BooleanField(_("förväntat dödsfall"), null=True, blank=True)
    transferred_to = models.CharField(_("överflyttad till"), max_length=200, blank=True)
    # Bumped by every state change: a form posted against an older version is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("vårdtillfälle i hemmet")
        verbose_name_plural = _("vårdtillfällen i hemmet")
        ordering = ["-created_at"]
        constraints = [
            # One open episode per patient; the ward worklist's
            # `filter(ward=…).exclude(state__in=FINAL)` uses the same condition.
            models.UniqueConstraint(
                fields=["patient"],
                condition=~Q(state__in=sorted(states.FINAL_STATES)),
                name="episode_one_open_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(state__in=list(states.STATES)), name="episode_state_valid"
            ),
            # A death is recorded with its time and who confirmed it; a transfer with where.
            models.CheckConstraint(
                condition=~Q(state=states.DIED)
                | (Q(died_at__isnull=False) & ~Q(death_confirmed_by="")),
                name="episode_death_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(state=states.TRANSFERRED) | ~Q(transferred_to=""),
                name="episode_transfer_destination",
            ),
            # Plan B has no visiting unit.
            models.CheckConstraint(
                condition=~Q(visiting="none") | Q(home_health_unit__isnull=True),
                name="episode_plan_b_no_visiting_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient.full_name} – {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.state not in states.FINAL_STATES


class EpisodeTransition(models.Model):
    """The timeline: who moved the episode, when, and why."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=Episode.State, blank=True)
    to_state = models.CharField(max_length=20, choices=Episode.State)
    by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("varför"), max_length=1000, blank=True)

    class Meta:
        ordering = ["at", "id"]
        # the follow-up dashboard counts direct admissions (to_state) in a period
        indexes = [models.Index(fields=["to_state", "at"], name="transition_state_at")]

    def __str__(self) -> str:
        return f"{self.from_state or '–'} → {self.to_state}"


class Assessment(models.Model):
    """The joint suitability assessment; the physician's decision closes it."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="assessment")
    medically_stable = models.BooleanField(_("medicinskt stabil"), default=False)
    iv_access = models.BooleanField(_("fungerande infart (PVK/PICC)"), default=False)
    home_situation_ok = models.BooleanField(_("hemsituationen fungerar"), default=False)
    next_of_kin_support = models.BooleanField(_("stöd av närstående"), default=False)
    home_care_needs_met = models.BooleanField(_("hemtjänstbehov tillgodosedda"), default=False)
    assistive_devices_ok = models.BooleanField(_("hjälpmedel ordnade/behövs ej"), default=False)
    can_self_monitor = models.BooleanField(_("kan egenmonitorera"), default=False)
    distance_ok = models.BooleanField(_("avstånd/transport fungerar"), default=False)
    nurse_note = models.TextField(_("sjuksköterskans bedömning"), blank=True)
    therapist_note = models.TextField(_("FT/AT:s bedömning"), blank=True)
    suitable = models.BooleanField(_("lämplig"), null=True)
    decision_reason = models.TextField(_("motivering"), blank=True)
    decided_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    CHECKS = (
        "medically_stable",
        "iv_access",
        "home_situation_ok",
        "next_of_kin_support",
        "home_care_needs_met",
        "assistive_devices_ok",
        "can_self_monitor",
        "distance_ok",
    )

    def __str__(self) -> str:
        return f"Bedömning {self.episode_id}"


class Consent(models.Model):
    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="consent")
    patient_informed = models.BooleanField(_("patienten informerad"))
    next_of_kin_informed = models.BooleanField(_("närstående informerade"))
    brochure_given = models.BooleanField(_("broschyr given"))
    patient_agrees = models.BooleanField(_("patienten vill och känner sig trygg"))
    shares_information = models.BooleanField(
        _("samtycker till informationsdelning mellan region och kommun")
    )
    recorded_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Samtycke {self.episode_id}"


class ChecklistItem(models.Model):
    """The pre-discharge checklist: each item done, or not applicable with a reason."""

    class Key(models.TextChoices):
        CONSENT = "consent", _("Samtycke dokumenterat")
        AGREEMENT_GIVEN = "agreement_given", _("Överenskommelsen given till patienten")
        CARE_REQUEST_ACCEPTED = "care_request_accepted", _("Vårdbegäran accepterad")
        MEDICINES_PACKED = "medicines_packed", _("Läkemedel och material packat")
        IV_ACCESS = "iv_access", _("Infart (PVK/PICC) på plats")
        SAMPLES_TAKEN = "samples_taken", _("Prover tagna enligt ordination")
        VIDEO_TESTED = "video_tested", _("Videoappen testad med patienten")
        SAFETY_BED = "safety_bed", _("Trygghetsplats reserverad")
        TRANSPORT = "transport", _("Transport ordnad")

    class Status(models.TextChoices):
        OPEN = "open", _("Ej klar")
        DONE = "done", _("Klar")
        NOT_APPLICABLE = "not_applicable", _("Ej aktuell")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="checklist")
    key = models.CharField(max_length=30, choices=Key)
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    note = models.CharField(_("kommentar/skäl"), max_length=500, blank=True)
    by = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "key"], name="checklist_item_unique"),
            models.CheckConstraint(
                condition=~Q(status="not_applicable") | ~Q(note=""),
                name="checklist_not_applicable_needs_reason",
            ),
        ]
        # the follow-up dashboard asks, per episode, which item was done last
        indexes = [
            models.Index(
                fields=["episode", "-at"], condition=Q(at__isnull=False), name="checklist_done_at"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()}: {self.get_status_display()}"

    @property
    def set_on_the_page(self) -> bool:
        """Whether the checklist form offers the item: the safety place is ticked by its
        reservation only (services.safety_bed_reserve)."""
        return self.key != self.Key.SAFETY_BED


class SafetyBed(models.Model):
    """A trygghetsplats: a place on top of the ward's beds ("plats 23" on a 22-bed ward)."""

    ward = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="safety_beds")
    label = models.CharField(_("plats"), max_length=50)
    # Out of service (a broken bed, closed for the summer): never reserved, kept for history.
    in_service = models.BooleanField(_("i drift"), default=True)

    class Meta:
        ordering = ["ward", "label"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "label"], name="safety_bed_label_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ward.name} – {self.label}"


class SafetyBedReservation(models.Model):
    bed = models.ForeignKey(SafetyBed, on_delete=models.PROTECT, related_name="reservations")
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="bed_reservations")
    reserved_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    reserved_at = models.DateTimeField(auto_now_add=True)
    occupied_at = models.DateTimeField(null=True, blank=True)  # direct admission
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A place holds one reservation at a time; `filter(released_at=None)` finds it.
            models.UniqueConstraint(
                fields=["bed"], condition=Q(released_at__isnull=True), name="safety_bed_one_active"
            ),
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(released_at__isnull=True),
                name="safety_bed_one_per_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bed} ← {self.episode_id}"


class Referral(models.Model):
    """Remiss/information to the listed primary care centre after discharge."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="referrals")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="referrals")
    text = models.TextField(_("remisstext"))
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Remiss {self.episode_id} → {self.to_unit}"
