from django import forms
from django.utils.translation import gettext_lazy as _

from hemma.web.fields import NearDateField
from hemma.web.model_choice import ModelChoiceField

from .models import COMMENT_MAX_LENGTH, QUESTIONS, Response, Scale
from .results import SCALE
from .services import comment_problem

CHOICES = [(str(v), Scale(v).label) for v in SCALE]


class ExperienceForm(forms.Form):
    """The tablet's questionnaire: one radio group per question (none chosen counts as
    "vill inte svara") and an optional free text of at most 1000 characters."""

    comment = forms.CharField(
        label=_("Vill du berätta något mer? (frivilligt)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX_LENGTH}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in QUESTIONS:
            self.fields[name] = forms.TypedChoiceField(
                label=Response._meta.get_field(name).verbose_name,
                choices=CHOICES,
                coerce=int,
                required=False,
                empty_value=0,  # "vill inte svara"
                widget=forms.RadioSelect,
            )
        self.order_fields([*QUESTIONS, "comment"])

    def clean_comment(self):
        text = self.cleaned_data.get("comment", "")
        problem = comment_problem(text)
        if problem:
            raise forms.ValidationError(problem)
        return text.strip()

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("comment") and not any(data.get(q) for q in QUESTIONS):
            raise forms.ValidationError(_("Svara på minst en fråga, eller stäng sidan."))
        return data

    def questions(self):
        return [self[name] for name in QUESTIONS]

    def values(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in QUESTIONS}


class ResultsForm(forms.Form):
    """Which wards (one, or all of the organisation's), which months, by month or quarter."""

    ward = ModelChoiceField(
        label=_("Avdelning"), queryset=None, required=False, empty_label=_("Alla avdelningar")
    )
    start = NearDateField(
        past_days=7300,
        future_days=365,
        label=_("Från månad"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    end = NearDateField(
        past_days=7300,
        future_days=365,
        label=_("Till och med månad"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    grain = forms.ChoiceField(
        label=_("Per"),
        choices=[("month", _("månad")), ("quarter", _("kvartal"))],
        required=False,
    )

    def __init__(self, *args, wards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"].queryset = wards

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("Perioden slutar innan den börjar."))
            if (end - start).days > 3 * 366:
                raise forms.ValidationError(_("Välj högst tre år."))
        return data
