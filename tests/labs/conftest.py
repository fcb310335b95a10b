from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hemma.labs.models import LabResult
from tests.fhirapi.conftest import rsa_key  # noqa: F401 - the fixture, shared
from tests.monitoring.conftest import at_home  # noqa: F401 - the fixture, shared


def add_lab(episode, staff, unit, analyte, value, hours_ago, source="ward"):
    """A stored result without the service (the created_at check does not apply)."""
    return LabResult.objects.create(
        episode=episode,
        analyte=analyte,
        value=Decimal(str(value)),
        taken_at=timezone.now() - timedelta(hours=hours_ago),
        source=source,
        entered_by=staff,
        unit=unit,
    )


@pytest.fixture
def lab_form():
    def build(**overrides):
        data = {
            "analyte": "crp",
            "value": "48",
            "taken_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        }
        return {**data, **overrides}

    return build
