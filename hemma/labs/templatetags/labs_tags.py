"""`{% latest_labs episode %}`: "Senaste prover" for one episode where another app's page
shows it (the episode page's clinical summary). The caller has already read the episode
through the access policy; blocked documentation is left out for the reader."""

from django import template

from hemma.labs.selectors import latest_for_episodes

register = template.Library()


@register.inclusion_tag("labs/_latest.html", takes_context=True)
def latest_labs(context, episode):
    acting = getattr(context.get("request"), "hemma", None)
    labs = latest_for_episodes(
        [episode.pk],
        staff=getattr(acting, "staff", None),
        unit=getattr(acting, "unit", None),
    )
    return {"labs": labs.get(episode.pk, []), "episode": episode}
