"""Migration 0004 gives every set stored before it its one reading, so a retry of an old
reading is still idempotent and a later reading can join its set."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from hemma.monitoring import services
from hemma.monitoring.models import ObservationSet, Reading

BEFORE = [("monitoring", "0003_fhir_identifier_per_episode")]
AFTER = [("monitoring", "0004_set_readings")]


@pytest.mark.django_db(transaction=True)
def test_existing_sets_get_their_reading(at_home):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    measured_at = timezone.now() - timedelta(minutes=1)
    old.get_model("monitoring", "ObservationSet").objects.create(
        episode_id=at_home.pk,
        client_id="legacy",
        source="patient",
        measured_at=measured_at,
        pulse=128,
        news2_total=2,
        news2_level="low",
        news2_complete=False,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
    reading = Reading.objects.get()
    assert (reading.client_id, reading.parameters, reading.measured_at) == (
        "legacy",
        ["pulse"],
        measured_at,
    )
    again = services.observation_record(
        episode=at_home, values={"pulse": 128}, source="patient", client_id="legacy"
    )
    assert not again.created
    joined = services.observation_record(
        episode=at_home, values={"spo2": 91}, source="patient", client_id="new"
    )
    assert joined.observation.pk == again.observation.pk
    assert ObservationSet.objects.get().news2_total == 5
