"""The access log (åtkomstlogg) required by patientdatalagen and HSLF-FS 2016:40.

Append-only: the model refuses updates and deletes, the queryset refuses bulk
updates and deletes, and a database trigger refuses UPDATE and DELETE so not even raw
SQL from the app can rewrite history; on PostgreSQL the app's role (hemma db_roles) may
only SELECT and INSERT, so it cannot drop the trigger or TRUNCATE either. Who, unit and
patient are also copied as text so the entry stays readable if a name changes.
Entries are kept at least 5 years; Hemma has no way to delete them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hemma.errors import AppendOnlyError


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The access log is append-only.")

    def delete(self):
        raise AppendOnlyError("The access log is append-only.")

    bulk_update = update


class AccessLogEntry(models.Model):
    class Action(models.TextChoices):
        VIEW_PATIENT = "view_patient", _("Öppnade patientens sida")
        EDIT_PATIENT = "edit_patient", _("Ändrade patientuppgifter")
        REGISTER_PATIENT = "register_patient", _("Registrerade patient")
        SEARCH = "search", _("Sökte patient")
        LIST_PATIENTS = "list_patients", _("Visade patientlista")
        EMERGENCY_ACCESS = "emergency_access", _("Nödåtkomst")
        LOG_EXTRACT = "log_extract", _("Loggutdrag för patient")
        EXPORT = "export", _("Export")
        API_READ = "api_read", _("API-läsning")

    class Purpose(models.TextChoices):
        CARE = "care", _("Vård och behandling")
        EMERGENCY = "emergency", _("Nödåtkomst")
        LOG_REVIEW = "log_review", _("Logguppföljning")

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("Beviljad")
        DENIED = "denied", _("Nekad")

    occurred_at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    user_display = models.CharField(_("användare"), max_length=200)
    staff_hsa_id = models.CharField(_("HSA-id"), max_length=31, blank=True)
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, null=True, related_name="+")
    unit_display = models.CharField(_("enhet"), max_length=200, blank=True)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, related_name="+"
    )
    patient_display = models.CharField(_("patient"), max_length=200, blank=True)
    action = models.CharField(_("händelse"), max_length=30, choices=Action.choices)
    detail = models.CharField(_("detalj"), max_length=500, blank=True)
    purpose = models.CharField(_("ändamål"), max_length=20, choices=Purpose.choices)
    outcome = models.CharField(_("utfall"), max_length=10, choices=Outcome.choices)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("loggpost")
        verbose_name_plural = _("loggposter")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # Patient extract: `filter(patient=…).order_by("-occurred_at")`.
            models.Index(fields=["patient", "-occurred_at"], name="accesslog_patient_time"),
            # Review by staff member: `filter(user=…)`.
            models.Index(fields=["user", "-occurred_at"], name="accesslog_user_time"),
            models.Index(fields=["unit", "-occurred_at"], name="accesslog_unit_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.user_display} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The access log is append-only.")
