from django import forms
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Unit
from hemma.patients.forms import PersonalNumberField
from hemma.web.fields import NearDateField
from hemma.web.model_choice import ModelChoiceField

from .selectors import LogFilter


class LogFilterForm(forms.Form):
    personal_number = PersonalNumberField(required=False, help_text="")
    staff_text = forms.CharField(label=_("Medarbetare (namn eller HSA-id)"), required=False)
    unit = ModelChoiceField(label=_("Enhet"), queryset=Unit.objects.none(), required=False)
    date_from = NearDateField(
        past_days=7300,
        future_days=1,
        label=_("Från"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = NearDateField(
        past_days=7300,
        future_days=1,
        label=_("Till"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    emergency_only = forms.BooleanField(label=_("Endast nödåtkomst"), required=False)
    denied_only = forms.BooleanField(label=_("Endast nekade"), required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("Från-datum måste vara före eller lika med till-datum."))
        return data

    def to_filter(self) -> LogFilter:
        data = self.cleaned_data
        identity = data.get("personal_number")
        return LogFilter(
            personal_number=identity.number if identity else "",
            staff_text=data.get("staff_text", "").strip(),
            unit=data.get("unit"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            emergency_only=bool(data.get("emergency_only")),
            denied_only=bool(data.get("denied_only")),
        )


class EmergencyReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Granskningskommentar"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
