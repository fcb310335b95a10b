"""The OSRM client against a small fake OSRM server on 127.0.0.1, and the fallback to the
embedded model with a visible warning when the server is down or answers badly."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from hemma.routing.osrm import OsrmError, table, travel_matrix

FALUN = (60.6065, 15.6355)
BORLANGE = (60.4858, 15.4371)


def serve(answer):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            Handler.paths.append(self.path)
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    Handler.paths = []
    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, Handler.paths


@pytest.fixture
def fake_osrm():
    server, paths = serve({"code": "Ok", "durations": [[0, 1510.0], [1490.0, 0]]})
    yield f"http://127.0.0.1:{server.server_address[1]}", paths
    server.shutdown()


def test_durations_come_from_the_table_service(fake_osrm):
    url, paths = fake_osrm
    result = table(url, [FALUN, BORLANGE])
    assert result[FALUN][BORLANGE] == 26 and result[BORLANGE][FALUN] == 25
    assert paths[0].startswith("/table/v1/driving/15.635500,60.606500;15.437100,60.485800")


def test_a_server_that_is_down_falls_back_with_a_warning():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result, warning = travel_matrix([FALUN, BORLANGE], osrm_url=f"http://127.0.0.1:{port}")
    assert "OSRM did not answer" in warning and "straight-line" in warning
    assert 25 <= result[FALUN][BORLANGE] <= 30


def test_a_bad_answer_is_an_error_and_falls_back():
    server, _paths = serve({"code": "NoRoute", "durations": None})
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with pytest.raises(OsrmError, match="NoRoute"):
        table(url, [FALUN, BORLANGE])
    _result, warning = travel_matrix([FALUN, BORLANGE], osrm_url=url)
    assert "NoRoute" in warning
    server.shutdown()


def test_without_a_url_there_is_no_network_call():
    result, warning = travel_matrix([FALUN, BORLANGE])
    assert warning == "" and result[FALUN][FALUN] == 0
