"""The day's routes on a map. Offline (no tile server configured): Web Mercator pixel
coordinates fitted into an SVG view box, no tiles, no network. With a tile server the
region runs itself (HEMMA_MAP_TILES_URL, an OpenStreetMap-style `{z}/{x}/{y}.png` URL) the
planner draws the same routes with the vendored Leaflet from `as_leaflet()`'s data. The
travel model gives times, not road geometry, so a route is drawn as straight legs from
stop to stop. Pure Python."""

import math
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TILE = 256
WIDTH, HEIGHT = 640, 420
PADDING = 30
WARNING = "#b00020"  # visits not planned ("ej planerat")
# Staff colours: told apart from each other and never red, the warning colour's hue.
COLOURS = ("#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#4e342e", "#283593", "#827717")


def tile_origin(url: str) -> str:
    """The scheme and host a tile URL loads from (what the CSP's img-src allows)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("an http(s) URL such as http://tiles.region.se/{z}/{x}/{y}.png")
    if "{" in parts.netloc:
        raise ValueError("one tile host, without {s} subdomains")
    if not all(f"{{{key}}}" in url for key in "zxy"):
        raise ValueError("the URL must contain {z}, {x} and {y}")
    return f"{parts.scheme}://{parts.netloc}"


def csp_with_tiles(policy: dict, url: str) -> dict:
    """The content security policy with the tile host added to img-src – that host only,
    nothing else external (scripts and styles stay self-hosted). No URL: unchanged."""
    if not url:
        return policy
    directives = {k: list(v) for k, v in policy["DIRECTIVES"].items()}
    directives["img-src"] = [*directives.get("img-src", ["'self'"]), tile_origin(url)]
    return {**policy, "DIRECTIVES": directives}


def mercator(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    scale = TILE * 2**zoom
    x = (lon + 180) / 360 * scale
    siny = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + siny) / (1 - siny)) / (4 * math.pi)) * scale
    return x, y


@dataclass
class MapRoute:
    label: str
    colour: str
    points: list[tuple[float, float]]  # base, visits…, base in view-box coordinates
    stops: list[tuple[float, float, str]]  # visit markers with their order number
    coordinates: list[tuple[float, float]] = field(default_factory=list)  # (lat, lon)
    numbers: list[str] = field(default_factory=list)  # each visit's number in the route


@dataclass
class RouteMap:
    width: int = WIDTH
    height: int = HEIGHT
    routes: list[MapRoute] = field(default_factory=list)
    loose: list[tuple[float, float, str]] = field(default_factory=list)  # not planned
    loose_coordinates: list[tuple[float, float, str]] = field(default_factory=list)
    warning: str = WARNING

    @property
    def polylines(self):
        return [
            (route, " ".join(f"{x:.1f},{y:.1f}" for x, y in route.points)) for route in self.routes
        ]

    def as_leaflet(self) -> dict:
        """The routes for the Leaflet map (route_map.js): per staff member the straight legs
        base → visits → base, the numbered stops and the colour; visits not planned."""
        return {
            "warning": self.warning,
            "routes": [
                {
                    "label": route.label,
                    "colour": route.colour,
                    "line": [[round(a, 6), round(b, 6)] for a, b in route.coordinates],
                    "stops": [
                        [round(a, 6), round(b, 6), n]
                        for (a, b), n in zip(route.coordinates[1:-1], route.numbers, strict=False)
                    ],
                }
                for route in self.routes
            ],
            "loose": [[round(a, 6), round(b, 6), label] for a, b, label in self.loose_coordinates],
        }


def route_map(routes, loose=()) -> RouteMap:
    """routes: [(label, [(lat, lon), …] including the base at both ends[, numbers])] – the
    numbers of the visits in the route (1, 2, … when not given) – and loose: [(lat, lon,
    label)] visits not planned."""
    everything = [p for route in routes for p in route[1]] + [(a, b) for a, b, _ in loose]
    result = RouteMap()
    if not everything:
        return result
    zoom = 16
    while zoom > 3:
        xs, ys = zip(*(mercator(lat, lon, zoom) for lat, lon in everything), strict=True)
        if max(xs) - min(xs) <= WIDTH - 2 * PADDING and max(ys) - min(ys) <= HEIGHT - 2 * PADDING:
            break
        zoom -= 1
    xs, ys = zip(*(mercator(lat, lon, zoom) for lat, lon in everything), strict=True)
    left = (min(xs) + max(xs)) / 2 - WIDTH / 2
    top = (min(ys) + max(ys)) / 2 - HEIGHT / 2

    def place(lat, lon):
        x, y = mercator(lat, lon, zoom)
        return x - left, y - top

    for index, (label, points, *given) in enumerate(routes):
        placed = [place(lat, lon) for lat, lon in points]
        numbers = [str(n) for n in given[0]] if given else []
        numbers = numbers or [str(n) for n in range(1, len(placed) - 1)]
        stops = [(x, y, n) for (x, y), n in zip(placed[1:-1], numbers, strict=False)]
        colour = COLOURS[index % len(COLOURS)]
        result.routes.append(MapRoute(label, colour, placed, stops, list(points), numbers))
    result.loose = [(*place(lat, lon), label) for lat, lon, label in loose]
    result.loose_coordinates = list(loose)
    return result
