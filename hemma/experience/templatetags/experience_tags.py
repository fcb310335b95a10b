"""The questionnaire where monitoring's tablet pages show it: the start page a discharged
episode's tablet lands on (its token no longer opens the own page) invites it to answer,
once, within the offer window."""

from django import template

from hemma.experience import selectors
from hemma.monitoring.views.patient import DEVICE_COOKIE

register = template.Library()


@register.inclusion_tag("experience/_invitation.html", takes_context=True)
def experience_invitation(context):
    request = context.get("request")
    device = (
        selectors.device_for_experience(request.COOKIES.get(DEVICE_COOKIE)) if request else None
    )
    invite = device is not None and not selectors.already_answered(device.episode)
    return {"invite": invite}
