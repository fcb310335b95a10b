"""Travel times without anything installed: great-circle distance times a detour factor,
divided by the travel mode's speed. (A road router can replace this matrix.)"""

import math

EARTH_RADIUS_KM = 6371.0088
DEFAULT_DETOUR = 1.3  # roads are longer than the straight line
SPEED_KMH = {"car": 50.0, "bike": 15.0, "walk": 5.0}


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def travel_minutes(
    a: tuple[float, float],
    b: tuple[float, float],
    mode: str = "car",
    detour: float = DEFAULT_DETOUR,
) -> int:
    if a == b:
        return 0
    hours = great_circle_km(a, b) * detour / SPEED_KMH[mode]
    return max(1, round(hours * 60))


def matrix(keys: list[tuple], mode: str = "car", detour: float = DEFAULT_DETOUR) -> dict:
    return {a: {b: travel_minutes(a, b, mode, detour) for b in keys} for a in keys}


def euclidean_matrix(keys: list[tuple], scale: int = 1) -> dict:
    """Benchmarks (Solomon): Euclidean distance as the travel time, times `scale`."""
    return {a: {b: round(math.dist(a, b) * scale) for b in keys} for a in keys}
