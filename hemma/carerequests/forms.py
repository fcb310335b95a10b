from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Unit
from hemma.careplans.forms import text_to_rows
from hemma.web.fields import NearDateField, NearDateTimeField
from hemma.web.model_choice import ModelChoiceField

from .models import CareRequest, LogisticsOrder, Medication
from .services import RECEIVER_KINDS, supervision_end_problem

MEDICATION_KEYS = ("drug", "dose", "route", "times", "is_antibiotic")
ANTIBIOTIC_MARKS = {"a", "ab", "antibiotika", "ja", "x"}


def _route_value(text: str) -> str | None:
    wanted = text.strip().casefold()
    for value, label in Medication.Route.choices:
        if wanted in (value, str(label).casefold()):
            return value
    return None


class CareRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Typ"), choices=CareRequest.Kind.choices)
    to_unit = ModelChoiceField(label=_("Till enhet"), queryset=Unit.objects.none())
    reason = forms.CharField(
        label=_("Orsak"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    start_at = NearDateTimeField(
        past_days=1,
        future_days=180,
        label=_("Start"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    interventions = forms.CharField(
        label=_("Insatser som önskas"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    ends_on = NearDateField(
        past_days=1,
        future_days=366,
        label=_("Slutdatum"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Utökad tillsyn: sista dagen, högst 5 dagar efter start."),
    )
    medications = forms.CharField(
        label=_("Läkemedelslista"),
        help_text=_(
            "En per rad: läkemedel | dos | administrationssätt (iv, po, sc, im, inh) | tider "
            "| A om antibiotika. Kända antibiotika flaggas automatiskt."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = Unit.objects.filter(
            kind__in=[*Unit.VISITING_KINDS, Unit.Kind.HOME_CARE]
        ).select_related("organisation")

    def clean_start_at(self):
        start = self.cleaned_data["start_at"]
        if start < timezone.now() - timedelta(days=1):
            raise forms.ValidationError(_("Starttiden har redan passerat."))
        return start

    def clean_medications(self):
        rows, problems = text_to_rows(self.cleaned_data["medications"], MEDICATION_KEYS, 4)
        for row in rows:
            route = _route_value(row["route"])
            if route is None:
                problems.append(
                    str(
                        _("%(drug)s: okänt administrationssätt ”%(route)s”.")
                        % {"drug": row["drug"], "route": row["route"]}
                    )
                )
            row["route"] = route
            row["is_antibiotic"] = row["is_antibiotic"].casefold() in ANTIBIOTIC_MARKS
        if problems:
            raise forms.ValidationError(problems)
        return rows

    def clean(self):
        data = super().clean()
        kind, unit = data.get("kind"), data.get("to_unit")
        if kind and unit and unit.kind not in RECEIVER_KINDS[kind]:
            self.add_error("to_unit", _("Enheten tar inte emot den typen av vårdbegäran."))
        start, ends_on = data.get("start_at"), data.get("ends_on")
        if kind == CareRequest.Kind.SUPERVISION and start:
            problem = supervision_end_problem(start, ends_on)
            if problem:
                self.add_error("ends_on", problem)
        elif kind and ends_on:
            self.add_error("ends_on", _("Slutdatum anges bara för utökad tillsyn."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Skäl"), max_length=2000)


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("Fråga"), max_length=2000)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Svar"), max_length=2000)


class EmptyForm(forms.Form):
    pass


class LogisticsForm(forms.Form):
    category = forms.ChoiceField(label=_("Kategori"), choices=LogisticsOrder.Category.choices)
    item = forms.CharField(label=_("Vad"), max_length=200)
    quantity = forms.IntegerField(label=_("Antal"), min_value=1, max_value=10_000, initial=1)
    delivery_place = forms.ChoiceField(
        label=_("Leveransplats"), choices=LogisticsOrder.Place.choices
    )
    responsible_unit = ModelChoiceField(
        label=_("Ansvarig enhet"), queryset=Unit.objects.none(), empty_label=None
    )
    travels_with_patient = forms.BooleanField(
        label=_("Följer med patienten i transporten"), required=False
    )
    note = forms.CharField(label=_("Kommentar"), max_length=500, required=False)

    def __init__(self, *args, episode, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [episode.ward_id, episode.home_health_unit_id, episode.patient.listed_unit_id]
        self.fields["responsible_unit"].queryset = Unit.objects.filter(pk__in=[i for i in ids if i])
