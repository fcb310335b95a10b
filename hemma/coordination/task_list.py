"""The unit's task list on the coordination page, read a page at a time under a status
filter (open, overdue, done), with the counts of what needs action."""

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit
from hemma.web.listing import ListFilter

from .meetings import visible_tasks
from .models import Task

# The task list's filters, in the order of the page's tabs (the queries: task_filters).
TASK_FILTERS = (
    ListFilter("open", _("Öppna"), _("Inga öppna uppgifter.")),
    ListFilter("overdue", _("Försenade"), _("Inga försenade uppgifter.")),
    ListFilter("done", _("Klara"), _("Inga klara uppgifter.")),
)
# Only what needs action is counted: the done tasks are history.
COUNTED = ("open", "overdue")


def task_filters(today: date) -> dict[str, Q]:
    is_open = Q(status=Task.Status.OPEN)
    return {
        "open": is_open,
        "overdue": is_open & Q(due_on__lt=today),
        "done": Q(status=Task.Status.DONE),
    }


def _unit_tasks(unit: Unit, staff: Staff | None) -> QuerySet:
    return visible_tasks(Task.objects.filter(owner_unit=unit), staff, unit)


def task_page_tasks(unit: Unit, staff: Staff | None, status: str, today: date) -> QuerySet:
    """The unit's tasks of patients it may list under one filter, in a fixed order (to be
    paged): open ones by due date (the overdue first), done ones the latest first."""
    order = ("-done_at", "-id") if status == "done" else ("due_on", "due_at", "id")
    return (
        _unit_tasks(unit, staff)
        .filter(task_filters(today)[status])
        .select_related("patient", "episode__patient", "owner__user", "done_by__user")
        .order_by(*order)
    )


def task_counts(unit: Unit, staff: Staff | None, today: date) -> dict[str, int]:
    """How many tasks need action under each counted filter, in one query."""
    filters = task_filters(today)
    return _unit_tasks(unit, staff).aggregate(
        **{name: Count("pk", filter=filters[name]) for name in COUNTED}
    )
