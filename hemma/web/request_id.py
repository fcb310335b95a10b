"""A request id on every request, its response and every log line written while it runs.

The TLS proxy sets `X-Request-ID` (deploy/nginx/hemma.conf: nginx's `$request_id`), so the
proxy's access log, gunicorn's and Hemma's own lines of one request share the id; without a
proxy Hemma makes one. A header that is not a plain token is replaced, so a client cannot
inject text into the logs through it."""

import logging
import re
import uuid
from contextvars import ContextVar

HEADER = "HTTP_X_REQUEST_ID"
SAFE = re.compile(r"[A-Za-z0-9._-]{8,64}")
current: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(HEADER, "")
        request_id = incoming if SAFE.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request: the worker, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get()
        return True
