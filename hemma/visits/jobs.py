"""Planning the day as a background job (`hemma.jobs`): the planner's click queues it,
the worker runs it here, the page polls its progress."""

from datetime import date

from django.utils.translation import gettext as _

from . import services


def run_plan_day(job, progress) -> dict:
    day = date.fromisoformat(job.params["day"])

    def solver(round_number: int, rounds: int) -> None:
        progress(
            _("Söker de bästa turerna: omgång %(n)s av %(of)s…")
            % {"n": min(round_number + 1, rounds), "of": rounds}
        )

    run = services.plan_day(
        staff=job.created_by,
        unit=job.unit,
        day=day,
        seconds=float(job.params.get("seconds", 5)),
        progress=solver,
        stage=progress,
    )
    return {
        "plan_run": run.pk,
        "day": day.isoformat(),
        "planned": run.planned,
        "unassigned": run.unassigned,
        "travel_minutes": run.travel_minutes,
        "seconds": run.seconds,
        "warnings": len(run.warnings),
    }
