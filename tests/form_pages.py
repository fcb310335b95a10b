"""What the tests of forms drawn again after a failed POST share (issue 19): a page's
markup, one form, row or field of it, and the messages flashed on the way."""

import re

from django.contrib.messages import get_messages


def page_text(client, url: str) -> str:
    """The markup of the page at `url`, which must open (200)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def part_at(body: str, start: str, end: str = "</form>") -> str:
    """The markup from the first `start` to the next `end`: a form, a row or a section."""
    part = body[body.index(start) :]
    return part[: part.index(end)]


def form_at(body: str, url: str, nth: int = 0) -> str:
    """The `nth` form (from 0) that posts to `url`, up to its end."""
    at = -1
    for _ in range(nth + 1):
        at = body.index(f'action="{url}"', at + 1)
    return part_at(body[at:], f'action="{url}"')


def retried_form(client, url: str, data, page: str) -> str:
    """POST `data` to `url` (a form's action that answers with a redirect), then the form
    at `url` as the next GET of `page` draws it."""
    response = client.post(url, data)
    assert response.status_code == 302, (url, response.status_code)
    return form_at(page_text(client, page), url)


def field_block(body: str, name: str) -> str:
    """The markup of one field of _form_fields.html: its label, input and errors."""
    start = body.index(f'name="{name}"')
    start = body.rindex('<div class="field">', 0, start)
    return body[start : body.index("</div>", start)]


def tag(form: str, name: str) -> str:
    """The opening tag of the input, select or textarea named `name`."""
    return re.search(rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*>', form).group()


def flashed(response_or_request) -> list[str]:
    """The messages a request (or a test client's response's request) flashed."""
    request = getattr(response_or_request, "wsgi_request", response_or_request)
    return [str(message) for message in get_messages(request)]
