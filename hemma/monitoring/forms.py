from django import forms
from django.utils.translation import gettext_lazy as _

from hemma.web.model_choice import ModelChoiceField

from .models import Alert, ObservationSet, PersonalThreshold, RoundEntry


class ObservationForm(forms.Form):
    """A full set recorded by staff at a home visit (or a partial one)."""

    respiration_rate = forms.IntegerField(
        label=_("Andningsfrekvens /min"), required=False, min_value=0, max_value=80
    )
    spo2 = forms.IntegerField(label=_("Saturation %"), required=False, min_value=0, max_value=100)
    on_oxygen = forms.TypedChoiceField(
        label=_("Luft eller syrgas"),
        choices=[("", "–"), ("no", _("Luft")), ("yes", _("Syrgas"))],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
    )
    systolic_bp = forms.IntegerField(
        label=_("Systoliskt blodtryck"), required=False, min_value=30, max_value=300
    )
    diastolic_bp = forms.IntegerField(
        label=_("Diastoliskt blodtryck"), required=False, min_value=20, max_value=200
    )
    pulse = forms.IntegerField(label=_("Puls /min"), required=False, min_value=0, max_value=300)
    consciousness = forms.ChoiceField(
        label=_("Medvetandegrad (ACVPU)"),
        choices=[("", "–"), *ObservationSet.Consciousness.choices],
        required=False,
    )
    temperature = forms.DecimalField(
        label=_("Temperatur °C"),
        required=False,
        min_value=25,
        max_value=45,
        max_digits=3,
        decimal_places=1,
        localize=True,  # "37,2" as Swedish users write it
    )
    note = forms.CharField(label=_("Kommentar"), required=False, max_length=2000)
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def values(self) -> dict:
        names = (
            "respiration_rate",
            "spo2",
            "on_oxygen",
            "systolic_bp",
            "diastolic_bp",
            "pulse",
            "consciousness",
            "temperature",
        )
        data = self.cleaned_data
        return {name: data[name] for name in names if data.get(name) not in (None, "")}


class ThresholdForm(forms.Form):
    parameter = forms.ChoiceField(label=_("Parameter"), choices=PersonalThreshold.Parameter.choices)
    low = forms.DecimalField(label=_("Lägsta"), required=False, max_digits=4, decimal_places=1)
    high = forms.DecimalField(label=_("Högsta"), required=False, max_digits=4, decimal_places=1)
    reason = forms.CharField(label=_("Motivering"), max_length=500)


class ScaleForm(forms.Form):
    scale = forms.TypedChoiceField(
        label=_("SpO2-skala"),
        choices=[
            ("1", _("Skala 1")),
            ("2", _("Skala 2 – bekräftad hyperkapnisk respiratorisk svikt")),
        ],
        coerce=int,
    )
    reason = forms.CharField(label=_("Motivering"), max_length=500)


class PlanForm(forms.Form):
    interval_hours = forms.IntegerField(
        label=_("Mätning var N:e timme"), min_value=1, max_value=72, initial=8
    )


class ResolveForm(forms.Form):
    action = forms.ChoiceField(label=_("Åtgärd"), choices=Alert.Action.choices)
    note = forms.CharField(label=_("Anteckning"), max_length=2000, required=False)


class RoundForm(forms.Form):
    decision = forms.ChoiceField(label=_("Beslut"), choices=RoundEntry.Decision.choices)
    participants = forms.CharField(
        label=_("Deltagare"),
        max_length=500,
        help_text=_("T.ex. avdelningsläkare, sjuksköterska, hemsjukvårdens sjuksköterska, patient"),
    )
    note = forms.CharField(label=_("Anteckning"), max_length=4000, required=False)
    video_link = forms.URLField(
        label=_("Länk till videomötet"), required=False, assume_scheme="https"
    )

    def participant_list(self) -> list[str]:
        return [p.strip() for p in self.cleaned_data["participants"].split(",") if p.strip()]


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Kod från avdelningen"), max_length=20)


class RosterSlotForm(forms.Form):
    """One slot of the ward's duty roster: physicians who are members of the ward."""

    on_call = ModelChoiceField(
        label=_("Jourhavande läkare"), queryset=None, required=False, empty_label="–"
    )
    deputy = ModelChoiceField(label=_("Ersättare"), queryset=None, required=False, empty_label="–")

    def __init__(self, *args, physicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on_call"].queryset = physicians
        self.fields["deputy"].queryset = physicians

    def clean(self):
        data = super().clean()
        on_call, deputy = data.get("on_call"), data.get("deputy")
        if deputy is not None and on_call is None:
            self.add_error("on_call", _("Välj jourhavande läkare före ersättaren."))
        elif deputy is not None and deputy == on_call:
            self.add_error("deputy", _("Ersättaren måste vara en annan läkare än jourhavande."))
        return data


class FinalStepForm(forms.Form):
    """The ward's last escalation step: a named physician and/or an instruction."""

    physician = ModelChoiceField(
        label=_("Läkare (t.ex. sjukhusets primärjour)"),
        queryset=None,
        required=False,
        empty_label="–",
    )
    instruction = forms.CharField(
        label=_("Instruktion"),
        max_length=500,
        required=False,
        help_text=_("T.ex. Ring sjukhusets primärjour 010-123 45 00."),
    )

    def __init__(self, *args, physicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["physician"].queryset = physicians
