"""A system client's staff profile reads through the policy, but it is no person: it is
offered neither as a visiting worker nor as anyone's fixed care contact."""

import pytest

from hemma.coordination.forms import FixedContactForm
from hemma.visits.forms import ShiftForm

from .conftest import register

pytestmark = pytest.mark.django_db


def test_a_system_client_is_not_offered_as_staff(home_health, home_nurse, rsa_key):
    system = register("hsv-journal", home_health, rsa_key).staff
    for form, field in (
        (ShiftForm(unit=home_health), "staff"),
        (FixedContactForm(unit=home_health), "contact"),
    ):
        offered = set(form.fields[field].queryset)
        assert home_nurse in offered
        assert system not in offered
