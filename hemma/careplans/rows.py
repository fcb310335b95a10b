"""The agreement editor's rows: planned activities and contacts as Django formsets, one
row of inputs per activity (what, who, how often, clock times) and per contact (name/role,
phone, times).

The stored format is unchanged: an activity is {"what", "who", "when"} where "when" is the
plain Swedish text the visit generator reads (hemma.routing.visits, hemma.clinical
.recurrence), e.g. "Dagligen 08:00, 16:00" or "Dag 1 19:00". The editor splits a stored
"when" into how often ("Dagligen") and the clock times (08:00, 16:00) and joins them back.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from hemma.routing.visits import when_problem

# --- "when" <-> (how often, clock times) -----------------------------------------------------

_WINDOW = re.compile(r"([^\s–—-]+)\s*[–—-]\s*([^\s–—-]+)")
_DAY_NUMBER = re.compile(r"\bdag \d+\b", re.IGNORECASE)
# 00:00–23:59, and 24:00: midnight after the day, as the visit generator reads "24" (a dose
# "08, 16, 24" is given at the end of each day, which 00:00 would move to its start).
_CLOCK = re.compile(r"([01]?\d|2[0-3])(?:[:.]([0-5]\d))?|(24)(?:[:.](00))?")
# A clock time or a window in stored text ("08", "8.30", "08:00", "08–12", "24").
_STORED_TOKEN = re.compile(
    r"(?<![\d:.])([01]?\d|2[0-4])(?:[:.]([0-5]\d))?"
    r"(?:\s*[–—-]\s*([01]?\d|2[0-4])(?:[:.]([0-5]\d))?)?(?![\d:.])"
)
_FILLER = re.compile(r"\b(?:kl\.?|klockan)(?=[\s,]|$)", re.IGNORECASE)
_EDGES = re.compile(r"^(?:[\s,;]|\boch\b)+|(?:[\s,;]|\boch\b)+$", re.IGNORECASE)


def _hhmm(hour: str, minute: str | None) -> str:
    return f"{int(hour):02d}:{int(minute or 0):02d}"


def _clock(match: re.Match) -> str:
    hour, minute, midnight, _zero = match.groups()
    return "24:00" if midnight else _hhmm(hour, minute)


def split_when(when: str) -> tuple[str, list[str]]:
    """A stored "when" as (how often, clock times): "Dagligen 08–12" → ("Dagligen",
    ["08:00–12:00"]); "Dag 1, 19" → ("Dag 1", ["19:00"]). A "when" visits cannot be
    planned from stays whole in how often, so the editor shows what is wrong with it."""
    if when_problem(when):
        return when.strip(), []
    days = [match.span() for match in _DAY_NUMBER.finditer(when)]
    times, kept, position = [], [], 0
    for match in _STORED_TOKEN.finditer(when):
        start, end = match.span()
        if any(first <= start < last for first, last in days):
            continue
        h1, m1, h2, m2 = match.groups()
        if h2 is None and (h1 == "24" and m1 and int(m1)):
            continue
        text = _hhmm(h1, m1) if h2 is None else f"{_hhmm(h1, m1)}–{_hhmm(h2, m2)}"
        if text not in times:
            times.append(text)
        kept.append(when[position:start])
        position = end
    kept.append(when[position:])
    rest = _FILLER.sub(" ", " ".join(kept))
    rest = re.sub(r"\s*,(?:\s*,)*\s*", ", ", rest)
    rest = _EDGES.sub("", re.sub(r"\s+", " ", rest))
    return rest.strip(), times


def join_when(how_often: str, times: list[str]) -> str:
    """How often and the clock times as the stored "when": "Dagligen 08:00, 16:00"."""
    return " ".join(part for part in (how_often.strip(), ", ".join(times)) if part)


def parse_times(text: str) -> tuple[list[str], list[str]]:
    """The clock times typed in one field, comma separated, each HH:MM (00:00–23:59, or 24:00) or a
    window HH:MM–HH:MM; returns (the times as HH:MM, the parts that are no clock time)."""
    times, bad = [], []
    for part in (item.strip() for item in text.split(",")):
        if not part:
            continue
        single = _CLOCK.fullmatch(part)
        if single:
            value = _clock(single)
        else:
            ends = _WINDOW.fullmatch(part)
            start = ends and _CLOCK.fullmatch(ends.group(1))
            end = ends and _CLOCK.fullmatch(ends.group(2))
            if not (start and end):
                bad.append(part)
                continue
            value = f"{_clock(start)}–{_clock(end)}"
        if value not in times:
            times.append(value)
    return times, bad


# --- The row forms ---------------------------------------------------------------------------


class RowForm(forms.Form):
    """A row; all blank is an empty row and is left out (the fields that a row needs are
    checked in clean, so a cleared row is not an error)."""

    needed: tuple[str, ...] = ()

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(str(data.get(name) or "").strip() for name in self.base_fields)

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        for name in self.needed:
            if name not in self.errors and not str(data.get(name) or "").strip():
                self.add_error(name, self.fields[name].error_messages["required"])
        return data


class ActivityRowForm(RowForm):
    what = forms.CharField(
        widget=forms.TextInput(attrs={"size": 28}), label=_("Vad"), max_length=200, required=False
    )
    who = forms.CharField(
        widget=forms.TextInput(attrs={"size": 22}),
        label=_("Vem (enhet/yrke)"),
        max_length=200,
        required=False,
    )
    how_often = forms.CharField(
        widget=forms.TextInput(attrs={"size": 14}),
        label=_("Hur ofta"),
        max_length=100,
        required=False,
        help_text=_("T.ex. Dagligen, Mån, ons, fre eller Dag 1"),
    )
    times = forms.CharField(
        widget=forms.TextInput(attrs={"size": 18}),
        label=_("Klockslag"),
        max_length=200,
        required=False,
        help_text=_(
            "TT:MM, flera med komma, t.ex. 08:00, 16:00, 24:00 (midnatt efter dagen) "
            "eller 08:00–12:00"
        ),
    )

    needed = ("what", "who")

    def _named(self) -> str:
        what = str(self.cleaned_data.get("what") or "").strip()
        number = getattr(self, "row_number", None) or ""
        if what:
            return str(_("Aktivitet %(n)s (%(what)s)") % {"n": number, "what": what})
        return str(_("Aktivitet %(n)s") % {"n": number})

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        times, bad = parse_times(str(data.get("times") or ""))
        for part in bad:
            self.add_error("times", self._time_message(part))
        how_often = str(data.get("how_often") or "").strip()
        if re.search(r"\d", _DAY_NUMBER.sub(" ", how_often)):
            self.add_error(
                "how_often",
                _(
                    "%(activity)s: skriv klockslagen under Klockslag, inte under Hur ofta "
                    "(dagnummer som ”Dag 3” går bra)."
                )
                % {"activity": self._named()},
            )
        elif not bad and when_problem(join_when(how_often, times)):
            self.add_error(
                "how_often",
                _(
                    "%(activity)s: skriv klockslagen, t.ex. 08:00, 12:00, 16:00 – Hemma "
                    "planerar inte besök från ”varje timme”."
                )
                % {"activity": self._named()},
            )
        data["when"] = join_when(how_often, times)
        return data

    def _time_message(self, part: str) -> str:
        values = {"activity": self._named(), "part": part}
        if when_problem(part) == "hourly":
            text = _(
                "%(activity)s: skriv klockslagen, t.ex. 08:00, 12:00, 16:00 – Hemma planerar "
                "inte besök från ”%(part)s”."
            )
        else:
            text = _(
                "%(activity)s: ”%(part)s” är inget klockslag. Skriv TT:MM mellan 00:00 och "
                "23:59 (24:00 för midnatt efter dagen), flera med komma."
            )
        return str(text % values)

    def row(self) -> dict:
        return {key: self.cleaned_data.get(key, "").strip() for key in ("what", "who", "when")}

    @staticmethod
    def initial_for(activity: dict) -> dict:
        how_often, times = split_when(str(activity.get("when", "")))
        return {
            "what": activity.get("what", ""),
            "who": activity.get("who", ""),
            "how_often": how_often,
            "times": ", ".join(times),
        }


class ContactRowForm(RowForm):
    name = forms.CharField(
        widget=forms.TextInput(attrs={"size": 24}),
        label=_("Namn/roll"),
        max_length=200,
        required=False,
    )
    phone = forms.CharField(
        widget=forms.TextInput(attrs={"size": 16}),
        label=_("Telefon"),
        max_length=40,
        required=False,
    )
    hours = forms.CharField(
        widget=forms.TextInput(attrs={"size": 14}),
        label=_("Tider"),
        max_length=100,
        required=False,
        help_text=_("T.ex. Dygnet runt eller 07–21"),
    )

    needed = ("name", "phone")

    def row(self) -> dict:
        return {
            key: str(self.cleaned_data.get(key) or "").strip() for key in ("name", "phone", "hours")
        }

    @staticmethod
    def initial_for(contact: dict) -> dict:
        return {key: contact.get(key, "") for key in ("name", "phone", "hours")}


class RowFormSet(forms.BaseFormSet):
    """The rows of one list; a row marked "Ta bort" or left blank is not kept."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Ta bort")

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.row_number = i + 1
        return form

    def rows(self) -> list[dict]:
        return [
            form.row()
            for form in self.forms
            if not self._should_delete_form(form) and not form.is_blank()
        ]


class ContactRowFormSet(RowFormSet):
    def clean(self):
        super().clean()
        if not any(form.errors for form in self.forms) and not self.rows():
            raise forms.ValidationError(_("Ange minst en kontakt som patienten kan ringa."))


MAX_ROWS = 40
ActivityFormSet = forms.formset_factory(
    ActivityRowForm,
    formset=RowFormSet,
    extra=3,
    can_delete=True,
    max_num=MAX_ROWS,
    validate_max=True,
    absolute_max=MAX_ROWS,
)
ContactFormSet = forms.formset_factory(
    ContactRowForm,
    formset=ContactRowFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_ROWS,
    validate_max=True,
    absolute_max=MAX_ROWS,
)
LISTS = {
    "activities": (ActivityFormSet, ActivityRowForm),
    "contacts": (ContactFormSet, ContactRowForm),
}
