"""A pluggable road router: when an OSRM server is configured (a region runs OSRM with a
Sweden extract), travel times come from its table service; otherwise, or when it does not
answer, from the embedded model – with a visible warning, never silently. Standard
library only; nothing calls out unless a URL is configured."""

import json
import math
import urllib.error
import urllib.request

from .travel import matrix as embedded_matrix

TIMEOUT_SECONDS = 5


class OsrmError(RuntimeError):
    pass


def table(base_url: str, keys: list[tuple[float, float]], timeout: float = TIMEOUT_SECONDS):
    """Durations in whole minutes between (lat, lon) keys from OSRM's /table service."""
    coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in keys)
    url = f"{base_url.rstrip('/')}/table/v1/driving/{coordinates}?annotations=duration"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (configured URL)
            body = json.load(response)
    except (urllib.error.URLError, TimeoutError, ValueError, OSError) as error:
        raise OsrmError(f"OSRM did not answer: {error}") from None
    durations = body.get("durations") if isinstance(body, dict) else None
    if body.get("code") != "Ok" or not isinstance(durations, list) or len(durations) != len(keys):
        raise OsrmError(f"OSRM answered {body.get('code')!r} without a full table")
    result = {}
    for a, row in zip(keys, durations, strict=True):
        if not isinstance(row, list) or len(row) != len(keys) or any(d is None for d in row):
            raise OsrmError("OSRM could not route between some locations")
        result[a] = {
            b: (0 if a == b else max(1, math.ceil(d / 60))) for b, d in zip(keys, row, strict=True)
        }
    return result


def travel_matrix(keys: list[tuple], osrm_url: str = "", mode: str = "car", urban_areas=()):
    """(matrix, warning): OSRM when configured and answering, else the embedded model
    (with the region's urban areas driven at town speed)."""
    if osrm_url:
        try:
            return table(osrm_url, keys), ""
        except OsrmError as error:
            fallback = embedded_matrix(keys, mode, urban_areas=urban_areas)
            return fallback, f"{error}; using the straight-line estimate"
    return embedded_matrix(keys, mode, urban_areas=urban_areas), ""
