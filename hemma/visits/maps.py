"""An offline map of the day's routes: Web Mercator pixel coordinates fitted into an SVG
view box (no tiles, no network). When a tile server is configured (HEMMA_MAP_TILE_URL, an
OpenStreetMap-style `{z}/{x}/{y}.png` URL the region runs itself) the tiles under the
routes are listed as background images. Pure Python."""

import math
from dataclasses import dataclass, field

TILE = 256
WIDTH, HEIGHT = 640, 420
PADDING = 30
COLOURS = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#4e342e", "#ad1457")


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


@dataclass
class RouteMap:
    width: int = WIDTH
    height: int = HEIGHT
    routes: list[MapRoute] = field(default_factory=list)
    loose: list[tuple[float, float, str]] = field(default_factory=list)  # not planned
    tiles: list[tuple[float, float, float, str]] = field(default_factory=list)  # x, y, size, url

    @property
    def polylines(self):
        return [
            (route, " ".join(f"{x:.1f},{y:.1f}" for x, y in route.points)) for route in self.routes
        ]


def route_map(routes, loose=(), tile_url: str = "") -> RouteMap:
    """routes: [(label, [(lat, lon), …] including the base at both ends)], loose: [(lat, lon,
    label)] visits not planned."""
    everything = [p for _, points in routes for p in points] + [(a, b) for a, b, _ in loose]
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

    for index, (label, points) in enumerate(routes):
        placed = [place(lat, lon) for lat, lon in points]
        stops = [(x, y, str(n)) for n, (x, y) in enumerate(placed[1:-1], start=1)]
        result.routes.append(MapRoute(label, COLOURS[index % len(COLOURS)], placed, stops))
    result.loose = [(*place(lat, lon), label) for lat, lon, label in loose]
    if tile_url:
        first_x, first_y = int(left // TILE), int(top // TILE)
        for tx in range(first_x, int((left + WIDTH) // TILE) + 1):
            for ty in range(first_y, int((top + HEIGHT) // TILE) + 1):
                url = tile_url.format(z=zoom, x=tx, y=ty)
                result.tiles.append((tx * TILE - left, ty * TILE - top, TILE, url))
    return result
