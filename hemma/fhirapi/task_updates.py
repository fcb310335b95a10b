"""A Task a system client PUTs to answer a care request, read into the change it asks
for. Pure Python: the R4B model checks the structure, this module what Hemma takes of it.

Only `status` and `statusReason.text` change a care request; the rest of the Task is
Hemma's and must name the same request (`id`, and `focus` when sent). The receiving unit
sets `received` (read), `accepted`, `rejected` (statusReason: why) or `on-hold`
(statusReason: the question); the sending unit answers a question by setting the Task
back to `requested` or `received` (statusReason: the answer), or withdraws it with
`cancelled` (statusReason: why)."""

from dataclasses import dataclass

from fhir.resources.R4B.task import Task
from pydantic import ValidationError

from hemma.monitoring.fhir import Issue, element_name_issues, validation_issues

SETTABLE = ("received", "accepted", "rejected", "on-hold", "requested", "cancelled")
NEEDS_TEXT = {
    "rejected": "why the request is declined",
    "on-hold": "the question to the sending unit",
    "cancelled": "why the request is withdrawn",
}


@dataclass(frozen=True)
class TaskChange:
    status: str
    text: str  # statusReason.text, stripped; "" when none


def parse(payload, resource_id: str) -> tuple[TaskChange | None, list[Issue]]:
    if not isinstance(payload, dict) or payload.get("resourceType") != "Task":
        return None, [Issue("invalid", "PUT a Task resource", "Task")]
    issues = element_name_issues(payload, "Task")
    if issues:
        return None, issues
    try:
        task = Task.model_validate(payload)
    except ValidationError as error:
        return None, validation_issues(error, "Task")
    if task.id != resource_id:
        text = f"Task.id must be the id in the URL ({resource_id})"
        return None, [Issue("invalid", text, "Task.id")]
    focus = task.focus.reference if task.focus else None
    if focus is not None and focus != f"ServiceRequest/{resource_id}":
        text = f"focus is ServiceRequest/{resource_id} and cannot change"
        return None, [Issue("invalid", text, "Task.focus")]
    if task.status not in SETTABLE:
        text = f"Hemma sets Task.status to one of {', '.join(SETTABLE)}"
        return None, [Issue("not-supported", text, "Task.status")]
    reason = ((task.statusReason.text if task.statusReason else None) or "").strip()
    if task.status in NEEDS_TEXT and not reason:
        text = f"statusReason.text ({NEEDS_TEXT[task.status]}) is required"
        return None, [Issue("required", text, "Task.statusReason")]
    return TaskChange(task.status, reason), []
