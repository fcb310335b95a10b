"""The planner's map (issue 19): without a tile server the offline diagram and nothing
external; with one, the vendored Leaflet over that server's tiles, the content security
policy opening img-src to that host only, numbered stops and staff colours that are never
the warning red of a visit not planned."""

import colorsys
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from hemma.visits import maps
from tests.conftest import client_for

from .conftest import DAY
from .test_pages import planned, text

PLANNER = reverse("visits:planner") + f"?day={DAY:%Y-%m-%d}"
TILES = "http://tiles.region.test:8080/osm/{z}/{x}/{y}.png"
ROOT = Path(__file__).resolve().parents[2]


def hue(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hsv(r, g, b)[0] * 360


def test_no_staff_colour_is_the_warning_colour_or_near_it():
    warning = hue(maps.WARNING)
    assert maps.WARNING not in maps.COLOURS and len(set(maps.COLOURS)) == len(maps.COLOURS)
    for colour in maps.COLOURS:
        distance = abs(hue(colour) - warning) % 360
        assert min(distance, 360 - distance) > 20, colour  # not a red
    drawn = maps.route_map(
        [(f"staff {i}", [(60.6, 15.6), (60.61, 15.62), (60.6, 15.6)]) for i in range(12)],
        [(60.62, 15.63, "ej planerat")],
    )
    assert all(route.colour != maps.WARNING for route in drawn.routes)


def test_the_leaflet_data_numbers_the_stops_as_the_run_sheet():
    base, lisa, omar = (60.6066, 15.631), (60.6032, 15.62), (60.6179, 15.64)
    drawn = maps.route_map([("Karin", [base, lisa, omar, base], [1, 3])], [(*omar, "Dropp")])
    data = drawn.as_leaflet()
    route = data["routes"][0]
    assert route["line"] == [list(base), list(lisa), list(omar), list(base)]  # straight legs
    assert route["stops"] == [[*lisa, "1"], [*omar, "3"]]  # visit 2 has no coordinates
    assert [x[2] for x in drawn.routes[0].stops] == ["1", "3"]  # the SVG says the same
    assert data["loose"] == [[*omar, "Dropp"]] and data["warning"] == maps.WARNING


@pytest.mark.parametrize(
    "bad",
    [
        "tiles.region.se/{z}/{x}/{y}.png",
        "javascript:alert(1)//{z}/{x}/{y}",
        "https://{s}.tile.example/{z}/{x}/{y}.png",
        "https://tiles.region.se/static.png",
        "ftp://tiles.region.se/{z}/{x}/{y}.png",
    ],
)
def test_a_tile_url_that_is_not_one_http_host_is_refused(bad):
    with pytest.raises(ValueError):
        maps.tile_origin(bad)


def test_the_policy_opens_img_src_to_the_tile_host_only():
    policy = {"DIRECTIVES": {"img-src": ["'self'", "data:"], "script-src": ["'self'"]}}
    opened = maps.csp_with_tiles(policy, TILES)
    assert opened["DIRECTIVES"]["img-src"] == ["'self'", "data:", "http://tiles.region.test:8080"]
    assert opened["DIRECTIVES"]["script-src"] == ["'self'"]
    assert policy["DIRECTIVES"]["img-src"] == ["'self'", "data:"]  # not changed in place
    assert maps.csp_with_tiles(policy, "") is policy


def settings_with(**environment) -> subprocess.CompletedProcess:
    """hemma.settings imported afresh with these environment variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEMMA_MAP_")}
    code = (
        "import json, hemma.settings as s; "
        "print(json.dumps([s.HEMMA_MAP_TILES_URL, s.CONTENT_SECURITY_POLICY['DIRECTIVES']]))"
    )
    return subprocess.run(  # noqa: S603 – our own interpreter and module
        [sys.executable, "-c", code],
        env=env | environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_settings_open_img_src_only_when_a_tile_server_is_configured():
    url, directives = json.loads(settings_with().stdout)
    assert url == "" and directives["img-src"] == ["'self'", "data:"]
    url, directives = json.loads(settings_with(HEMMA_MAP_TILES_URL=TILES).stdout)
    assert url == TILES and directives["img-src"] == [
        "'self'",
        "data:",
        "http://tiles.region.test:8080",
    ]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    url, _ = json.loads(settings_with(HEMMA_MAP_TILE_URL=TILES).stdout)  # the earlier name
    assert url == TILES
    refused = settings_with(HEMMA_MAP_TILES_URL="https://{s}.tile.example/{z}/{x}/{y}.png")
    assert refused.returncode != 0 and "HEMMA_MAP_TILES_URL" in refused.stderr


@pytest.mark.django_db
def test_without_a_tile_server_the_planner_loads_nothing_external(
    client, team, home_health, home_patients, shifts, settings
):
    settings.HEMMA_MAP_TILES_URL = ""
    planned(team, home_health)
    page = text(client_for(client, team["nurse"]).get(PLANNER))
    assert "<polyline" in page and 'id="route-map-diagram"' in page  # the offline diagram
    assert "leaflet" not in page.lower() and "route_map.js" not in page
    assert "http://" not in page and "https://" not in page  # no URL to another host


@pytest.mark.django_db
def test_with_a_tile_server_the_planner_draws_leaflet(
    client, team, home_health, home_patients, shifts, settings
):
    settings.HEMMA_MAP_TILES_URL = TILES
    settings.HEMMA_MAP_ATTRIBUTION = "© OpenStreetMap-bidragsgivare"
    settings.CONTENT_SECURITY_POLICY = maps.csp_with_tiles(settings.CONTENT_SECURITY_POLICY, TILES)
    planned(team, home_health)
    response = client_for(client, team["nurse"]).get(PLANNER)
    page = text(response)
    assert "/static/vendor/leaflet/leaflet.js" in page and "/static/hemma/route_map.js" in page
    assert "/static/vendor/leaflet/leaflet.css" in page
    assert f'data-tiles="{TILES}"' in page and "<script>" not in page  # no inline script
    data = json.loads(page.split('id="route-map-data" type="application/json">')[1].split("<")[0])
    assert data["routes"] and all(r["colour"] != maps.WARNING for r in data["routes"])
    stops = [stop[2] for route in data["routes"] for stop in route["stops"]]
    assert stops and all(n.isdigit() for n in stops)
    assert 'id="route-map-diagram"' in page  # the diagram stays until the script runs
    policy = response["Content-Security-Policy"]
    img_src = next(p for p in policy.split(";") if p.strip().startswith("img-src")).split()
    assert img_src == ["img-src", "'self'", "data:", "http://tiles.region.test:8080"]
    assert "tiles.region.test" not in policy.replace(" ".join(img_src), "")
