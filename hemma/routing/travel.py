"""Travel times without anything installed: great-circle distance times a detour factor,
divided by the travel mode's speed. (A road router can replace this matrix.)

Towns are slower to drive through than the countryside: when urban areas are given (circles
around the towns of the region), the part of a trip inside them goes at the mode's urban
speed and the rest at its rural speed. Without them every trip goes at one average speed."""

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
DEFAULT_DETOUR = 1.3  # roads are longer than the straight line
SPEED_KMH = {"car": 50.0, "bike": 15.0, "walk": 5.0}  # average, when no urban areas are known
URBAN_SPEED_KMH = {"car": 30.0, "bike": 15.0, "walk": 5.0}  # crossings, lights, parking
RURAL_SPEED_KMH = {"car": 70.0, "bike": 18.0, "walk": 5.0}
SAMPLES = 20  # points along a trip to tell how much of it lies in town


@dataclass(frozen=True)
class UrbanArea:
    latitude: float
    longitude: float
    radius_km: float

    def contains(self, point: tuple[float, float]) -> bool:
        return great_circle_km((self.latitude, self.longitude), point) <= self.radius_km


def parse_urban_areas(text: str) -> tuple[UrbanArea, ...]:
    """`"60.607,15.631,4; 60.485,15.437,5"` (latitude, longitude, radius in km per town)."""
    areas = []
    for number, part in enumerate(filter(None, (p.strip() for p in text.split(";"))), 1):
        try:
            latitude, longitude, radius = (float(v) for v in part.split(","))
        except ValueError:
            raise ValueError(
                f"urban area {number} ({part!r}): expected latitude,longitude,radius_km"
            ) from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180 and radius > 0):
            raise ValueError(f"urban area {number} ({part!r}): out of range")
        areas.append(UrbanArea(latitude, longitude, radius))
    return tuple(areas)


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def urban_share(
    a: tuple[float, float], b: tuple[float, float], areas: tuple[UrbanArea, ...]
) -> float:
    """The share of the straight line a → b inside an urban area (midpoints of SAMPLES
    equal pieces; trips are short enough for a straight line in latitude/longitude)."""
    if not areas:
        return 0.0
    inside = 0
    for step in range(SAMPLES):
        t = (step + 0.5) / SAMPLES
        point = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
        inside += any(area.contains(point) for area in areas)
    return inside / SAMPLES


def travel_minutes(
    a: tuple[float, float],
    b: tuple[float, float],
    mode: str = "car",
    detour: float = DEFAULT_DETOUR,
    urban_areas: tuple[UrbanArea, ...] = (),
) -> int:
    if a == b:
        return 0
    km = great_circle_km(a, b) * detour
    if urban_areas:
        share = urban_share(a, b, urban_areas)
        hours = km * share / URBAN_SPEED_KMH[mode] + km * (1 - share) / RURAL_SPEED_KMH[mode]
    else:
        hours = km / SPEED_KMH[mode]
    return max(1, round(hours * 60))


def matrix(
    keys: list[tuple],
    mode: str = "car",
    detour: float = DEFAULT_DETOUR,
    urban_areas: tuple[UrbanArea, ...] = (),
) -> dict:
    return {a: {b: travel_minutes(a, b, mode, detour, urban_areas) for b in keys} for a in keys}


def euclidean_matrix(keys: list[tuple], scale: int = 1) -> dict:
    """Benchmarks (Solomon): Euclidean distance as the travel time, times `scale`."""
    return {a: {b: round(math.dist(a, b) * scale) for b in keys} for a in keys}
