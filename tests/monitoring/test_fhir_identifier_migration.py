"""Migration 0003 keeps the identifiers already stored: "system|value" is split and tied to
its set's episode, so a resend after the upgrade is still recognised."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("monitoring", "0002_fhir_identifier")]
AFTER = [("monitoring", "0003_fhir_identifier_per_episode")]


@pytest.mark.django_db(transaction=True)
def test_existing_identifiers_are_split_and_kept_per_episode(at_home):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    ObservationSet = old.get_model("monitoring", "ObservationSet")
    observation = ObservationSet.objects.create(
        episode_id=at_home.pk,
        client_id="fhir:legacy",
        source="device",
        measured_at=timezone.now(),
        pulse=72,
        news2_total=0,
        news2_level="low",
        news2_complete=False,
    )
    old.get_model("monitoring", "FhirIdentifier").objects.create(
        key="urn:device:tablet-1|p|1", observation=observation
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    identifier = new.get_model("monitoring", "FhirIdentifier").objects.get()
    assert (identifier.episode_id, identifier.system, identifier.value) == (
        at_home.pk,
        "urn:device:tablet-1",
        "p|1",
    )
    # And back: the joined key returns.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps
    assert back.get_model("monitoring", "FhirIdentifier").objects.get().key == (
        "urn:device:tablet-1|p|1"
    )
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
