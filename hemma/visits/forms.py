from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff

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


class PlanForm(forms.Form):
    seconds = forms.TypedChoiceField(label=_("Tidsgräns"), choices=SECONDS, coerce=int, initial=5)


class ShiftForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("Personal"), queryset=Staff.objects.none())
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
    earliest = clock(label=_("Tidigast"))
    latest = clock(label=_("Senast"))
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


class MoveForm(forms.Form):
    from_staff = forms.IntegerField(required=False)
    to_staff = forms.IntegerField()
    position = forms.IntegerField(min_value=1, max_value=200, label=_("Plats i turen"))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Varför"), max_length=300)


class DoneForm(forms.Form):
    note = forms.CharField(label=_("Anteckning"), max_length=2000, required=False)
