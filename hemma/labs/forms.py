from django import forms
from django.utils.translation import gettext_lazy as _

from hemma.clinical.labs import CATALOGUE

from .services import lab_problems

LOCAL = {"type": "datetime-local"}


class LabResultForm(forms.Form):
    """One result entered by the ward or at a home visit; checked against the catalogue's
    plausible range and the episode's time (`services.lab_problems`), errors per field."""

    analyte = forms.ChoiceField(
        label=_("Analys"),
        choices=[(a.code, f"{a.name} ({a.unit})") for a in CATALOGUE.values()],
        error_messages={"invalid_choice": _("Okänd analys.")},
    )
    value = forms.DecimalField(
        label=_("Värde"),
        max_digits=10,
        decimal_places=3,
        localize=True,  # "4,1"
    )
    taken_at = forms.DateTimeField(
        label=_("Provtagningstid"), widget=forms.DateTimeInput(LOCAL, "%Y-%m-%dT%H:%M")
    )

    def __init__(self, *args, episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode

    def clean(self):
        data = super().clean()
        problems = lab_problems(
            episode=self.episode,
            analyte=data.get("analyte", ""),
            value=data.get("value"),
            taken_at=data.get("taken_at"),
        )
        for field, message in problems.items():
            if field not in self.errors:
                self.add_error(field, message)
        return data
