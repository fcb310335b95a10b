"""Home visits: every change of state goes through here, in a transaction, with its
access-log entry. The planning itself is `hemma.routing` (no Django): this package turns
the day's shifts and visits into a routing problem and the plan back into assignments.

Planning is the visiting unit's: only a home health unit plans, and only its own shifts
and visits; a visit is planned, moved or cancelled under the policy's `plan_visits` and
marked arrived or done under `record_visit` (`policy.EPISODE_ACTIONS`, the visiting team's
actions). Patients whose health record the unit may no longer list (a revoked sharing
consent) are left out of generation and planning.

Every use case takes the acting staff member and unit as keyword-only `staff=` and `unit=`.
One module per use case; import from this package (`services.X`), which re-exports the
public names below:

    schedule.py  shifts (`shift_save` – `worker=` is whose shift it is – `shift_remove`),
                 the day's visits from the agreements (`visits_generate`), `visit_add`,
                 `visit_cancel`, a manual move in a route (`visit_move`)
    planning.py  planning the day: `plan_day_request` queues the job, `plan_day` (run by
                 the worker, `hemma.visits.jobs`) reads the day, solves, stores the plan
    runsheet.py  the staff member's own visits: `visit_arrive`, `visit_done`,
                 `visit_not_done` (a note, and a concern raised to the ward as an alert)
    problem.py   shared, no use case: the day as a routing problem (`build_problem`), the
                 stored plan (`current_plan`), storing a plan (`store_plan`), the reasons a
                 visit was not planned (`REASONS`, `reason_label`)
    common.py    shared, no use case: the planning day's clock (06–06), the unit guard
                 `require_visiting_unit`, a visit's access-log entry

Imports point one way: common ← problem ← planning, schedule; runsheet uses common."""

from hemma.routing import solve as routing_solve

from .common import (
    DAY_STARTS_AT,
    PLANNED_STATES,
    day_bounds,
    day_midnight,
    from_minutes,
    planning_day,
    require_visiting_unit,
    to_minutes,
)
from .planning import MAX_SECONDS, NO_SHIFTS, plan_day, plan_day_request
from .problem import (
    REASONS,
    DayProblem,
    build_problem,
    current_plan,
    key_pk,
    reason_label,
    staff_key,
    visit_key,
)
from .runsheet import CONCERN_LEVELS, EARLY_LIMIT, visit_arrive, visit_done, visit_not_done
from .schedule import (
    DEFAULT_SKILLS,
    shift_remove,
    shift_save,
    visit_add,
    visit_cancel,
    visit_move,
    visits_generate,
)

__all__ = [
    "DAY_STARTS_AT",
    "CONCERN_LEVELS",
    "DEFAULT_SKILLS",
    "EARLY_LIMIT",
    "MAX_SECONDS",
    "NO_SHIFTS",
    "PLANNED_STATES",
    "REASONS",
    "DayProblem",
    "build_problem",
    "current_plan",
    "day_bounds",
    "day_midnight",
    "from_minutes",
    "key_pk",
    "plan_day",
    "plan_day_request",
    "planning_day",
    "reason_label",
    "require_visiting_unit",
    "routing_solve",
    "shift_remove",
    "shift_save",
    "staff_key",
    "to_minutes",
    "visit_add",
    "visit_arrive",
    "visit_cancel",
    "visit_done",
    "visit_key",
    "visit_move",
    "visit_not_done",
    "visits_generate",
]
