"""Agreement forms: each list is a textarea with one row per line and columns split by "|"
(what | who | when), so a ward can write and revise an agreement quickly in any browser."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hemma.episodes.models import Episode
from hemma.routing.visits import when_problem

SEPARATOR = "|"


def rows_to_text(rows: list[dict], keys: tuple[str, ...]) -> str:
    return "\n".join(f" {SEPARATOR} ".join(row.get(key, "") for key in keys) for row in rows)


def text_to_rows(text: str, keys: tuple[str, ...], required: int) -> tuple[list[dict], list[str]]:
    """Parse the lines; returns the rows and the problems (line number, what is missing)."""
    rows, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split(SEPARATOR)]
        if len(cells) > len(keys):
            problems.append(
                str(
                    _("Rad %(n)s har fler än %(k)s delar (skilj delarna med |).")
                    % {"n": number, "k": len(keys)}
                )
            )
            continue
        cells += [""] * (len(keys) - len(cells))
        if any(not cell for cell in cells[:required]):
            problems.append(
                str(
                    _("Rad %(n)s saknar något av de %(k)s första delarna.")
                    % {"n": number, "k": required}
                )
            )
            continue
        rows.append(dict(zip(keys, cells, strict=True)))
    return rows, problems


ACTIVITY_KEYS = ("what", "who", "when")


def _when_message(number: int, row: dict, problem: str) -> str:
    """A "when" visits cannot be planned from, said in Swedish with the activity's row."""
    kind, _colon, part = problem.partition(":")
    values = {"n": number, "what": row["what"], "part": part}
    if kind == "negative":
        text = _("Aktivitet %(n)s (%(what)s): %(part)s är inget klockslag.")
    elif kind == "clock":
        text = _("Aktivitet %(n)s (%(what)s): %(part)s är inget klockslag (00–24).")
    else:
        text = _(
            "Aktivitet %(n)s (%(what)s): skriv klockslagen, t.ex. 08, 12, 16, 20 – "
            "Hemma planerar inte besök från ”varje timme”."
        )
    return str(text % values) + " " + str(_("Skriv t.ex. 08, 16, 24 eller Dagligen 08–12."))


CONTACT_KEYS = ("name", "phone", "hours")


class AgreementContentForm(forms.Form):
    activities = forms.CharField(
        label=_("Planerade aktiviteter"),
        help_text=_(
            "En per rad: vad | vem (enhet/yrke) | när, "
            "t.ex. IV-antibiotika | Hemsjukvården | 08, 16, 24"
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )
    contacts = forms.CharField(
        label=_("Kontakter"),
        help_text=_(
            "En per rad: namn/roll | telefon | tider, t.ex. Avdelningen | 023-… | Dygnet runt"
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    criteria = forms.CharField(
        label=_("Utskrivningskriterier"),
        help_text=_("Ett kriterium per rad."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    if_worse = forms.CharField(
        label=_("Om du blir sämre"), widget=forms.Textarea(attrs={"rows": 3})
    )
    call_112 = forms.CharField(
        label=_("När du ska ringa 112"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    equipment = forms.CharField(
        label=_("Utrustning som skickas hem"),
        help_text=_("En sak per rad."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    @classmethod
    def initial_from(cls, content: dict) -> dict:
        return {
            "activities": rows_to_text(content["activities"], ACTIVITY_KEYS),
            "contacts": rows_to_text(content["contacts"], CONTACT_KEYS),
            "criteria": "\n".join(content["criteria"]),
            "if_worse": content["if_worse"],
            "call_112": content["call_112"],
            "equipment": "\n".join(content["equipment"]),
        }

    def _rows(self, name: str, keys: tuple[str, ...], required: int) -> list[dict]:
        rows, problems = text_to_rows(self.cleaned_data[name], keys, required)
        if problems:
            raise forms.ValidationError(problems)
        return rows

    def clean_activities(self):
        rows = self._rows("activities", ACTIVITY_KEYS, 2)
        problems = []
        for number, row in enumerate(rows, start=1):
            problem = when_problem(row["when"])
            if problem:
                problems.append(_when_message(number, row, problem))
        if problems:
            raise forms.ValidationError(problems)
        return rows

    def clean_contacts(self):
        rows = self._rows("contacts", CONTACT_KEYS, 2)
        if not rows:
            raise forms.ValidationError(_("Ange minst en kontakt som patienten kan ringa."))
        return rows

    def clean_criteria(self):
        lines = [line.strip() for line in self.cleaned_data["criteria"].splitlines()]
        criteria = [line for line in lines if line]
        if any(len(line) > 300 for line in criteria):
            raise forms.ValidationError(_("Ett kriterium får vara högst 300 tecken."))
        if len(set(criteria)) != len(criteria):
            raise forms.ValidationError(_("Samma kriterium står två gånger."))
        return criteria

    def clean_equipment(self):
        return [
            line.strip() for line in self.cleaned_data["equipment"].splitlines() if line.strip()
        ]

    def content(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name in CONTENT_NAMES}


CONTENT_NAMES = ("activities", "contacts", "criteria", "if_worse", "call_112", "equipment")


class AgreementCreateForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Mall"), queryset=None, empty_label=None)

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates


class AgreementReviseForm(AgreementContentForm):
    base_number = forms.IntegerField(widget=forms.HiddenInput)
    change_note = forms.CharField(label=_("Vad har ändrats?"), max_length=500, required=False)


class CriterionForm(forms.Form):
    criterion = forms.CharField(max_length=300)
    met = forms.TypedChoiceField(
        choices=[("yes", "yes"), ("no", "no")], coerce=lambda value: value == "yes"
    )
    note = forms.CharField(max_length=500, required=False)


class TemplateForm(AgreementContentForm):
    name = forms.CharField(label=_("Namn"), max_length=200)
    pathway = forms.ChoiceField(label=_("Väg in"), choices=Episode.Pathway.choices)
    description = forms.CharField(label=_("Beskrivning"), max_length=500, required=False)
    is_active = forms.BooleanField(label=_("Används"), required=False, initial=True)

    field_order = ["name", "pathway", "description", "is_active"]
