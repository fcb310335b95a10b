"""What each kind of job runs: {kind: function(job, progress) -> result dict}.

Dotted paths, resolved when a job runs, so the apps that own the work (visits, insights)
depend on jobs and not the other way round. `progress(text)` reports a short Swedish line
to the page (and renews the worker's lease on the job)."""

from collections.abc import Callable

from django.utils.module_loading import import_string

REGISTRY: dict[str, str | Callable] = {
    "plan_day": "hemma.visits.jobs.run_plan_day",
    "insights_import": "hemma.insights.jobs.run_import",
}


def handler(kind: str) -> Callable:
    target = REGISTRY[kind]
    return import_string(target) if isinstance(target, str) else target
