"""Agreement forms. The activities and contacts are rows of inputs (formsets in
hemma.careplans.rows, one row per activity or contact, working without JavaScript);
criteria and equipment are textareas with one item per line. AgreementEditor puts a page's
form and its rows together.

text_to_rows/rows_to_text (lines with columns split by "|") are kept for the coordination
plan's actions (hemma.coordination.forms)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hemma.episodes.models import Episode
from hemma.web.model_choice import ModelChoiceField

from .rows import LISTS

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
CONTACT_KEYS = ("name", "phone", "hours")


class AgreementContentForm(forms.Form):
    """The agreement's fields besides its rows (activities and contacts are the formsets of
    hemma.careplans.rows, see AgreementEditor)."""

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
            "criteria": "\n".join(content["criteria"]),
            "if_worse": content["if_worse"],
            "call_112": content["call_112"],
            "equipment": "\n".join(content["equipment"]),
        }

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
    template = ModelChoiceField(label=_("Mall"), queryset=None, empty_label=None)

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates


class AgreementReviseForm(AgreementContentForm):
    base_number = forms.IntegerField(widget=forms.HiddenInput)
    change_note = forms.CharField(label=_("Vad har ändrats?"), max_length=500, required=False)


class CriterionForm(forms.Form):
    criterion = forms.CharField(label=_("Kriterium"), max_length=300)
    met = forms.TypedChoiceField(
        label=_("Uppfyllt"),
        choices=[("yes", "yes"), ("no", "no")],
        coerce=lambda value: value == "yes",
    )
    note = forms.CharField(label=_("Kommentar"), max_length=500, required=False)


class TemplateForm(AgreementContentForm):
    name = forms.CharField(label=_("Namn"), max_length=200)
    pathway = forms.ChoiceField(label=_("Väg in"), choices=Episode.Pathway.choices)
    description = forms.CharField(label=_("Beskrivning"), max_length=500, required=False)
    is_active = forms.BooleanField(label=_("Används"), required=False, initial=True)

    field_order = ["name", "pathway", "description", "is_active"]


# Fields shown above the rows (a template's name and way in); the rest come after them.
HEAD_FIELDS = ("name", "pathway", "description", "is_active")


class AgreementEditor:
    """One page's form (AgreementReviseForm or TemplateForm) with its rows of activities
    and contacts. `add_row` ("activities" or "contacts", the "Lägg till rad" button): the
    page again with what was typed (as unbound forms, so nothing is checked yet) and one
    more empty row in that list; nothing is saved."""

    def __init__(self, form_class, data=None, *, content=None, initial=None, add_row=None):
        self.adding = data is not None and add_row in LISTS
        content = content or {}
        if self.adding:
            self._typed_again(form_class, data, add_row)
            return
        self.form = form_class(
            data,
            initial=(AgreementContentForm.initial_from(content) if content else {})
            | (initial or {}),
        )
        self.lists = {}
        for prefix, (formset_class, row_form) in LISTS.items():
            rows = [row_form.initial_for(row) for row in content.get(prefix, [])]
            self.lists[prefix] = formset_class(data, prefix=prefix, initial=rows)

    def _typed_again(self, form_class, data, add_row: str) -> None:
        typed = form_class(data)
        self.form = form_class(initial={name: typed[name].data for name in typed.fields})
        self.lists = {}
        for prefix, (formset_class, _row_form) in LISTS.items():
            # no rows when the management form is missing or broken
            posted = formset_class(data, prefix=prefix).forms
            rows = [{name: row[name].data for name in row.fields} for row in posted]
            again = formset_class(prefix=prefix, initial=rows)
            again.extra = 1 if prefix == add_row else 0
            if not rows and prefix != add_row:
                again.extra = formset_class.extra
            self.lists[prefix] = again

    @property
    def activities(self):
        return self.lists["activities"]

    @property
    def contacts(self):
        return self.lists["contacts"]

    def head_fields(self):
        return [field for field in self.form.visible_fields() if field.name in HEAD_FIELDS]

    def tail_fields(self):
        return [field for field in self.form.visible_fields() if field.name not in HEAD_FIELDS]

    def is_valid(self) -> bool:
        if self.adding:
            return False
        results = [self.form.is_valid()] + [rows.is_valid() for rows in self.lists.values()]
        return all(results)

    def content(self) -> dict:
        return self.form.content() | {prefix: rows.rows() for prefix, rows in self.lists.items()}
