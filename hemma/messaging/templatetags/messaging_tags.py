"""Messages and the video link where other apps' pages show them: the episode page's
button with the unread count, the tablet's link to its messages, and the ward's
"Öppna videomöte" link (the round, the tablet). The caller has already read the episode
through the access policy (or the tablet's device cookie)."""

from django import template

from hemma.messaging import selectors
from hemma.messaging.models import Message
from hemma.messaging.video import video_url

register = template.Library()


@register.inclusion_tag("messaging/_episode_button.html")
def episode_messages_button(episode):
    """The episode page: "Meddelanden" with the patient's unread messages (one query)."""
    return {"episode": episode, "unread": selectors.unread_count(episode)}


@register.inclusion_tag("messaging/_patient_link.html")
def patient_messages_link(episode):
    """The tablet's own page: its messages (the ward's unread ones) and the video link."""
    return {
        "unread": selectors.unread_count(episode, Message.Direction.TO_PATIENT),
        "video_url": video_url(episode.ward),
    }


@register.inclusion_tag("messaging/_video_link.html")
def video_link(ward):
    """The ward's video room as a link, or nothing when no video service is configured."""
    return {"video_url": video_url(ward)}
