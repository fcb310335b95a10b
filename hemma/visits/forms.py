from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff
from hemma.web.model_choice import ModelChoiceField

from .models import SKILL_CHOICES, TravelMode, Visit


def clock(**kwargs):
    """A time field the browser shows as a clock (hh:mm)."""
    return forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **kwargs)


SECONDS = [(1, "1 s"), (3, "3 s"), (5, "5 s"), (10, "10 s"), (30, "30 s"), (60, "60 s")]


def on_day(day, clock: time):
    """A clock time on the planning day; before 06:00 it is the night after."""
    moment = datetime.combine(day, clock)
    if clock.hour < 6:
        moment += timedelta(days=1)
    return timezone.make_aware(moment)


def planning_order(clock: time) -> int:
    """Minutes into the planning day (06:00–06:00), to compare clock times across midnight."""
    return ((clock.hour - 6) % 24) * 60 + clock.minute


class PlanForm(forms.Form):
    seconds = forms.TypedChoiceField(label=_("Tidsgräns"), choices=SECONDS, coerce=int, initial=5)


class ShiftForm(forms.Form):
    staff = ModelChoiceField(label=_("Personal"), queryset=Staff.objects.none())
    starts = clock(label=_("Börjar"), initial=time(7, 0))
    ends = clock(label=_("Slutar"), initial=time(16, 0))
    travel_mode = forms.ChoiceField(label=_("Färdsätt"), choices=TravelMode.choices)
    break_from = clock(label=_("Lunch tidigast"), required=False, initial=time(11, 0))
    break_until = clock(label=_("Lunch senast"), required=False, initial=time(13, 0))
    break_minutes = forms.IntegerField(
        label=_("Lunch (min)"), min_value=0, max_value=90, initial=30
    )
    max_work_minutes = forms.IntegerField(
        label=_("Max arbetstid (min)"), min_value=30, max_value=16 * 60, required=False
    )
    skills = forms.MultipleChoiceField(
        label=_("Kompetenser"),
        choices=SKILL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tomt: yrkets egen kompetens."),
    )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends and planning_order(ends) <= planning_order(starts):
            self.add_error("ends", _("Passet måste sluta efter att det börjar."))
        first, last = data.get("break_from"), data.get("break_until")
        if first and last and planning_order(last) < planning_order(first):
            self.add_error("break_until", _("Lunch senast måste vara efter lunch tidigast."))
        if (
            starts
            and ends
            and first
            and not planning_order(starts) <= planning_order(first) <= planning_order(ends)
        ):
            self.add_error("break_from", _("Lunchen måste ligga inom passet."))
        return data

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit is not None:
            self.fields["staff"].queryset = (
                Staff.objects.filter(memberships__unit=unit)
                .exclude(profession=Staff.Profession.SYSTEM)  # an integration visits nobody
                .select_related("user")
                .distinct()
            )


