"""Forms of the setup pages: the HSA catalogue file and a new safety place."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .hsa_import import MAX_BYTES


class HsaImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV-fil"),
        help_text=_("UTF-8, semikolon eller komma, rubrikrad. Högst 2 MB och 5 000 rader."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("Filen är för stor (högst 2 MB). Dela upp den i flera filer.")
            )
        return upload.read(MAX_BYTES + 1)


class SafetyBedForm(forms.Form):
    label = forms.CharField(
        label=_("Ny trygghetsplats"), max_length=50, help_text=_("T.ex. Plats 23.")
    )
