"""`{% submission_token %}`: the hidden one-off token of a create form (web/idempotency.py).

Put it inside the <form>, next to {% csrf_token %}. Each rendering is a new token, so a
form shown again after an error or a new visit to the page creates again; the same
rendered form sent twice creates once."""

import uuid

from django import template
from django.utils.html import format_html

from hemma.web.idempotency import FIELD

register = template.Library()


@register.simple_tag
def submission_token():
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid.uuid4())
