from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Unit
from hemma.web.fields import NearDateTimeField
from hemma.web.model_choice import ModelChoiceField

from .models import Assessment, ChecklistItem, Episode


def _visiting_units():
    return Unit.objects.filter(kind__in=Unit.VISITING_KINDS).select_related("organisation")


class FlagForm(forms.Form):
    pathway = forms.ChoiceField(label=_("Väg in"), choices=Episode.Pathway.choices)
    reason = forms.CharField(label=_("Varför kandidat?"), max_length=500, required=False)
    visiting = forms.ChoiceField(
        label=_("Besökande team"),
        choices=Episode.Visiting.choices,
        initial=Episode.Visiting.HOME_HEALTH,
        required=False,
        help_text=_("Kan ändras fram till hemgången."),
    )
    home_health_unit = ModelChoiceField(
        label=_("Besökande enhet"),
        queryset=_visiting_units(),
        required=False,
        help_text=_("Får vårdrelation direkt; annars när vårdbegäran skickas."),
    )

    def clean_visiting(self):
        return self.cleaned_data["visiting"] or Episode.Visiting.HOME_HEALTH


class VisitingForm(forms.Form):
    visiting = forms.ChoiceField(label=_("Besökande team"), choices=Episode.Visiting.choices)
    visiting_unit = ModelChoiceField(
        label=_("Besökande enhet"),
        queryset=_visiting_units(),
        required=False,
        help_text=_("Lämnas tom i Plan B, eller tills vårdbegäran skickas."),
    )


class AssessmentForm(forms.Form):
    tier = forms.ChoiceField(
        label=_("Persona"), choices=[("", "–"), *Episode.Tier.choices], required=False
    )
    nurse_note = forms.CharField(
        label=_("Sjuksköterskans bedömning"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    therapist_note = forms.CharField(
        label=_("FT/AT:s bedömning"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in Assessment.CHECKS:
            label = Assessment._meta.get_field(name).verbose_name
            self.fields[name] = forms.BooleanField(label=label, required=False)


class DecisionForm(forms.Form):
    suitable = forms.TypedChoiceField(
        label=_("Beslut"),
        choices=[("yes", _("Lämplig för vård i hemmet")), ("no", _("Ej lämplig"))],
        coerce=lambda value: value == "yes",
    )
    reason = forms.CharField(label=_("Motivering"), max_length=1000)


class ConsentForm(forms.Form):
    patient_informed = forms.BooleanField(label=_("Patienten är informerad"), required=False)
    next_of_kin_informed = forms.BooleanField(label=_("Närstående är informerade"), required=False)
    brochure_given = forms.BooleanField(label=_("Broschyr given"), required=False)
    patient_agrees = forms.BooleanField(
        label=_("Patienten vill och känner sig trygg"), required=False
    )
    shares_information = forms.BooleanField(
        label=_("Samtycker till informationsdelning mellan region och kommun"), required=False
    )


class ChecklistForm(forms.Form):
    """One item of the checklist: its row names the item (`key`, hidden)."""

    key = forms.ChoiceField(
        label=_("Punkt"), choices=ChecklistItem.Key.choices, widget=forms.HiddenInput
    )
    status = forms.ChoiceField(label=_("Status"), choices=ChecklistItem.Status.choices)
    note = forms.CharField(
        label=_("Kommentar"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Skäl om ej aktuell")}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Orsak"), max_length=1000)


class ReadmitForm(forms.Form):
    reason = forms.CharField(label=_("Direktinläggning – orsak"), max_length=1000)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("Kommentar"), max_length=1000, required=False)


class DischargeForm(forms.Form):
    summary = forms.CharField(
        label=_("Utskrivningsanteckning"), widget=forms.Textarea(attrs={"rows": 3})
    )
    referral_text = forms.CharField(
        label=_("Remiss till vårdcentralen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EndOnRequestForm(forms.Form):
    reason = forms.CharField(label=_("Vad patienten eller närstående har sagt"), max_length=500)
    summary = forms.CharField(
        label=_("Utskrivningsanteckning"), widget=forms.Textarea(attrs={"rows": 3})
    )


def _not_future(at):
    if at > timezone.now() + timedelta(minutes=5):
        raise forms.ValidationError(_("Tidpunkten kan inte ligga i framtiden."))
    if at < timezone.now() - timedelta(days=30):
        raise forms.ValidationError(_("Tidpunkten ligger mer än 30 dagar bakåt."))
    return at


class DeathForm(forms.Form):
    died_at = forms.DateTimeField(
        label=_("Tidpunkt för dödsfallet"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    confirmed_by = forms.CharField(
        label=_("Konstaterat av (läkare, namn och titel)"), max_length=200
    )
    expected = forms.TypedChoiceField(
        label=_("Förväntat dödsfall?"),
        choices=[("yes", _("Ja, förväntat")), ("no", _("Nej, oväntat"))],
        coerce=lambda value: value == "yes",
    )
    note = forms.CharField(label=_("Anteckning"), max_length=500, required=False)

    def clean_died_at(self):
        return _not_future(self.cleaned_data["died_at"])


class TransferForm(forms.Form):
    destination = forms.CharField(label=_("Till (avdelning eller sjukhus)"), max_length=200)
    reason = forms.CharField(label=_("Orsak"), max_length=500)


class EmptyForm(forms.Form):
    pass


class NoticeForm(forms.Form):
    """Lag (2017:612): when the admission / ready-for-discharge notice was sent."""

    notice = forms.ChoiceField(
        label=_("Meddelande"),
        choices=[
            ("admission", _("Inskrivningsmeddelande")),
            ("ready", _("Utskrivningsklar")),
        ],
    )
    at = NearDateTimeField(
        past_days=365,
        future_days=0,
        label=_("Tidpunkt"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_at(self):
        at = self.cleaned_data["at"]
        if at > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("Tidpunkten kan inte ligga i framtiden."))
        return at
