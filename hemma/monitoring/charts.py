"""Server-rendered SVG trend charts of one vital sign with the NEWS2 bands shaded (RCP 2017
Chart 1) and alerting sets marked. No JavaScript and no CDN: the page works offline and
prints. Pure Python; the caller marks the returned SVG safe (all text is escaped here)."""

from dataclasses import dataclass
from datetime import datetime
from html import escape

# (low, high, points) per parameter, scale 1: the background bands of the chart.
BANDS = {
    "pulse": [(0, 40, 3), (41, 50, 1), (51, 90, 0), (91, 110, 1), (111, 130, 2), (131, 200, 3)],
    "spo2": [(70, 91, 3), (92, 93, 2), (94, 95, 1), (96, 100, 0)],
    "systolic_bp": [(60, 90, 3), (91, 100, 2), (101, 110, 1), (111, 219, 0), (220, 240, 3)],
    "respiration_rate": [(0, 8, 3), (9, 11, 1), (12, 20, 0), (21, 24, 2), (25, 40, 3)],
    "temperature": [
        (33, 35.0, 3),
        (35.1, 36.0, 1),
        (36.1, 38.0, 0),
        (38.1, 39.0, 1),
        (39.1, 41, 2),
    ],
}
SHADE = {0: "#e8f5e9", 1: "#fff8e1", 2: "#ffe0b2", 3: "#ffcdd2"}
WIDTH, HEIGHT, PAD = 320, 120, 4


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float
    alert: bool = False


def trend_svg(parameter: str, points: list[Point], *, title: str, mini: bool = False) -> str:
    width, height = (120, 36) if mini else (WIDTH, HEIGHT)
    bands = BANDS.get(parameter, [])
    values = [p.value for p in points]
    low = min([b[0] for b in bands] + values) if bands else min(values or [0])
    high = max([b[1] for b in bands] + values) if bands else max(values or [1])
    if values:  # zoom to the data with a margin, keeping the bands in view around it
        low = max(low, min(values) - (high - low) * 0.15)
        high = min(high, max(values) + (high - low) * 0.15)
    span = (high - low) or 1

    def y(value: float) -> float:
        return PAD + (height - 2 * PAD) * (1 - (value - low) / span)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'class="trend{" mini" if mini else ""}"><title>{escape(title)}</title>'
    ]
    for band_low, band_high, points_value in bands:
        top, bottom = y(min(band_high, high)), y(max(band_low, low))
        if bottom > top:
            parts.append(
                f'<rect x="0" y="{top:.1f}" width="{width}" height="{bottom - top:.1f}" '
                f'fill="{SHADE[points_value]}"/>'
            )
    if points:
        # Each point's x once (the round draws thousands of points per page).
        stamps = [p.at.timestamp() for p in points]
        first = stamps[0]
        duration = (stamps[-1] - first) or 1
        scale = (width - 2 * PAD) / duration
        xs = [width / 2] if len(points) == 1 else [PAD + (t - first) * scale for t in stamps]
        path = " ".join(f"{x:.1f},{y(p.value):.1f}" for x, p in zip(xs, points, strict=True))
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f3a5f" stroke-width="1.5"/>')
        for x, point in zip(xs, points, strict=True):
            colour, radius = ("#b00020", 3.5) if point.alert else ("#1f3a5f", 2)
            if mini and not point.alert:
                continue
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y(point.value):.1f}" r="{radius}" '
                f'fill="{colour}"><title>{escape(str(point.value))}</title></circle>'
            )
    parts.append("</svg>")
    return "".join(parts)
