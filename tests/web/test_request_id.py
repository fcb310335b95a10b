"""Request ids and structured logs (issue 20): every response carries X-Request-ID, the
proxy's id is kept when it is a plain token and replaced when not, and every log line of
the request carries it – as text or, with HEMMA_LOG_FORMAT=json, as a JSON object."""

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings

from hemma.web import request_id


def test_a_response_carries_a_fresh_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_proxy_s_id_is_kept(client):
    answer = client.get("/healthz", headers={"X-Request-ID": "8f1c2a7d9e0b4c5f"})
    assert answer["X-Request-ID"] == "8f1c2a7d9e0b4c5f"


@pytest.mark.parametrize(
    "hostile", ["x", "a b c d e f g h", "id\nFAKE LOG LINE", "é" * 10, "z" * 65]
)
def test_an_id_that_is_not_a_plain_token_is_replaced(client, hostile):
    answer = client.get("/healthz", headers={"X-Request-ID": hostile})
    assert answer["X-Request-ID"] != hostile and len(answer["X-Request-ID"]) == 32


def _configured(fmt: str):
    """Hemma's LOGGING with the given format, writing to a buffer."""
    config = json.loads(json.dumps(settings.LOGGING))  # a copy
    config["handlers"]["console"]["formatter"] = fmt
    config["handlers"]["console"]["stream"] = buffer = io.StringIO()
    logging.config.dictConfig(config)
    return buffer


@pytest.fixture
def restore_logging():
    yield
    logging.config.dictConfig(settings.LOGGING)


def test_a_log_line_in_a_request_carries_its_id_as_json(client, restore_logging, monkeypatch):
    buffer = _configured("json")
    from hemma.web import views

    def failing_cursor():
        from django.db import OperationalError

        raise OperationalError("down")

    class Down:
        cursor = staticmethod(failing_cursor)

        def close(self):
            pass

    monkeypatch.setattr(views, "connection", Down())
    answer = client.get("/readyz", headers={"X-Request-ID": "req-0001-abcdef"})
    assert answer.status_code == 503
    lines = [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    readiness = [line for line in lines if line["logger"] == "hemma.web.views"]
    assert readiness and readiness[0]["request_id"] == "req-0001-abcdef"
    assert readiness[0]["level"] == "WARNING" and "time" in readiness[0]


def test_outside_a_request_the_id_is_a_dash_in_text_lines(restore_logging):
    buffer = _configured("text")
    logging.getLogger("hemma.monitoring").warning("worker pass failed")
    assert "[-] worker pass failed" in buffer.getvalue()
    assert request_id.current.get() == "-"
