"""A 112 call or an ambulance mission recorded as a contact on an episode at home.

Glossary: ambulanssjukvården = the ambulance service; 112-samtal = an emergency call;
ambulansinsats = an ambulance mission; trygghetsplats = safety bed.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode


class AmbulanceContact(models.Model):
    class Kind(models.TextChoices):
        CALL_112 = "call_112", _("112-samtal")
        MISSION = "mission", _("Ambulansinsats")

    episode = models.ForeignKey(
        Episode, on_delete=models.PROTECT, related_name="ambulance_contacts"
    )
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("tidpunkt"))
    summary = models.CharField(_("vad som hände"), max_length=500)
    transported = models.BooleanField(_("transporterad till sjukhus"), default=False)
    note = models.TextField(_("anteckning"), blank=True, max_length=2000)
    recorded_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("112-samtal eller ambulansinsats")
        verbose_name_plural = _("112-samtal och ambulansinsatser")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["call_112", "mission"]), name="ambulance_contact_kind"
            ),
            models.CheckConstraint(
                condition=~Q(summary=""), name="ambulance_contact_summary_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(occurred_at__lte=models.F("created_at")),
                name="ambulance_contact_not_in_future",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.episode_id} {self.occurred_at:%Y-%m-%d %H:%M}"
