"""docs/fhir-examples/: one real answer per resource type (made by `hemma fhir_examples`
from the demo region), each valid R4 and together covering the CapabilityStatement."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from hemma.fhirapi.capability import SUPPORTED

from .conftest import valid_r4

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "fhir-examples"


def test_every_example_is_valid_r4():
    files = sorted(EXAMPLES.glob("*.json"))
    assert files
    for path in files:
        valid_r4(json.loads(path.read_text(encoding="utf-8")))


def test_every_supported_resource_type_has_an_example():
    shown = set()
    for path in EXAMPLES.glob("*.json"):
        body = json.loads(path.read_text(encoding="utf-8"))
        shown.add(body["resourceType"])
        shown |= {e["resource"]["resourceType"] for e in body.get("entry", [])}
    assert set(SUPPORTED) <= shown


@pytest.mark.django_db
def test_the_command_writes_them_and_keeps_nothing(tmp_path):
    from hemma.audit.models import AccessLogEntry
    from hemma.fhirapi.models import SystemClient

    call_command("load_demo", quiet=True)
    logged = AccessLogEntry.objects.count()
    call_command("fhir_examples", str(tmp_path))
    assert {p.name for p in tmp_path.glob("*.json")} == {p.name for p in EXAMPLES.glob("*.json")}
    assert not SystemClient.objects.exists()  # rolled back
    assert AccessLogEntry.objects.count() == logged
