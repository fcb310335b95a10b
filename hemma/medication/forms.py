"""The physician's list (one item per line, like the care request's list), the course's end,
the switch to tablets, and recording a dose."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from hemma.careplans.forms import SEPARATOR, text_to_rows
from hemma.web.fields import NearDateField

from .models import DoseAdministration, Route

ITEM_KEYS = ("drug", "dose", "route", "times", "starts_on", "ends_on", "self_administered", "note")
SELF_MARKS = {"p", "patient", "patienten", "ja", "x"}
NEEDED = 4  # drug, dose, route, times


def _route_value(text: str) -> str | None:
    wanted = text.strip().casefold()
    for value, label in Route.choices:
        if wanted in (value, str(label).casefold()):
            return value
    return None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise forms.ValidationError(
            _("Datumet ”%(text)s” kan inte läsas (skriv ÅÅÅÅ-MM-DD).") % {"text": text}
        ) from None


def items_to_text(items) -> str:
    """The current list as the form's lines."""
    lines = []
    for item in items:
        cells = [
            item.drug,
            item.dose,
            item.route,
            item.times or "vid behov",
            item.starts_on.isoformat(),
            item.ends_on.isoformat() if item.ends_on else "",
            "P" if item.self_administered else "",
            item.note,
        ]
        lines.append(f" {SEPARATOR} ".join(cells).rstrip(f" {SEPARATOR}"))
    return "\n".join(lines)


class MedicationListForm(forms.Form):
    items = forms.CharField(
        label=_("Läkemedelslista"),
        help_text=_(
            "En per rad: läkemedel | dos | administrationssätt (iv, po, sc, im, inh) | tider "
            "(t.ex. 08, 16, 24 eller vid behov) | från (ÅÅÅÅ-MM-DD) | till och med | P om "
            "patienten sköter pumpen själv | anteckning."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    reason = forms.CharField(label=_("Orsak till ändringen"), max_length=500)
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def clean_items(self):
        rows, problems = text_to_rows(self.cleaned_data["items"], ITEM_KEYS, NEEDED)
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
            row["self_administered"] = row["self_administered"].casefold() in SELF_MARKS
            try:
                row["starts_on"] = _date(row["starts_on"])
                row["ends_on"] = _date(row["ends_on"])
            except forms.ValidationError as error:
                problems.extend(error.messages)
        if problems:
            raise forms.ValidationError(problems)
        if not rows:
            raise forms.ValidationError(_("Listan måste ha minst ett läkemedel."))
        return rows


class CourseEndForm(forms.Form):
    # Within a year of today: a mistyped year is an error at the field, not a new version.
    ends_on = NearDateField(label=_("Sista dagen"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Orsak"), max_length=500)


class SwitchToOralForm(forms.Form):
    drug = forms.CharField(label=_("Läkemedel (tabletter)"), max_length=200)
    dose = forms.CharField(label=_("Dos"), max_length=100)
    times = forms.CharField(
        label=_("Tider"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "08, 14, 20"}),
    )
    starts_on = NearDateField(
        label=_("Från och med"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = NearDateField(
        label=_("Till och med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Orsak"), max_length=500)


OUTCOMES = [
    (DoseAdministration.Status.GIVEN, _("Given")),
    (DoseAdministration.Status.NOT_GIVEN, _("Inte given")),
    (DoseAdministration.Status.DELAYED, _("Försenad")),
]


class DoseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Utfall"), choices=OUTCOMES)
    given_at = forms.TimeField(
        label=_("Given kl."),
        required=False,
        input_formats=["%H:%M", "%H.%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    reason = forms.CharField(label=_("Orsak"), max_length=500, required=False)