class VisitForm(forms.Form):
    """An ad-hoc visit during the day."""

    episode = forms.TypedChoiceField(label=_("Patient"), coerce=int, choices=[])
    what = forms.CharField(label=_("Vad"), max_length=500)
    earliest = clock(label=_("Start tidigast"))
    latest = clock(
        label=_("Start senast"),
        help_text=_("Besöket ska börja mellan tidigast och senast; tiden på plats kommer till."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Tid på plats (min)"), min_value=5, max_value=240, initial=30
    )
    skill = forms.ChoiceField(label=_("Kompetens"), choices=SKILL_CHOICES)
    staff_needed = forms.TypedChoiceField(
        label=_("Antal personal"), choices=[(1, "1"), (2, "2")], coerce=int, initial=1
    )
    priority = forms.TypedChoiceField(
        label=_("Prioritet"), choices=Visit.Priority.choices, coerce=int, initial=0
    )
    follows = forms.TypedChoiceField(
        label=_("Efter besöket"), coerce=int, required=False, empty_value=None, choices=[]
    )
    min_gap_minutes = forms.IntegerField(
        label=_("Tidigast efter (min)"), min_value=0, max_value=24 * 60, required=False
    )
    max_gap_minutes = forms.IntegerField(
        label=_("Senast efter (min)"), min_value=0, max_value=24 * 60, required=False
    )

    def __init__(self, *args, episodes=(), visits=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["episode"].choices = [(e.pk, e.patient.full_name) for e in episodes]
        self.fields["follows"].choices = [("", "–")] + [
            (
                v.pk,
                f"{timezone.localtime(v.window_start):%H:%M} "
                f"{v.episode.patient.full_name}: {v.what[:40]}",
            )
            for v in visits
        ]

    def clean(self):
        data = super().clean()
        earliest, latest = data.get("earliest"), data.get("latest")
        if earliest and latest and planning_order(latest) < planning_order(earliest):
            self.add_error(
                "latest", _("Senaste start måste vara samma tid som eller efter tidigaste.")
            )
        if data.get("follows"):
            low, high = data.get("min_gap_minutes"), data.get("max_gap_minutes")
            if low is None:
                self.add_error(
                    "min_gap_minutes", _("Ange minsta tid efter det föregående besöket.")
                )
            if high is None:
                self.add_error(
                    "max_gap_minutes", _("Ange största tid efter det föregående besöket.")
                )
            if low is not None and high is not None and high < low:
                self.add_error(
                    "max_gap_minutes",
                    _("Största tiden efter (%(high)s min) är mindre än minsta (%(low)s min).")
                    % {"high": high, "low": low},
                )
        return data


class MoveForm(forms.Form):
    from_staff = forms.IntegerField(required=False)
    to_staff = forms.IntegerField(label=_("Till"))
    position = forms.IntegerField(min_value=1, max_value=200, label=_("Plats i turen"))

    def clean_to_staff(self) -> Staff:
        """The staff member (a crafted id that names no one: an error at the field)."""
        staff = Staff.objects.filter(pk=self.cleaned_data["to_staff"]).first()
        if staff is None:
            raise forms.ValidationError(_("Välj personal i listan."), code="invalid_choice")
        return staff


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Varför"), max_length=300)


class DoneForm(forms.Form):
    note = forms.CharField(label=_("Anteckning"), max_length=2000, required=False)


CONCERN_LEVEL_CHOICES = [
    ("", _("Ingen oro att rapportera")),
    ("low", _("Låg – avdelningen läser vid tillfälle")),
    ("low_medium", _("Låg–medel – avdelningen bedömer i dag")),
    ("medium", _("Medel – avdelningen bedömer snarast")),
    ("high", _("Hög – akut bedömning nu")),
]


class DocumentForm(forms.Form):
    """A visit documented: done or not done (the reason), a short note, and a concern the
    ward gets as an alert at the chosen level."""

    DONE, NOT_DONE = "done", "not_done"

    outcome = forms.ChoiceField(
        label=_("Besöket"),
        choices=[(DONE, _("Utfört")), (NOT_DONE, _("Ej utfört"))],
        widget=forms.RadioSelect,
        initial=DONE,
    )
    reason = forms.CharField(
        label=_("Varför blev besöket inte av?"), max_length=300, required=False
    )
    note = forms.CharField(
        label=_("Anteckning"), max_length=2000, required=False, widget=forms.Textarea({"rows": 3})
    )
    concern = forms.CharField(
        label=_("Oro att rapportera till avdelningen"),
        max_length=2000,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    concern_level = forms.ChoiceField(
        label=_("Hur brådskande?"), choices=CONCERN_LEVEL_CHOICES, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == self.NOT_DONE and not data.get("reason", "").strip():
            self.add_error("reason", _("Ange varför besöket inte blev av."))
        concern, level = data.get("concern", "").strip(), data.get("concern_level", "")
        if concern and not level:
            self.add_error("concern_level", _("Välj hur brådskande oron är."))
        if level and not concern:
            self.add_error("concern", _("Beskriv oron för att kunna skicka den till avdelningen."))
        return data
