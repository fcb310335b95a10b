from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SubmissionToken(models.Model):
    """A create form that was carried out (hemma/web/idempotency.py).

    The form carried a one-off token; its row is written in the same transaction as what
    the form created, so a double click or a resent POST finds it and creates nothing
    again. The unique token lets the database decide between two concurrent submits."""

    token = models.UUIDField(_("token"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("användare"),
    )
    created_at = models.DateTimeField(_("skapad"), default=timezone.now, db_index=True)
    result_url = models.CharField(_("resultatsida"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("skickat formulär")
        verbose_name_plural = _("skickade formulär")

    def __str__(self):
        return f"{self.token} ({self.created_at:%Y-%m-%d %H:%M})"
