"""hemma/web/model_choice.py: a number no key can hold is the field's error, never an
OverflowError from SQLite (found by tests/web/test_form_fuzz.py); real choices work."""

from pathlib import Path

import pytest
from django import forms

from hemma.accounts.models import Unit
from hemma.web.model_choice import ModelChoiceField, ModelMultipleChoiceField

pytestmark = pytest.mark.django_db

HEMMA = Path(__file__).resolve().parents[2] / "hemma"


class UnitForm(forms.Form):
    unit = ModelChoiceField(queryset=Unit.objects.all())
    guests = ModelMultipleChoiceField(queryset=Unit.objects.all(), required=False)


@pytest.mark.parametrize("value", ["9" * 400, str(2**63), "²", "-1", "0"])
def test_a_number_no_key_can_hold_is_an_invalid_choice(ward, value):
    form = UnitForm({"unit": value, "guests": [str(ward.pk), value]})
    assert not form.is_valid()
    assert form.errors["unit"] == [
        "Välj ett giltigt alternativ. Det valet finns inte bland tillgängliga alternativ."
    ]
    assert "guests" in form.errors


def test_real_choices_are_taken(ward, home_health):
    form = UnitForm({"unit": str(ward.pk), "guests": [str(ward.pk), str(home_health.pk)]})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["unit"] == ward
    assert set(form.cleaned_data["guests"]) == {ward, home_health}


def test_every_form_uses_these_fields():
    """Django's own model choice fields would let the overflow through again."""
    used = [
        str(path.relative_to(HEMMA))
        for path in HEMMA.rglob("*.py")
        if path.name != "model_choice.py"
        and (
            "forms.ModelChoiceField" in (text := path.read_text())
            or "forms.ModelMultipleChoiceField" in text
        )
    ]
    assert used == []


def test_a_model_instance_passed_by_code_is_taken(ward, home_health):
    form = UnitForm({"unit": ward, "guests": [ward, home_health]})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["unit"] == ward
