"""Patients, next of kin, care relationships and emergency access grants.

A staff member may read a patient only through a care relationship
(vårdrelation) between one of their units and the patient, or through a logged
emergency access (nödåtkomst). policy.py decides; selectors.py applies it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Organisation, Staff, Unit
from hemma.accounts.validators import validate_phone
from hemma.clinical.identifiers import PersonalIdentity


class Patient(models.Model):
    class IdentityKind(models.TextChoices):
        PERSONNUMMER = "personnummer", _("Personnummer")
        SAMORDNINGSNUMMER = "samordningsnummer", _("Samordningsnummer")

    class Sex(models.TextChoices):
        FEMALE = "female", _("Kvinna")
        MALE = "male", _("Man")

    # A random id in URLs and the FHIR API, so ids do not reveal how many patients exist.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    personal_number = models.CharField(
        _("personnummer"), max_length=12, unique=True, help_text=_("12 siffror med sekel.")
    )
    identity_kind = models.CharField(_("typ av nummer"), max_length=20, choices=IdentityKind)
    first_name = models.CharField(_("förnamn"), max_length=100)
    last_name = models.CharField(_("efternamn"), max_length=100)
    birth_date = models.DateField(_("födelsedatum"))
    sex = models.CharField(_("kön"), max_length=10, choices=Sex.choices)
    street_address = models.CharField(_("gatuadress"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=6, blank=True)
    city = models.CharField(_("ort"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("latitud"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitud"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    phone = models.CharField(_("telefon"), max_length=30, blank=True, validators=[validate_phone])
    preferred_language = models.CharField(_("föredraget språk"), max_length=50, default="svenska")
    listed_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="listed_patients",
        limit_choices_to={"kind": Unit.Kind.PRIMARY_CARE},
        verbose_name=_("listad vårdcentral"),
    )
    home_municipality = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        limit_choices_to={"kind": Organisation.Kind.MUNICIPALITY},
        verbose_name=_("hemkommun"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patienter")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(personal_number__regex=r"^[0-9]{12}$"),
                name="patient_personal_number_12_digits",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="patient_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="patient_longitude_range",
            ),
            # Coordinates come in pairs: a visit planner cannot use half a position.
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="patient_coordinates_paired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.formatted_personal_number})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def age(self) -> int:
        today = timezone.localdate()
        had_birthday = (today.month, today.day) >= (self.birth_date.month, self.birth_date.day)
        return today.year - self.birth_date.year - (0 if had_birthday else 1)

    @property
    def formatted_personal_number(self) -> str:
        return f"{self.personal_number[:8]}-{self.personal_number[8:]}"

    def apply_identity(self, identity: PersonalIdentity) -> None:
        """Birth date and sex are derived from the number, never typed in."""
        self.personal_number = identity.number
        self.identity_kind = identity.kind
        self.birth_date = identity.birth_date
        self.sex = identity.sex


class NextOfKin(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="next_of_kin")
    name = models.CharField(_("namn"), max_length=200)
    relation = models.CharField(_("relation"), max_length=100, help_text=_("T.ex. make, dotter."))
    phone = models.CharField(_("telefon"), max_length=30, validators=[validate_phone])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("närstående")
        verbose_name_plural = _("närstående")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"


class CareRelationship(models.Model):
    """A unit's care relationship with a patient: the basis of access (inre sekretess)."""

    class Basis(models.TextChoices):
        CARE_TEAM = "care_team", _("Vårdteam")
        EPISODE = "episode", _("Vårdtillfälle i hemmet")
        LISTING = "listing", _("Listning")

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="care_relationships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="care_relationships")
    basis = models.CharField(_("grund"), max_length=20, choices=Basis, default=Basis.CARE_TEAM)
    started_at = models.DateTimeField(_("från"), auto_now_add=True)
    ended_at = models.DateTimeField(_("till"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("vårdrelation")
        verbose_name_plural = _("vårdrelationer")
        constraints = [
            # One open relationship per unit and patient; the policy query
            # `CareRelationship.objects.filter(unit__in=…, ended_at__isnull=True)` uses it.
            models.UniqueConstraint(
                fields=["patient", "unit"],
                condition=Q(ended_at__isnull=True),
                name="care_relationship_one_active_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="care_relationship_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.patient_id}"


class EmergencyAccess(models.Model):
    """Nödåtkomst: access without a care relationship, with a stated reason, flagged for review."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="emergency_accesses")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    reason = models.TextField(_("skäl"))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(_("granskningskommentar"), blank=True)
    # An access that temporarily opens information the patient has blocked (spärr) from the
    # staff member's care provider. Only with the patient's consent given at that moment
    # (recorded here); it opens no record by itself (the care relationship does that).
    opens_blocks = models.BooleanField(_("häver spärr tillfälligt"), default=False)
    patient_consent = models.BooleanField(_("patienten samtycker"), default=False)

    class Meta:
        verbose_name = _("nödåtkomst")
        verbose_name_plural = _("nödåtkomster")
        ordering = ["-created_at"]
        indexes = [
            # "Unreviewed emergency accesses" on the log review page.
            models.Index(
                fields=["created_at"],
                condition=Q(reviewed_at__isnull=True),
                name="emergency_access_unreviewed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="emergency_access_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(opens_blocks=False) | Q(patient_consent=True),
                name="emergency_access_block_opening_needs_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} → {self.patient_id} ({self.created_at:%Y-%m-%d %H:%M})"


class SharingConsent(models.Model):
    """The patient's consent to information sharing between region and municipality
    (sammanhållen journalföring). Without an active one a municipal unit cannot read the
    shared record (only by emergency access); revoking takes effect at once."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="sharing_consents")
    given_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        "accounts.Staff", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    note = models.CharField(_("kommentar"), max_length=500, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.Staff", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(revoked_at__isnull=True),
                name="sharing_consent_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"Samtycke {self.patient_id}"


class Block(models.Model):
    """Spärr (patientdatalagen 4 kap. 4 §, 6 kap. 2–3 §§): the patient blocks what one care
    unit has documented from the staff of other care providers in the shared record. Staff
    of the blocked unit's own care provider (organisation) are not affected. Lifted only on
    the patient's request, and the lifting is recorded; a block is never deleted."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="blocks")
    blocked_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("spärrad enhet")
    )
    note = models.CharField(_("patientens önskemål"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("spärrad"), auto_now_add=True)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(_("hävd"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("spärr")
        verbose_name_plural = _("spärrar")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One active block per patient and unit; the policy reads the active ones.
            models.UniqueConstraint(
                fields=["patient", "blocked_unit"],
                condition=Q(lifted_at__isnull=True),
                name="block_one_active_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(lifted_at__gte=models.F("created_at")),
                name="block_lifted_after_created",
            ),
            # A lifting is recorded whole: when, by whom, for which unit.
            models.CheckConstraint(
                condition=Q(
                    lifted_at__isnull=True, lifted_by__isnull=True, lifted_unit__isnull=True
                )
                | Q(lifted_at__isnull=False, lifted_by__isnull=False, lifted_unit__isnull=False),
                name="block_lifting_recorded_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"Spärr {self.blocked_unit_id} – {self.patient_id}"


class AmbulanceConsent(models.Model):
    """The patient's consent to the ambulance service being informed that they are cared
    for at home (the safety place, what to do, the ward's number). Recorded by the ward of
    the episode; while active, the region's ambulance units list the patient when at home
    (policy.ambulance_patients_visible_to). Revoking takes effect at once."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="ambulance_consents"
    )
    given_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    recorded_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("kommentar"), max_length=500, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("samtycke till att ambulansen informeras")
        verbose_name_plural = _("samtycken till att ambulansen informeras")
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(revoked_at__isnull=True),
                name="ambulance_consent_one_active",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="ambulance_consent_revocation_recorded_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"Ambulanssamtycke {self.patient_id}"
