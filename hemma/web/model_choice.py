"""Django's model choice fields, refusing a value no integer key can hold before the
database is asked: SQLite raises OverflowError for a number beyond 64 bits (a crafted
POST: a 500), where PostgreSQL only finds no row. The error is Django's own ("Välj ett
giltigt alternativ"), at the field."""

from django import forms
from django.core.exceptions import ValidationError

from hemma.clinical.identifiers import row_id

INTEGER_KEYS = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField"}


def _impossible_key(field, value) -> bool:
    """A posted value that no row of an integer-keyed model can have (a model instance,
    as code may pass, is left to Django)."""
    model = field.queryset.model
    if isinstance(value, model):
        return False
    key = model._meta.get_field(field.to_field_name) if field.to_field_name else model._meta.pk
    return key.get_internal_type() in INTEGER_KEYS and row_id(value) is None


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and _impossible_key(self, value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if _impossible_key(self, pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)
