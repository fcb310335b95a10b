"""The episode page's forms drawn again after a failed submit (issue 19): once, on the same
episode's page, with their errors at the fields and the typed values kept."""

from django.urls import reverse

from hemma.web.form_retry import retry_form, retry_instance

from . import forms, hooks

# action → the page's form for it (the other actions are buttons, or the checklist's rows).
RESTORED = {
    "assess": "assessment_form",
    "decide": "decision_form",
    "consent": "consent_form",
    "discharge": "discharge_form",
    "end_on_request": "end_on_request_form",
    "record_death": "death_form",
    "transfer": "transfer_form",
    "set_visiting": "visiting_form",
    "readmit": "readmit_form",
    "return_home": "return_home_form",
    "cancel": "cancel_form",
}
# The actions whose failed submit the page draws again ("task_done": coordination's tasks).
RETRIED = {*RESTORED, "checklist", "task_done"}


def restore_forms(request, episode, context) -> None:
    for action, name in RESTORED.items():
        url = reverse("episodes:act", args=[episode.pk, action])
        context[name] = retry_instance(request, context[name], action=url)
    if context.get("episode_notice_form") is not None:  # the coordination panel's form
        url = reverse("coordination:episode_notice", args=[episode.pk])
        context["episode_notice_form"] = retry_instance(
            request, context["episode_notice_form"], action=url
        )
    if context.get("tasks"):
        context["tasks_stale"] = _task_rows(request, episode, context["tasks"])


def _task_rows(request, episode, tasks) -> bool:
    """Give each task of the page its failed "done" form (`task.retry`, None for the others)
    and say whether the failed form named no task that still offers one (stale or crafted)."""
    registered = hooks.episode_action("task_done")  # coordination's form, not imported here
    kept = None
    if registered is not None:
        url = reverse("episodes:act", args=[episode.pk, "task_done"])
        kept = retry_form(request, registered.form, action=url)
    kept_task = kept.data.get("task") if kept is not None and kept.is_bound else None
    placed = False
    for task in tasks:
        task.retry = kept if kept_task == str(task.pk) and task.done_at is None else None
        placed = placed or task.retry is not None
    # A refusal (the task done or gone meanwhile) was said already.
    return kept_task is not None and not placed and not kept.non_field_errors()


def checklist_rows(request, episode, items, *, offered: bool) -> tuple[list, bool]:
    """Each checklist item with its form (None where the page offers none), and whether a
    failed submit named no item of the page (a stale or crafted form)."""
    url = reverse("episodes:act", args=[episode.pk, "checklist"])
    # All rows send to one action: the kept form goes back to the row of its item.
    retried = retry_form(request, forms.ChecklistForm, action=url, auto_id="checklist_%s")
    kept_key = retried.data.get("key") if retried.is_bound else None
    rows, placed = [], False
    for item in items:
        form = None
        if offered and item.set_on_the_page:
            if item.key == kept_key:
                form, placed = retried, True
            else:
                form = forms.ChecklistForm(
                    auto_id=f"checklist_{item.key}_%s",
                    initial={"key": item.key, "status": item.status, "note": item.note},
                )
        rows.append((item, form))
    return rows, retried.is_bound and not placed
