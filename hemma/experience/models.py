"""The patient's own experience of care at home, answered once per episode on the
tablet after discharge (see docs/experience.md).

An answer is stored with its episode only so that each episode answers once (a database
constraint); every results page shows aggregates per ward and period, never an answer or
its episode. Each question holds 1–5 (5 = instämmer helt) or 0 = "vill inte svara"."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from hemma.episodes.models import Episode

COMMENT_MAX_LENGTH = 1000
# The questions, in the order the tablet asks them (field names of Response).
QUESTIONS = ("safe", "informed", "knew_whom_to_call", "choose_again")


class Scale(models.IntegerChoices):
    AGREE_FULLY = 5, _("Instämmer helt")
    AGREE_PARTLY = 4, _("Instämmer delvis")
    NEITHER = 3, _("Varken eller")
    DISAGREE_PARTLY = 2, _("Instämmer knappast")
    DISAGREE_FULLY = 1, _("Instämmer inte alls")
    NO_ANSWER = 0, _("Vill inte svara")


def _scale_field(label):
    return models.PositiveSmallIntegerField(label, choices=Scale.choices, default=Scale.NO_ANSWER)


class Response(models.Model):
    # CASCADE like the episode's readings and messages (only demo and test resets delete one).
    episode = models.OneToOneField(
        Episode, on_delete=models.CASCADE, related_name="experience_response"
    )
    answered_at = models.DateTimeField()
    safe = _scale_field(_("Jag kände mig trygg när jag vårdades hemma."))
    informed = _scale_field(_("Jag fick den information jag behövde."))
    knew_whom_to_call = _scale_field(_("Jag visste vem jag skulle ringa om något hände."))
    choose_again = _scale_field(_("Jag skulle välja vård i hemmet igen."))
    comment = models.TextField(_("Vill du berätta något mer?"), blank=True, default="")

    class Meta:
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 0, f"{name}__lte": 5}),
                    name=f"experience_{name}_on_scale",
                )
                for name in QUESTIONS
            ),
            models.CheckConstraint(
                condition=Q(LessThanOrEqual(Length("comment"), COMMENT_MAX_LENGTH)),
                name="experience_comment_length",
            ),
        ]

    def __str__(self) -> str:
        return f"Upplevelse {self.pk}"
