from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_LENGTH
from .services import client_id_problem, text_problem


class MessageForm(forms.Form):
    """A message from either side: 1–2000 characters the database can store (line breaks
    are kept; other control characters and lone surrogates are refused, never dropped)."""

    text = forms.CharField(
        label=_("Meddelande"),
        strip=False,
        required=False,  # the empty message gets text_problem's own message
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_LENGTH}),
    )

    def clean_text(self):
        text = self.cleaned_data.get("text", "")
        problem = text_problem(text)
        if problem:
            raise forms.ValidationError(problem)
        return text.strip()


class PatientMessageForm(MessageForm):
    """The tablet's form carries its own id of the message: a resend stores it once."""

    client_id = forms.CharField(widget=forms.HiddenInput, required=False, strip=True)

    def clean_client_id(self):
        client_id = self.cleaned_data.get("client_id", "")
        problem = client_id_problem(client_id)
        if problem:
            raise forms.ValidationError(problem)
        return client_id
