"""The planner's real map in Chromium (issue 19): with a tile server configured – here a
tiny HTTP server in the test answering every tile with a PNG – Leaflet draws the tiles,
each route and its numbered stops, the offline diagram is hidden, and the content security
policy lets the tiles in without a console error."""

import base64
import importlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from hemma.visits import maps
from tests.conftest import PASSWORD

from .conftest import DAY
from .test_pages import planned

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_templates(transactional_db):
    """An earlier transactional test's flush removes the agreement templates a data
    migration wrote: ship them again (idempotent), as tests/browser/test_fresh_region.py."""
    shipping = importlib.import_module("hemma.careplans.migrations.0002_shipped_templates")
    shipping.ship(django_apps, None)


PNG = base64.b64decode(  # 1 × 1 grey pixel
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGPY2LEBAAQVAhtGKSHzAAAAAElFTkSuQmCC"
)


@pytest.fixture
def tile_server():
    asked = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 – the standard library's name
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png", asked
    server.shutdown()
    server.server_close()


def test_leaflet_draws_the_routes_over_the_regions_tiles(
    page, live_server, tile_server, team, home_health, home_patients, shifts, settings
):
    url, asked = tile_server
    settings.HEMMA_MAP_TILES_URL = url
    settings.HEMMA_MAP_ATTRIBUTION = "Testkarta"
    settings.CONTENT_SECURITY_POLICY = maps.csp_with_tiles(settings.CONTENT_SECURITY_POLICY, url)
    planned(team, home_health)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Användarnamn").fill("hsvnurse")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/visits/?day={DAY:%Y-%m-%d}")
    leaflet = page.locator("#route-map-leaflet")
    expect(leaflet).to_be_visible()
    expect(page.locator("#route-map-diagram")).to_be_hidden()
    expect(leaflet.locator("img.leaflet-tile-loaded").first).to_be_attached()
    expect(leaflet.locator("path.leaflet-interactive").first).to_be_attached()
    expect(leaflet.locator(".route-map-stop", has_text="1").first).to_be_visible()
    expect(leaflet.locator(".leaflet-control-attribution")).to_have_text("Testkarta")
    assert asked and all(path.endswith(".png") for path in asked)
    assert page.console_errors == []
