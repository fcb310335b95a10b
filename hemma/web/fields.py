"""Date fields that refuse implausible dates at the field, in Swedish.

A lag notice dated 1900 or a care request starting 2999 is a typing error, not a fact:
each clinical date field says how far back and ahead from today it may lie, and the form
shows the error at the field with the typed value kept (Django keeps bound data)."""

from datetime import date, datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

YEAR = 365


class _NearToday:
    """Mixin: the cleaned date (or the local date of a datetime) lies within
    `past_days` before and `future_days` after today."""

    def __init__(self, *, past_days: int = YEAR, future_days: int = YEAR, **kwargs):
        self.past_days, self.future_days = past_days, future_days
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        day = timezone.localtime(value).date() if isinstance(value, datetime) else value
        today = timezone.localdate()
        first = today - timedelta(days=self.past_days)
        last = today + timedelta(days=self.future_days)
        if day < first:
            raise forms.ValidationError(
                _("Datumet ligger för långt bakåt: tidigast %(first)s. Kontrollera årtalet."),
                code="too_early",
                params={"first": _day(first)},
            )
        if day > last and self.future_days == 0:
            raise forms.ValidationError(
                _("Datumet kan inte ligga i framtiden."), code="future", params={}
            )
        if day > last:
            raise forms.ValidationError(
                _("Datumet ligger för långt fram: senast %(last)s. Kontrollera årtalet."),
                code="too_late",
                params={"last": _day(last)},
            )


def _day(value: date) -> str:
    return date_format(value, "Y-m-d")


class NearDateField(_NearToday, forms.DateField):
    pass


class NearDateTimeField(_NearToday, forms.DateTimeField):
    pass
