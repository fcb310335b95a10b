"""The documented agreement (dokumenterad överenskommelse) with the patient, and the
ward's templates for it.

An agreement is versioned: every revision is a new AgreementVersion and the earlier
ones stay readable. The content is structured (activities, contacts, discharge
criteria, what to do if worse, equipment) so that visits can later be planned from it.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode


class AgreementContent(models.Model):
    """The fields a template and an agreement version share.

    activities: [{"what", "who", "when"}]; contacts: [{"name", "phone", "hours"}];
    criteria and equipment: [str].
    """

    activities = models.JSONField(_("planerade aktiviteter"), default=list, blank=True)
    contacts = models.JSONField(_("kontakter"), default=list, blank=True)
    criteria = models.JSONField(_("utskrivningskriterier"), default=list, blank=True)
    if_worse = models.TextField(_("om du blir sämre"), blank=True)
    call_112 = models.TextField(_("när du ska ringa 112"), blank=True)
    equipment = models.JSONField(_("utrustning som skickas hem"), default=list, blank=True)

    CONTENT_FIELDS = ("activities", "contacts", "criteria", "if_worse", "call_112", "equipment")

    class Meta:
        abstract = True

    def content(self) -> dict:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}


class AgreementTemplate(AgreementContent):
    """A ward's template. Shipped templates (ward empty) are read-only and can be copied."""

    ward = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreement_templates",
        verbose_name=_("avdelning"),
    )
    name = models.CharField(_("namn"), max_length=200)
    pathway = models.CharField(
        _("väg in"), max_length=30, choices=Episode.Pathway, default=Episode.Pathway.EARLY_DISCHARGE
    )
    description = models.CharField(_("beskrivning"), max_length=500, blank=True)
    is_active = models.BooleanField(_("används"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mall för överenskommelse")
        verbose_name_plural = _("mallar för överenskommelser")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "name"], name="agreement_template_unique_name"),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(ward__isnull=True),
                name="agreement_template_shipped_unique_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shipped(self) -> bool:
        return self.ward_id is None


class Agreement(models.Model):
    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="agreement")
    template = models.ForeignKey(
        AgreementTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The number of the newest version; a revision must name it (optimistic locking).
    current_number = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dokumenterad överenskommelse")
        verbose_name_plural = _("dokumenterade överenskommelser")

    def __str__(self) -> str:
        return f"Överenskommelse {self.episode_id} v{self.current_number}"


class AgreementVersion(AgreementContent):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    change_note = models.CharField(_("vad som ändrats"), max_length=500, blank=True)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agreement", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="agreement_version_unique_number"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="agreement_version_positive"),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class DischargeCriterionCheck(models.Model):
    """One discharge criterion of the agreement checked off (by text, so a revision that
    keeps a criterion keeps its check)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="checks")
    criterion = models.CharField(max_length=300)
    note = models.CharField(_("kommentar"), max_length=500, blank=True)
    checked_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "criterion"], name="discharge_criterion_check_unique"
            )
        ]

    def __str__(self) -> str:
        return self.criterion
