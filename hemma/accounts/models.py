"""Organisations (care providers), their care units, staff and unit memberships.

Glossary: region / kommun = region / municipality; vårdenhet = unit;
vårdcentral = primary care centre; hemsjukvård = home health care;
hemtjänst = home care.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hemma.errors import AppendOnlyError

from .validators import validate_hsa_id, validate_organisation_number, validate_phone


class Organisation(models.Model):
    """A care provider (vårdgivare / huvudman): a region, a municipality or a private provider."""

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        MUNICIPALITY = "municipality", _("Kommun")
        PRIVATE = "private", _("Privat vårdgivare")

    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("namn"), max_length=200, unique=True)
    organisation_number = models.CharField(
        _("organisationsnummer"),
        max_length=11,
        unique=True,
        validators=[validate_organisation_number],
        help_text=_("10 siffror, t.ex. 232100-0180."),
    )
    hsa_id = models.CharField(_("HSA-id"), max_length=31, unique=True, validators=[validate_hsa_id])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["region", "municipality", "private"]),
                name="organisation_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A care unit (vårdenhet) of an organisation: a ward, a primary care centre, …"""

    class Kind(models.TextChoices):
        WARD = "ward", _("Vårdavdelning")
        PRIMARY_CARE = "primary_care", _("Vårdcentral")
        HOME_HEALTH_CARE = "home_health_care", _("Hemsjukvård")
        HOME_CARE = "home_care", _("Hemtjänst")
        # The hospital's own teams that visit patients at home (region, not municipality).
        MOBILE_TEAM = "mobile_team", _("Sjukhusets mobila team")
        STROKE_TEAM = "stroke_team", _("Strokteam")
        AMBULANCE = "ambulance", _("Ambulans")
        OTHER = "other", _("Annan")

    # Units that can be an episode's visiting team: they get care requests, plan visits
    # and record at home.
    VISITING_KINDS = ("home_health_care", "mobile_team", "stroke_team")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="units", verbose_name=_("organisation")
    )
    name = models.CharField(_("namn"), max_length=200)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    hsa_id = models.CharField(_("HSA-id"), max_length=31, unique=True, validators=[validate_hsa_id])
    phone = models.CharField(_("telefon"), max_length=30, blank=True, validators=[validate_phone])
    beds = models.PositiveSmallIntegerField(
        _("antal vårdplatser"), null=True, blank=True, help_text=_("Endast för vårdavdelningar.")
    )

    class Meta:
        verbose_name = _("vårdenhet")
        verbose_name_plural = _("vårdenheter")
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="unit_name_unique_per_organisation"
            ),
            # A ward has beds (the safety bed is counted from them); other units have none.
            models.CheckConstraint(
                # beds__isnull=False: a CHECK passes on NULL, so a bedless ward must be explicit.
                condition=Q(kind="ward", beds__isnull=False, beds__gte=1, beds__lte=500)
                | (~Q(kind="ward") & Q(beds__isnull=True)),
                name="unit_beds_only_for_wards",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    """The profile of a Django user who works in care."""

    class Profession(models.TextChoices):
        PHYSICIAN = "physician", _("Läkare")
        NURSE = "nurse", _("Sjuksköterska")
        ASSISTANT_NURSE = "assistant_nurse", _("Undersköterska")
        PHYSIOTHERAPIST = "physiotherapist", _("Fysioterapeut")
        OCCUPATIONAL_THERAPIST = "occupational_therapist", _("Arbetsterapeut")
        SPEECH_THERAPIST = "speech_therapist", _("Logoped")
        CARE_COORDINATOR = "care_coordinator", _("Vårdkoordinator")
        DISCHARGE_COORDINATOR = "discharge_coordinator", _("Utskrivningssamordnare")
        NEEDS_ASSESSOR = "needs_assessor", _("Biståndshandläggare")
        ADMINISTRATOR = "administrator", _("Administratör")
        # An integration's own profile (hemma.fhirapi.SystemClient): it reads through the
        # access policy like a person and is logged by name; it cannot log in.
        SYSTEM = "system", _("Systemklient")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    profession = models.CharField(_("yrke"), max_length=30, choices=Profession.choices)
    hsa_id = models.CharField(_("HSA-id"), max_length=31, unique=True, validators=[validate_hsa_id])
    units = models.ManyToManyField(Unit, through="Membership", related_name="staff")

    class Meta:
        verbose_name = _("personal")
        verbose_name_plural = _("personal")
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return (
            f"{self.user.get_full_name() or self.user.username} ({self.get_profession_display()})"
        )

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.username


class Membership(models.Model):
    """A staff member works for a unit, in a role."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Medarbetare")
        MANAGER = "manager", _("Chef")
        # Reviews the access log for the unit's organisation (PDL logguppföljning).
        LOG_REVIEWER = "log_reviewer", _("Logggranskare")

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("roll"), max_length=20, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("medlemskap")
        verbose_name_plural = _("medlemskap")
        constraints = [
            models.UniqueConstraint(fields=["staff", "unit"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} – {self.unit} ({self.get_role_display()})"


class AdministrationLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The administration log is append-only.")

    def delete(self):
        raise AppendOnlyError("The administration log is append-only.")

    bulk_update = update


class AdministrationLogEntry(models.Model):
    """Who changed which memberships, roles, professions, accounts and units (administrationslogg).

    Written only by hemma.accounts.services, in the same transaction as the change.
    Append-only like the access log (model, queryset and a database trigger refuse
    updates and deletes). `organisation` is the organisation whose data changed, so
    its log reviewers see the entry; a change touching two organisations is written
    once for each. Actor and target are also kept as text so the entry stays readable.
    """

    class Action(models.TextChoices):
        MEMBERSHIP_ADDED = "membership_added", _("Medlemskap tillagt")
        MEMBERSHIP_REMOVED = "membership_removed", _("Medlemskap borttaget")
        MEMBERSHIP_ROLE_CHANGED = "membership_role_changed", _("Roll ändrad")
        PROFESSION_CHANGED = "profession_changed", _("Yrke ändrat")
        STAFF_CREATED = "staff_created", _("Personal upplagd")
        STAFF_CHANGED = "staff_changed", _("Personaluppgifter ändrade")
        STAFF_DEACTIVATED = "staff_deactivated", _("Konto inaktiverat")
        STAFF_REACTIVATED = "staff_reactivated", _("Konto aktiverat igen")
        STAFF_DELETED = "staff_deleted", _("Personal borttagen")
        UNIT_CREATED = "unit_created", _("Vårdenhet upplagd")
        UNIT_CHANGED = "unit_changed", _("Vårdenhet ändrad")
        UNIT_DELETED = "unit_deleted", _("Vårdenhet borttagen")
        ORGANISATION_CREATED = "organisation_created", _("Organisation upplagd")
        ORGANISATION_CHANGED = "organisation_changed", _("Organisation ändrad")

    occurred_at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("utförd av"),
    )
    actor_display = models.CharField(_("utförd av (text)"), max_length=200)
    # Null only when no organisation is concerned yet (the operator set up a staff member
    # without memberships): such entries are not shown to any organisation's reviewers.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    target = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("gäller personal"),
    )
    target_display = models.CharField(_("gäller (text)"), max_length=200, blank=True)
    action = models.CharField(_("händelse"), max_length=30, choices=Action.choices)
    detail = models.CharField(_("detalj"), max_length=500, blank=True)

    objects = AdministrationLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrativ loggpost")
        verbose_name_plural = _("administrativa loggposter")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # Review: `filter(organisation_id__in=…).order_by("-occurred_at")`.
            models.Index(
                fields=["organisation", "-occurred_at"], name="adminlog_organisation_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_display} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The administration log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The administration log is append-only.")
