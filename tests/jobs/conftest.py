"""Jobs of the home health unit (home_nurse) and, for the access tests, of another unit."""

import pytest

from hemma.jobs import registry
from hemma.jobs.services import job_enqueue
from tests.visits.conftest import home_patients, shifts, team  # noqa: F401 – planning's day


@pytest.fixture
def enqueue(home_nurse, home_health):
    """Queue a job of the home health unit; the kind's function can be swapped per test."""

    def make(kind="insights_import", params=None, **kwargs):
        return job_enqueue(
            staff=home_nurse,
            unit=home_health,
            kind=kind,
            params=params if params is not None else {},
            **kwargs,
        )

    return make


@pytest.fixture
def handlers(monkeypatch):
    """Register test functions for the kinds: handlers(plan_day=fn, insights_import=fn)."""

    def register(**functions):
        for kind, function in functions.items():
            monkeypatch.setitem(registry.REGISTRY, kind, function)

    return register
