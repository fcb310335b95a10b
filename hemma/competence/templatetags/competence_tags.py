"""`{% episode_information episode %}`: the episode page's links to the patient's leaflet
and training checklist ("Utbildning av patienten: 4 av 7"); the caller has already read
the episode through the access policy.

`{% competence_warnings board day %}`: the planner's warnings for visits that need a
trained skill (PICC, pump …) nobody on shift – or not the planned staff member – holds by
a valid record (`selectors.planner_warnings`, one query)."""

from django import template

from hemma.competence import selectors

register = template.Library()


@register.inclusion_tag("competence/_episode_links.html")
def episode_information(episode):
    status = selectors.training_status(episode)
    return {"episode": episode, "done": status.done, "total": status.total}


@register.inclusion_tag("competence/_planner_warnings.html", takes_context=True)
def competence_warnings(context, board, day):
    acting = getattr(context.get("request"), "hemma", None)
    return {
        "warnings": selectors.planner_warnings(board, day),
        "unit": getattr(acting, "unit", None),
    }
