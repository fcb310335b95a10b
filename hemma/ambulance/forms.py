from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hemma.web.fields import NearDateTimeField

from .models import AmbulanceContact


class AmbulanceContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Typ"), choices=AmbulanceContact.Kind.choices)
    occurred_at = NearDateTimeField(
        past_days=365,
        future_days=0,
        label=_("Tidpunkt"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    summary = forms.CharField(label=_("Vad hände?"), max_length=500)
    transported = forms.BooleanField(label=_("Transporterad till sjukhus"), required=False)
    note = forms.CharField(
        label=_("Anteckning"), required=False, max_length=2000, widget=forms.Textarea({"rows": 3})
    )

    @classmethod
    def initial_now(cls) -> dict:
        return {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
