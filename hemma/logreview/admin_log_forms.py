"""The date filter of the administration log page (audit:admin_log)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class AdministrationLogFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("Från"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Till"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("Från-datum måste vara före eller lika med till-datum."))
        return data
