from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hemma.web.fields import NearDateField
from hemma.web.model_choice import ModelChoiceField

from .models import Skill, TrainingItem
from .selectors import trainer_choices, unit_staff
from .services import competence_problems

DATE = {"type": "date"}


class TrainingForm(forms.Form):
    item = forms.ChoiceField(
        choices=TrainingItem.choices, error_messages={"invalid_choice": _("Okänt moment.")}
    )
    action = forms.ChoiceField(choices=[("tick", "tick"), ("untick", "untick")])


class CompetenceForm(forms.Form):
    """A member of the visiting unit trained in a skill: by whom (the ward's staff in the
    list, or a named trainer) and when, optionally valid until a day. Errors per field
    (`services.competence_problems`)."""

    staff = ModelChoiceField(
        label=_("Personal"),
        queryset=None,
        error_messages={"invalid_choice": _("Välj en person som arbetar på enheten.")},
    )
    skill = forms.ChoiceField(
        label=_("Kompetens"),
        choices=Skill.choices,
        error_messages={"invalid_choice": _("Okänd kompetens.")},
    )
    trained_on = NearDateField(
        past_days=14600, future_days=1, label=_("Utbildad (datum)"), widget=forms.DateInput(DATE)
    )
    valid_until = NearDateField(
        past_days=365,
        future_days=7300,
        label=_("Giltig till och med (valfritt)"),
        required=False,
        widget=forms.DateInput(DATE),
    )
    trainer = ModelChoiceField(
        label=_("Utbildare"),
        queryset=None,
        required=False,
        error_messages={
            "invalid_choice": _("Utbildaren arbetar inte på en avdelning som utbildar enheten.")
        },
    )
    trainer_name = forms.CharField(
        label=_("… eller utbildarens namn och roll"),
        max_length=200,
        required=False,
        help_text=_("T.ex. en PICC-sjuksköterska eller leverantörens instruktör."),
    )

    def __init__(self, *args, unit, acting_unit, **kwargs):
        kwargs.setdefault("initial", {"trained_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.unit, self.acting_unit = unit, acting_unit
        self.fields["staff"].queryset = unit_staff(unit)
        self.fields["trainer"].queryset = trainer_choices(unit, acting_unit)
        self.fields["staff"].label_from_instance = _name
        self.fields["trainer"].label_from_instance = _name

    def clean(self):
        data = super().clean()
        if "staff" in self.errors or "trainer" in self.errors:
            return data
        problems = competence_problems(
            unit=self.unit,
            trainee=data.get("staff"),
            skill=data.get("skill", ""),
            trained_on=data.get("trained_on"),
            valid_until=data.get("valid_until"),
            trainer=data.get("trainer"),
            trainer_name=data.get("trainer_name", ""),
            acting_unit=self.acting_unit,
        )
        for field, message in problems.items():
            if field not in self.errors:
                self.add_error(field, message)
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Orsak"), max_length=300)


def _name(staff) -> str:
    return f"{staff.display_name} ({staff.get_profession_display().lower()})"
